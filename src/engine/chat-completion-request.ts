/** Validates an OpenAI Chat Completions request body into what the engine can serve. */
import type { GbnfJsonSchema } from "node-llama-cpp";
import { z } from "zod";
import { BadRequestError } from "../core/app-error.js";
import { TOOL_NAME } from "../core/tool-call.js";
import type { EngineChatMessage, EngineToolCall } from "./chat-prompt-tokens.js";
import { grammarJsonSchema } from "./grammar-json-schema.js";
import { requestIssueError } from "./request-issue.js";

export type ChatCompletionRequest = {
  messages: EngineChatMessage[];
  stream: boolean;
  includeUsage: boolean;
  maxTokens: number | undefined;
  temperature: number | undefined;
  topP: number | undefined;
  /** Sampling from the K likeliest tokens (llama.cpp's `top_k`, which OpenAI's format lacks); 0 turns it off. */
  topK: number | undefined;
  /** OpenAI's penalties on tokens the reply already used: 0 (none) unless the request says. */
  presencePenalty: number;
  frequencyPenalty: number;
  seed: number | undefined;
  stop: string[];
  responseFormat: ResponseFormat;
  /** The function tools offered, in the request's order; empty when none are. */
  tools: EngineTool[];
  /** "none" when no tools are offered; OpenAI's default, "auto", when some are and the request says nothing. */
  toolChoice: EngineToolChoice;
  /** False: at most one call per reply. */
  parallelToolCalls: boolean;
};

/** A function tool, its parameters' schema checked and translated as for a structured reply. */
export type EngineTool = {
  name: string;
  description: string | undefined;
  /** The schema as the request sent it, for the grammar check; undefined for a function that takes no arguments. */
  requestParameters: Record<string, unknown> | undefined;
  /** The schema as node-llama-cpp takes it (descriptions kept for the prompt). */
  parameters: GbnfJsonSchema | undefined;
  /** The request field of the schema, for refusals that come later (a grammar llama.cpp refuses). */
  parametersParam: string;
};

export type EngineToolChoice = "none" | "auto" | "required" | { name: string };

/**
 * What the reply must be: free text, any JSON object, or JSON that a schema describes. A `json_schema` format
 * without a schema is `json_object`, so the schema here is always there.
 */
export type ResponseFormat =
  | { type: "text" }
  | { type: "json_object" }
  | { type: "json_schema"; schema: Record<string, unknown> };

const contentSchema = z.union(
  [z.string(), z.array(z.object({ type: z.literal("text"), text: z.string() }))],
  { error: 'must be a string or an array of text parts like {"type": "text", "text": "..."}' },
);

const toolCallSchema = z.object({
  id: z.string().min(1, { error: "must not be empty" }),
  type: z.literal("function", { error: 'must be "function"' }).optional(),
  function: z.object({
    name: z.string().min(1, { error: "must not be empty" }),
    // The JSON text the model wrote, rendered back as written.
    arguments: z.string(),
  }),
});

const messageSchema = z.discriminatedUnion(
  "role",
  [
    z.object({ role: z.enum(["system", "developer", "user"]), content: contentSchema.nullish() }),
    z.object({
      role: z.literal("assistant"),
      // An assistant turn may carry no text (OpenAI allows null there).
      content: contentSchema.nullish(),
      tool_calls: z.array(toolCallSchema).nullish(),
    }),
    z.object({
      role: z.literal("tool"),
      content: contentSchema.nullish(),
      tool_call_id: z.string({ error: "must be the id of a tool call of the assistant message before" }),
    }),
  ],
  { error: 'must be "system", "developer", "user", "assistant" or "tool"' },
);

const toolSchema = z.object(
  {
    type: z.literal("function", { error: 'must be "function": the local engine serves function tools only' }),
    function: z.object({
      name: z.string().regex(TOOL_NAME, { error: "must be 1 to 64 letters, digits, underscores or dashes" }),
      description: z.string().nullish(),
      parameters: z.record(z.string(), z.unknown(), { error: "must be a JSON Schema object" }).nullish(),
      // A grammar always holds the arguments to the schema, strict or not.
      strict: z.boolean().nullish(),
    }),
  },
  { error: 'must be an object like {"type": "function", "function": {"name": "..."}}' },
);

