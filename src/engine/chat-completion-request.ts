/** Validates an OpenAI Chat Completions request body into what the engine can serve. */
import { z } from "zod";
import { BadRequestError } from "../core/app-error.js";
import type { EngineChatMessage } from "./chat-prompt-tokens.js";
import { requestIssueError } from "./request-issue.js";

export type ChatCompletionRequest = {
  messages: EngineChatMessage[];
  stream: boolean;
  includeUsage: boolean;
  maxTokens: number | undefined;
  temperature: number | undefined;
  topP: number | undefined;
  seed: number | undefined;
  stop: string[];
  responseFormat: ResponseFormat;
};

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

const messageSchema = z.object({
  role: z.enum(["system", "developer", "user", "assistant"], {
    error:
      'must be "system", "developer", "user" or "assistant" (tools are not supported by the local engine)',
  }),
  // An assistant turn may carry no text (OpenAI allows null there).
  content: contentSchema.nullish(),
});

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
  seed: z.int().nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  n: z.literal(1, { error: "must be 1: the local engine returns one choice" }).nullish(),
  tools: z.array(z.unknown()).max(0, { error: "are not supported by the local engine" }).nullish(),
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
  const messages = input.messages.map(
    (message): EngineChatMessage => ({
      role: message.role === "developer" ? "system" : message.role,
      content: contentText(message.content),
    }),
  );
  const nullMessage = input.messages.findIndex(
    (message) => message.content == null && message.role !== "assistant",
  );
  if (nullMessage >= 0) {
    throw new BadRequestError(`Invalid 'messages[${nullMessage}].content': must not be null for this role.`, {
      code: "invalid_value",
      details: { param: `messages[${nullMessage}].content` },
    });
  }
  const stop = input.stop == null ? [] : typeof input.stop === "string" ? [input.stop] : input.stop;
  return {
    messages,
    stream: input.stream ?? false,
    includeUsage: input.stream_options?.include_usage ?? false,
    maxTokens: input.max_completion_tokens ?? input.max_tokens ?? undefined,
    temperature: input.temperature ?? undefined,
    topP: input.top_p ?? undefined,
    // llama.cpp seeds are 32-bit; OpenAI's are any integer.
    seed: input.seed == null ? undefined : Number(BigInt.asUintN(32, BigInt(input.seed))),
    stop: stop.filter((text) => text !== ""),
    responseFormat: responseFormat(input.response_format),
  };
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
