/** Validates an Anthropic Messages request body into Parley's terms. */
import { z } from "zod";
import type { ChatPromptMessage } from "../../providers/chat-model.js";
import { parseInput } from "../parse-body.js";
import { type CompatibleRequest, textOf } from "./compatible-request.js";

const textBlock = z.object({
  type: z.literal("text", "only text content blocks are supported"),
  text: z.string(),
});

const body = z.object({
  model: z.string().min(1),
  max_tokens: z.number().int().positive(),
  messages: z
    .array(
      z.object({ role: z.enum(["user", "assistant"]), content: z.union([z.string(), z.array(textBlock)]) }),
    )
    .min(1, "must hold at least one message"),
  system: z.union([z.string(), z.array(textBlock)]).optional(),
  stop_sequences: z.array(z.string()).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().positive().optional(),
  stream: z.boolean().optional(),
  store: z.boolean().optional(),
});

export function parseAnthropicMessagesRequest(input: unknown): CompatibleRequest {
  const request = parseInput(body, input);
  const system = textOf(request.system);
  const messages: ChatPromptMessage[] = [
    ...(system ? [{ role: "system" as const, content: system }] : []),
    ...request.messages.map((item) => ({ role: item.role, content: textOf(item.content) })),
  ];
  return {
    model: request.model,
    messages,
    call: {
      maxOutputTokens: request.max_tokens,
      ...(request.temperature !== undefined && { temperature: request.temperature }),
      ...(request.top_p !== undefined && { topP: request.top_p }),
      ...(request.stop_sequences?.length && { stopSequences: request.stop_sequences }),
    },
    stream: request.stream === true,
    store: request.store !== false,
  };
}
