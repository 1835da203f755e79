/** The tools a request offers, and the choice among them, as OpenAI's Chat Completions API takes them. */
import type { ToolChoice, ToolDefinition } from "../../core/tool-call.js";
import type { ChatCallOptions } from "../chat-model.js";

const NO_FIELDS: Record<string, unknown> = Object.freeze({});

/**
 * `tools`, `tool_choice` and `parallel_tool_calls` for the request body; none of them without tools. OpenAI
 * refuses `parallel_tool_calls` without `tools`, and a server that knows no tools at all (many local ones) may
 * refuse any of these fields, so a request that offers none looks exactly as it did before tools existed.
 */
export function toOpenAIToolFields(
  options: Pick<ChatCallOptions, "tools" | "toolChoice" | "parallelToolCalls">,
): Record<string, unknown> {
  if (!options.tools?.length) return NO_FIELDS;
  return {
    tools: options.tools.map(toOpenAITool),
    ...(options.toolChoice !== undefined && { tool_choice: toOpenAIToolChoice(options.toolChoice) }),
    ...(options.parallelToolCalls !== undefined && { parallel_tool_calls: options.parallelToolCalls }),
  };
}

function toOpenAITool(tool: ToolDefinition): Record<string, unknown> {
  return {
    type: "function",
    function: {
      name: tool.name,
      ...(tool.description !== undefined && { description: tool.description }),
      ...(tool.parameters !== undefined && { parameters: tool.parameters }),
      ...(tool.strict !== undefined && { strict: tool.strict }),
    },
  };
}

function toOpenAIToolChoice(choice: ToolChoice): string | Record<string, unknown> {
  if (typeof choice === "string") return choice;
  return { type: "function", function: { name: choice.name } };
}