const toolChoiceSchema = z.union(
  [
    z.enum(["none", "auto", "required"]),
    z.object({ type: z.literal("function"), function: z.object({ name: z.string() }) }),
  ],
  { error: 'must be "none", "auto", "required" or {"type": "function", "function": {"name": "..."}}' },
);

/** OpenAI's `response_format.json_schema`. `strict` changes nothing: a grammar always holds the reply to the schema. */
const jsonSchemaFormatSchema = z.object(
  {
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, {
      error: "must be 1 to 64 letters, digits, underscores or dashes",
    }),
    description: z.string().nullish(),
    schema: z.record(z.string(), z.unknown(), { error: "must be a JSON Schema object" }).nullish(),
    strict: z.boolean().nullish(),
  },
  { error: 'must be an object like {"name": "...", "schema": {...}}' },
);

const requestSchema = z.object({
  model: z.string().optional(),
  messages: z.array(messageSchema).min(1, { error: "must contain at least one message" }),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  max_tokens: z.int().min(1).nullish(),
  max_completion_tokens: z.int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  top_k: z.int().min(0).nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  seed: z.int().nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  n: z.literal(1, { error: "must be 1: the local engine returns one choice" }).nullish(),
  tools: z.array(toolSchema).max(128, { error: "must not list more than 128 tools" }).nullish(),
  tool_choice: toolChoiceSchema.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  response_format: z
    .discriminatedUnion(
      "type",
      [
        z.object({ type: z.literal("text") }),
        z.object({ type: z.literal("json_object") }),
        z.object({ type: z.literal("json_schema"), json_schema: jsonSchemaFormatSchema }),
      ],
      { error: 'must be "text", "json_object" or "json_schema"' },
    )
    .nullish(),
});

export function parseChatCompletionRequest(body: unknown): ChatCompletionRequest {
  const parsed = requestSchema.safeParse(body, { reportInput: true });
  if (!parsed.success) throw requestIssueError(parsed.error);
  const input = parsed.data;
  const messages = input.messages.map((message): EngineChatMessage => {
    const content = contentText(message.content);
    if (message.role === "tool") return { role: "tool", content, toolCallId: message.tool_call_id };
    if (message.role === "assistant" && message.tool_calls?.length) {
      const toolCalls = message.tool_calls.map(
        (call): EngineToolCall => ({
          id: call.id,
          name: call.function.name,
          arguments: call.function.arguments,
        }),
      );
      return { role: "assistant", content, toolCalls };
    }
    return { role: message.role === "developer" ? "system" : message.role, content };
  });
  const nullMessage = input.messages.findIndex(
    (message) => message.content == null && message.role !== "assistant",
  );
  if (nullMessage >= 0) {
    throw new BadRequestError(`Invalid 'messages[${nullMessage}].content': must not be null for this role.`, {
      code: "invalid_value",
      details: { param: `messages[${nullMessage}].content` },
    });
  }
  checkToolResults(messages);
  const stop = input.stop == null ? [] : typeof input.stop === "string" ? [input.stop] : input.stop;
  const tools = engineTools(input.tools ?? []);
  return {
    messages,
    stream: input.stream ?? false,
    includeUsage: input.stream_options?.include_usage ?? false,
    maxTokens: input.max_completion_tokens ?? input.max_tokens ?? undefined,
    temperature: input.temperature ?? undefined,
    topP: input.top_p ?? undefined,
    topK: input.top_k ?? undefined,
    presencePenalty: input.presence_penalty ?? 0,
    frequencyPenalty: input.frequency_penalty ?? 0,
    // llama.cpp seeds are 32-bit; OpenAI's are any integer.
    seed: input.seed == null ? undefined : Number(BigInt.asUintN(32, BigInt(input.seed))),
    stop: stop.filter((text) => text !== ""),
    responseFormat: responseFormat(input.response_format),
    tools,
    toolChoice: toolChoice(input.tool_choice, tools),
    parallelToolCalls: input.parallel_tool_calls ?? true,
  };
}

