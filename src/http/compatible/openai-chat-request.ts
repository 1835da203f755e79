/** Validates an OpenAI Chat Completions request body into Parley's terms. */
import { z } from "zod";
import { BadRequestError } from "../../core/app-error.js";
import type { ToolChoice } from "../../core/tool-call.js";
import { imageFromUrl } from "../../files/inline-image.js";
import {
  type ChatPromptMessage,
  REASONING_EFFORTS,
  type ResponseFormat,
} from "../../providers/chat-model.js";
import type { RunCallOptions } from "../../runs/run-service.js";
import { parseInput } from "../parse-body.js";
import {
  type CompatibleRequest,
  checkToolResults,
  checkTools,
  onlyUserImages,
  textOf,
} from "./compatible-request.js";
import { functionDefinitionFields, toToolDefinition } from "./openai-function-definition.js";
import { jsonSchemaFormatFields, toJsonSchemaFormat } from "./openai-json-schema-format.js";

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

const toolCall = z.object({
  id: z.string().min(1),
  type: z.literal("function", 'only "function" tool calls are supported'),
  function: z.object({ name: z.string().min(1), arguments: z.string() }),
});

const message = z.object({
  role: z.enum(["system", "developer", "user", "assistant", "tool"]),
  content: z.union([z.string(), z.array(contentPart)]).nullish(),
  /** An assistant message's calls, as the model made them. */
  tool_calls: z.array(toolCall).nullish(),
  /** A tool message: the call it answers. */
  tool_call_id: z.string().min(1).nullish(),
});

const functionTool = z.object(
  {
    type: z.literal("function", 'only "function" tools are supported'),
    function: z.object(functionDefinitionFields),
  },
  'must be {"type": "function", "function": {"name", "parameters"}}',
);

const toolChoice = z.union(
  [
    z.enum(["none", "auto", "required"]),
    z.object({ type: z.literal("function"), function: z.object({ name: z.string().min(1) }) }),
  ],
  'must be "none", "auto", "required" or {"type": "function", "function": {"name"}}',
);

/**
 * Fields that ask for a different kind of answer than Parley gives (log probabilities, audio, web search, a
 * verbosity, token biases, the deprecated `functions`) are refused by name rather than dropped: a client that sent them would otherwise take a plain text
 * reply for what it asked. Their harmless values (none, false) pass, as clients send those by default.
 */
const LEGACY_FUNCTIONS =
  'Parley takes tools as `tools` and `tool_choice`; the deprecated "functions" are not supported';
const refused = {
  functions: z.array(z.unknown()).max(0, LEGACY_FUNCTIONS).nullish(),
  function_call: z.enum(["none", "auto"], LEGACY_FUNCTIONS).nullish(),
  logprobs: z.literal(false, "Parley does not return log probabilities").nullish(),
  top_logprobs: z.literal(0, "Parley does not return log probabilities").nullish(),
  modalities: z.array(z.literal("text", "Parley answers with text only")).nullish(),
  audio: z.null("Parley answers with text only").optional(),
  web_search_options: z.null("Parley's models do not search the web").optional(),
  verbosity: z
    .literal("medium", 'Parley cannot set a reply\'s verbosity; send "medium" or leave it out')
    .nullish(),
  // Token ids are a model's own: Parley's models have different vocabularies, so a bias could not mean the same.
  logit_bias: z
    .record(z.string(), z.number())
    .refine((bias) => Object.keys(bias).length === 0, "Parley cannot bias tokens by their ids; leave it out")
    .nullish(),
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
        jsonSchemaFormatFields,
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
  tools: z.array(functionTool).max(128, "may offer at most 128 tools").nullish(),
  tool_choice: toolChoice.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  model: z.string().min(1),
  messages: z.array(message).min(1, "must hold at least one message"),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  /** Not OpenAI's, but what llama.cpp's and vLLM's servers add: it reaches Anthropic models and Parley's engine. */
  top_k: z.number().int().positive().nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  seed: z.number().int().nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  reasoning_effort: z.enum(REASONING_EFFORTS).nullish(),
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
  const messages = request.messages.map(toPromptMessage);
  checkToolResults(messages, (index) => `\`messages.${index}.tool_call_id\``);
  const tools = request.tools?.map((tool) => toToolDefinition(tool.function));
  const call: RunCallOptions = {
    ...(maxOutputTokens != null && { maxOutputTokens }),
    ...(request.temperature != null && { temperature: request.temperature }),
    ...(request.top_p != null && { topP: request.top_p }),
    ...(request.top_k != null && { topK: request.top_k }),
    ...(stop?.length && { stopSequences: stop }),
    ...(request.seed != null && { seed: request.seed }),
    // 0, what clients send by default, is no penalty: nothing is sent.
    ...(request.presence_penalty && { presencePenalty: request.presence_penalty }),
    ...(request.frequency_penalty && { frequencyPenalty: request.frequency_penalty }),
    ...(request.reasoning_effort != null && { reasoningEffort: request.reasoning_effort }),
    ...(responseFormat && { responseFormat }),
    ...(tools?.length && { tools }),
    ...(request.tool_choice != null && { toolChoice: toToolChoice(request.tool_choice) }),
    ...(request.parallel_tool_calls != null && { parallelToolCalls: request.parallel_tool_calls }),
  };
  checkTools(call, "tool_choice");
  return {
    model: request.model,
    messages,
    call,
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
  if (item.tool_calls?.length && role !== "assistant") {
    throw new BadRequestError(`\`messages.${index}.tool_calls\`: only assistant messages call tools.`, {
      code: "invalid_request",
    });
  }
  if (role === "tool" && item.tool_call_id == null) {
    throw new BadRequestError(
      `\`messages.${index}.tool_call_id\`: a tool message must say which call it answers.`,
      {
        code: "invalid_request",
      },
    );
  }
  return {
    role,
    content: textOf(item.content),
    ...(images.length > 0 && { images }),
    ...(item.tool_calls?.length && {
      toolCalls: item.tool_calls.map((call) => ({
        id: call.id,
        name: call.function.name,
        arguments: call.function.arguments,
      })),
    }),
    ...(role === "tool" && item.tool_call_id != null && { toolCallId: item.tool_call_id }),
  };
}

function toToolChoice(choice: z.infer<typeof toolChoice>): ToolChoice {
  return typeof choice === "string" ? choice : { name: choice.function.name };
}

function toResponseFormat(format: z.infer<typeof responseFormatSchema>): ResponseFormat | undefined {
  if (format.type === "text") return undefined;
  if (format.type === "json_object") return { type: "json_object" };
  return toJsonSchemaFormat(format.json_schema);
}
