/** Validates an Anthropic Messages request body into Parley's terms. */
import { z } from "zod";
import { imageFromBase64, imageFromUrl } from "../../files/inline-image.js";
import type { ChatPrompt, ChatPromptMessage } from "../../providers/chat-model.js";
import { parseInput } from "../parse-body.js";
import { type CompatibleRequest, onlyUserImages, textOf } from "./compatible-request.js";

const textBlock = z.object({
  type: z.literal("text", "only text content blocks are supported"),
  text: z.string(),
});

const imageBlock = z.object({
  type: z.literal("image"),
  source: z.discriminatedUnion(
    "type",
    [
      z.object({ type: z.literal("base64"), media_type: z.string(), data: z.string() }),
      z.object({ type: z.literal("url"), url: z.string() }),
    ],
    { error: 'must be {"type": "base64", "media_type", "data"}' },
  ),
});

const contentBlock = z.discriminatedUnion("type", [textBlock, imageBlock], {
  error: 'only "text" and "image" content blocks are supported',
});

/** Refused by name rather than dropped: a client that sent tools would take a plain text reply for a tool call. */
const NO_TOOLS = "Parley's models do not call tools yet; send the request without them";

const body = z.object({
  tools: z.array(z.unknown()).max(0, NO_TOOLS).optional(),
  tool_choice: z.object({ type: z.enum(["auto", "none"], NO_TOOLS) }).optional(),
  model: z.string().min(1),
  max_tokens: z.number().int().positive(),
  messages: z
    .array(
      z.object({
        role: z.enum(["user", "assistant"]),
        content: z.union([z.string(), z.array(contentBlock)]),
      }),
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

/** What POST /v1/messages/count_tokens takes: a message request's prompt, without what only a reply needs. */
const countTokensBody = body.pick({ model: true, messages: true, system: true, tools: true });

export function parseAnthropicMessagesRequest(input: unknown): CompatibleRequest {
  const request = parseInput(body, input);
  return {
    model: request.model,
    messages: promptOf(request),
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

export function parseAnthropicCountTokensRequest(input: unknown): { model: string; messages: ChatPrompt } {
  const request = parseInput(countTokensBody, input);
  return { model: request.model, messages: promptOf(request) };
}

function promptOf(request: Pick<z.infer<typeof body>, "system" | "messages">): ChatPromptMessage[] {
  const system = textOf(request.system);
  return [
    ...(system ? [{ role: "system" as const, content: system }] : []),
    ...request.messages.map(toPromptMessage),
  ];
}

/** Text blocks are joined; `image` blocks (base64) become the message's images, in order. */
function toPromptMessage(item: z.infer<typeof body>["messages"][number], index: number): ChatPromptMessage {
  const images = Array.isArray(item.content)
    ? item.content.flatMap((block, at) => {
        if (block.type !== "image") return [];
        const what = `The image at \`messages.${index}.content.${at}.source\``;
        return [
          block.source.type === "base64"
            ? imageFromBase64(block.source.data, what, block.source.media_type)
            : imageFromUrl(block.source.url, what),
        ];
      })
    : [];
  onlyUserImages(item.role, images, index);
  return { role: item.role, content: textOf(item.content), ...(images.length > 0 && { images }) };
}