function engineTools(tools: readonly z.infer<typeof toolSchema>[]): EngineTool[] {
  const seen = new Set<string>();
  return tools.map((tool, index): EngineTool => {
    const { name, description, parameters } = tool.function;
    if (seen.has(name)) {
      throw new BadRequestError(
        `Invalid 'tools[${index}].function.name': ${JSON.stringify(name)} is listed twice.`,
        {
          code: "invalid_value",
          details: { param: `tools[${index}].function.name` },
        },
      );
    }
    seen.add(name);
    const parametersParam = `tools[${index}].function.parameters`;
    return {
      name,
      description: description ?? undefined,
      requestParameters: parameters ?? undefined,
      parameters:
        parameters == null
          ? undefined
          : grammarJsonSchema(parameters, { param: parametersParam, keepDescriptions: true }),
      parametersParam,
    };
  });
}

function toolChoice(
  choice: z.infer<typeof requestSchema>["tool_choice"],
  tools: readonly EngineTool[],
): EngineToolChoice {
  if (tools.length === 0) {
    if (choice == null || choice === "none" || choice === "auto") return "none";
    throw new BadRequestError("Invalid 'tool_choice': a tool can only be required when 'tools' lists some.", {
      code: "invalid_value",
      details: { param: "tool_choice" },
    });
  }
  if (choice == null) return "auto";
  if (typeof choice === "string") return choice;
  const { name } = choice.function;
  if (!tools.some((tool) => tool.name === name)) {
    throw new BadRequestError(
      `Invalid 'tool_choice.function.name': no tool in 'tools' is named ${JSON.stringify(name)}.`,
      {
        code: "invalid_value",
        details: { param: "tool_choice.function.name" },
      },
    );
  }
  return { name };
}

/**
 * As OpenAI requires: every tool message answers a call of the assistant message its run of tool messages follows,
 * and every call of an assistant message is answered before the conversation goes on (or ends).
 */
function checkToolResults(messages: readonly EngineChatMessage[]): void {
  let open: { index: number; unanswered: Set<string> } | undefined;
  const refuse = (param: string, problem: string): never => {
    throw new BadRequestError(`Invalid '${param}': ${problem}.`, {
      code: "invalid_value",
      details: { param },
    });
  };
  const close = () => {
    if (open && open.unanswered.size > 0) {
      refuse(
        `messages[${open.index}].tool_calls`,
        `the tool calls ${[...open.unanswered].map((id) => JSON.stringify(id)).join(", ")} have no tool message answering them`,
      );
    }
    open = undefined;
  };
  messages.forEach((message, index) => {
    if (message.role === "tool") {
      if (!open?.unanswered.delete(message.toolCallId)) {
        refuse(
          `messages[${index}].tool_call_id`,
          `${JSON.stringify(message.toolCallId)} answers no unanswered tool call of the assistant message before it`,
        );
      }
      return;
    }
    close();
    if (message.role === "assistant" && message.toolCalls) {
      const unanswered = new Set<string>();
      message.toolCalls.forEach((call, callIndex) => {
        if (unanswered.has(call.id))
          refuse(
            `messages[${index}].tool_calls[${callIndex}].id`,
            `${JSON.stringify(call.id)} is used twice`,
          );
        unanswered.add(call.id);
      });
      open = { index, unanswered };
    }
  });
  close();
}

function responseFormat(format: z.infer<typeof requestSchema>["response_format"]): ResponseFormat {
  if (format?.type === "json_schema") {
    const schema = format.json_schema.schema;
    return schema == null ? { type: "json_object" } : { type: "json_schema", schema };
  }
  return { type: format?.type ?? "text" };
}

function contentText(content: string | { text: string }[] | null | undefined): string {
  if (content == null) return "";
  if (typeof content === "string") return content;
  return content.map((part) => part.text).join("");
}
