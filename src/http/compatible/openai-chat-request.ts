/** Validates an OpenAI Chat Completions request body into Parley's terms. */
import { z } from "zod";
import { parseInput } from "../parse-body.js";
import { type CompatibleRequest, textOf } from "./compatible-request.js";

const textPart = z.object({
  type: z.literal("text", "only text content parts are supported"),
  text: z.string(),
});

const message = z.object({
  role: z.enum(["system", "developer", "user", "assistant"]),
  content: z.union([z.string(), z.array(textPart)]).nullish(),
});

const body = z.object({
  model: z.string().min(1),
  messages: z.array(message).min(1, "must hold at least one message"),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  seed: z.number().int().nullish(),
  n: z.literal(1, "only n = 1 is supported").nullish(),
  user: z.string().nullish(),
  store: z.boolean().nullish(),
});

export type OpenAIChatRequest = CompatibleRequest & { includeUsage: boolean };

export function parseOpenAIChatRequest(input: unknown): OpenAIChatRequest {
  const request = parseInput(body, input);
  const maxOutputTokens = request.max_completion_tokens ?? request.max_tokens;
  const stop = typeof request.stop === "string" ? [request.stop] : request.stop;
  return {
    model: request.model,
    messages: request.messages.map((item) => ({
      role: item.role === "developer" ? "system" : item.role,
      content: textOf(item.content),
    })),
    call: {
      ...(maxOutputTokens != null && { maxOutputTokens }),
      ...(request.temperature != null && { temperature: request.temperature }),
      ...(request.top_p != null && { topP: request.top_p }),
      ...(stop?.length && { stopSequences: stop }),
      ...(request.seed != null && { seed: request.seed }),
    },
    stream: request.stream === true,
    includeUsage: request.stream_options?.include_usage === true,
    // Parley keeps the exchange as a conversation unless the caller opts out.
    store: request.store !== false,
  };
}
