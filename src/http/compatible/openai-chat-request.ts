/** Validates an OpenAI Chat Completions request body into Parley's terms. */
import { z } from "zod";
import { imageFromUrl } from "../../files/inline-image.js";
import type { ChatPromptMessage, ResponseFormat } from "../../providers/chat-model.js";
import { parseInput } from "../parse-body.js";
import { type CompatibleRequest, onlyUserImages, textOf } from "./compatible-request.js";

const contentPart = z.discriminatedUnion(
  "type",
  [
    z.object({ type: z.literal("text"), text: z.string() }),
    z.object({
      type: z.literal("image_url"),
      // `detail` is accepted and not passed on: Parley sends every image whole.
      image_url: z.object({ url: z.string().min(1), detail: z.enum(["auto", "low", "high"]).optional() }),
    }),
  ],
  { error: 'only "text" and "image_url" content parts are supported' },
);

const message = z.object({
  role: z.enum(["system", "developer", "user", "assistant"]),
  content: z.union([z.string(), z.array(contentPart)]).nullish(),
});

/**
 * Fields that ask for a different kind of answer than Parley gives (a tool call, log probabilities, audio) are
 * refused by name rather than dropped: a client that sent them would otherwise take a plain text reply for what it
 * asked. Their harmless values (no tools, false) pass, as clients send those by default.
 */
const NO_TOOLS = "Parley's models do not call tools yet; send the request without them";
const refused = {
  tools: z.array(z.unknown()).max(0, NO_TOOLS).nullish(),
  functions: z.array(z.unknown()).max(0, NO_TOOLS).nullish(),
  tool_choice: z.enum(["none", "auto"], NO_TOOLS).nullish(),
  function_call: z.enum(["none", "auto"], NO_TOOLS).nullish(),
  logprobs: z.literal(false, "Parley does not return log probabilities").nullish(),
  top_logprobs: z.literal(0, "Parley does not return log probabilities").nullish(),
  modalities: z.array(z.literal("text", "Parley answers with text only")).nullish(),
  audio: z.null("Parley answers with text only").optional(),
};

/** OpenAI's JSON mode and structured outputs; `text` is the default, asking for nothing. */
const responseFormatSchema = z.discriminatedUnion(
  "type",
  [
    z.object({ type: z.literal("text") }),
    z.object({ type: z.literal("json_object") }),
    z.object({
      type: z.literal("json_schema"),
      json_schema: z.object(
        {
          name: z
            .string()
            .regex(/^[a-zA-Z0-9_-]{1,64}$/, "must be 1-64 letters, digits, underscores or dashes"),
          description: z.string().nullish(),
          schema: z.record(z.string(), z.unknown(), "must be a JSON Schema object").nullish(),
          strict: z.boolean().nullish(),
        },
        'must be an object with the schema\'s "name", and its "schema"',
      ),
    }),
  ],
  {
    error:
      'must be {"type": "text"}, {"type": "json_object"} or {"type": "json_schema", "json_schema": {...}}',
  },
);

const body = z.object({
  ...refused,
  response_format: responseFormatSchema.nullish(),
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
  const responseFormat = request.response_format && toResponseFormat(request.response_format);
  return {
    model: request.model,
    messages: request.messages.map(toPromptMessage),
    call: {
      ...(maxOutputTokens != null && { maxOutputTokens }),
      ...(request.temperature != null && { temperature: request.temperature }),
      ...(request.top_p != null && { topP: request.top_p }),
      ...(stop?.length && { stopSequences: stop }),
      ...(request.seed != null && { seed: request.seed }),
      ...(responseFormat && { responseFormat }),
    },
    stream: request.stream === true,
    includeUsage: request.stream_options?.include_usage === true,
    // Parley keeps the exchange as a conversation unless the caller opts out.
    store: request.store !== false,
  };
}

/** Text parts are joined; `image_url` parts (data URLs) become the message's images, in order. */
function toPromptMessage(item: z.infer<typeof message>, index: number): ChatPromptMessage {
  const role = item.role === "developer" ? "system" : item.role;
  const images = Array.isArray(item.content)
    ? item.content.flatMap((part, at) =>
        part.type === "image_url"
          ? [
              imageFromUrl(
                part.image_url.url,
                `The image at \`messages.${index}.content.${at}.image_url.url\``,
              ),
            ]
          : [],
      )
    : [];
  onlyUserImages(role, images, index);
  return { role, content: textOf(item.content), ...(images.length > 0 && { images }) };
}

function toResponseFormat(format: z.infer<typeof responseFormatSchema>): ResponseFormat | undefined {
  if (format.type === "text") return undefined;
  if (format.type === "json_object") return { type: "json_object" };
  const { name, description, schema, strict } = format.json_schema;
  return {
    type: "json_schema",
    name,
    ...(description != null && { description }),
    ...(schema != null && { schema }),
    ...(strict != null && { strict }),
  };
}
