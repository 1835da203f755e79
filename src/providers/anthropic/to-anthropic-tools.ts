/** A call's tools as the Messages API takes them: `tools`, and `tool_choice` carrying the parallel-calls switch. */
import type {
  ToolChoice as AnthropicToolChoice,
  MessageCreateParams,
  Tool,
} from "@anthropic-ai/sdk/resources/messages";
import type { ToolChoice } from "../../core/tool-call.js";
import type { ChatCallOptions } from "../chat-model.js";
import { cacheControlOf } from "./to-anthropic-messages.js";

export type AnthropicTools = Pick<MessageCreateParams, "tools" | "tool_choice">;

/**
 * Nothing at all without tools: the API refuses a `tool_choice` with no tools to choose from. A tool without a
 * schema takes any object, the one kind of input Anthropic has. `strict` is left out: it is OpenAI's, and
 * Anthropic's own takes models and rules of its own.
 */
export function toAnthropicTools(
  {
    tools,
    toolChoice,
    parallelToolCalls,
  }: Pick<ChatCallOptions, "tools" | "toolChoice" | "parallelToolCalls">,
  /** `cache`: the tools the client marked as cache breakpoints are marked. */
  options: { cache?: boolean } = {},
): AnthropicTools {
  if (!tools?.length) return {};
  const choice = toAnthropicToolChoice(toolChoice, parallelToolCalls === false);
  return {
    tools: tools.map(
      (tool): Tool => ({
        name: tool.name,
        ...(tool.description !== undefined && { description: tool.description }),
        input_schema: (tool.parameters ?? { type: "object" }) as Tool.InputSchema,
        ...(options.cache && tool.cacheTtl && { cache_control: cacheControlOf(tool.cacheTtl) }),
      }),
    ),
    ...(choice !== undefined && { tool_choice: choice }),
  };
}

/**
 * Anthropic has no request field for parallel calls: it is `disable_parallel_tool_use` on the tool choice, so asking
 * for one call at most without a choice sends the default one, `auto`, to carry it. Without either, nothing is
 * sent and the API's default (`auto`, several calls allowed) holds.
 */
function toAnthropicToolChoice(
  choice: ToolChoice | undefined,
  oneCallAtMost: boolean,
): AnthropicToolChoice | undefined {
  const parallel = oneCallAtMost ? { disable_parallel_tool_use: true } : {};
  // No call at all: there is nothing for the switch to limit, and `none` does not take it.
  if (choice === "none") return { type: "none" };
  if (choice === "required") return { type: "any", ...parallel };
  if (typeof choice === "object") return { type: "tool", name: choice.name, ...parallel };
  if (choice === "auto" || oneCallAtMost) return { type: "auto", ...parallel };
  return undefined;
}
