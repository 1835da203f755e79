/**
 * Validates an OpenAI Responses API request body into Parley's terms. The client sends the conversation in `input`
 * (as `store: false` clients such as Codex do), or the turns after a stored response it names in
 * `previous_response_id`: Parley keeps each stored exchange as a conversation, and a response is the reply of one.
 */
import { z } from "zod";
import { BadRequestError } from "../../core/app-error.js";
import type { ToolChoice } from "../../core/tool-call.js";
import { imageFromUrl } from "../../files/inline-image.js";
import {
  type ChatImage,
  type ChatPrompt,
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
} from "./compatible-request.js";
import { functionDefinitionFields, toToolDefinition } from "./openai-function-definition.js";
import { jsonSchemaFormatFields, toJsonSchemaFormat } from "./openai-json-schema-format.js";

const NO_STATE =
  "Parley keeps no conversation objects or items apart from its responses: send the conversation in `input`, or name the response it follows in `previous_response_id`";

const textPart = z.object({ type: z.enum(["input_text", "output_text"]), text: z.string() });
/** An assistant's refusal, sent back as the turn it was: its text is what the model said. */
const refusalPart = z.object({ type: z.literal("refusal"), refusal: z.string() });
const imagePart = z.object({
  type: z.literal("input_image"),
  image_url: z.string().min(1, "must be a data URL").nullish(),
  file_id: z
    .null("Parley keeps no files for this API: send the image as a data URL in `image_url`")
    .optional(),
  // `detail` is accepted and not passed on: Parley sends every image whole.
  detail: z.enum(["auto", "low", "high"]).nullish(),
});
const contentPart = z.discriminatedUnion("type", [textPart, refusalPart, imagePart], {
  error: 'only "input_text", "output_text", "refusal" and "input_image" content parts are supported',
});

const messageItem = z.object({
  type: z.literal("message"),
  role: z.enum(["user", "assistant", "system", "developer"]),
  // A string is one text part; read as that part, a list's errors keep their paths (`input.0.content.1.type`).
  content: z.preprocess(
    (content) => (typeof content === "string" ? [{ type: "input_text", text: content }] : content),
    z.array(contentPart, "must be a string or a list of content parts"),
  ),
});

const functionCallItem = z.object({
  type: z.literal("function_call"),
  call_id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string(),
});

const functionCallOutputItem = z.object({
  type: z.literal("function_call_output"),
  call_id: z.string().min(1),
  output: z.union([
    z.string(),
    z.array(
      z.object({
        type: z.literal("input_text", "a tool's result may hold text only"),
        text: z.string(),
      }),
    ),
  ]),
});

/**
 * An item of `input`. A message may leave out its `type` (OpenAI's "easy" input message); items that point at
 * state kept on the server (`item_reference`) or that Parley never gives (`reasoning`, built-in tools' calls) are
 * refused by name.
 */
const inputItem = z.preprocess(
  (item) =>
    item !== null && typeof item === "object" && !("type" in item) && "role" in item
      ? { ...item, type: "message" }
      : item,
  z.discriminatedUnion("type", [messageItem, functionCallItem, functionCallOutputItem], {
    error: `only "message", "function_call" and "function_call_output" items are supported (${NO_STATE}; it gives no reasoning items and runs no built-in tool)`,
  }),
);

const functionTool = z.object({
  type: z.literal(
    "function",
    'only "function" tools are supported: Parley runs no built-in tool (web_search, file_search, code_interpreter...)',
  ),
  ...functionDefinitionFields,
});

const toolChoice = z.union(
  [z.enum(["none", "auto", "required"]), z.object({ type: z.literal("function"), name: z.string().min(1) })],
  'must be "none", "auto", "required" or {"type": "function", "name"}',
);

/** `text.format`: plain text (the default), any JSON object, or JSON held to a schema. */
const textFormat = z.discriminatedUnion(
  "type",
  [
    z.object({ type: z.literal("text") }),
    z.object({ type: z.literal("json_object") }),
    z.object({ type: z.literal("json_schema"), ...jsonSchemaFormatFields }),
  ],
  {
    error:
      'must be {"type": "text"}, {"type": "json_object"} or {"type": "json_schema", "name", "schema", "strict"}',
  },
);

/**
 * Fields that ask for what Parley does not give (state kept on the server, more in the response, prompt templates)
 * are refused by name rather than dropped: a client that sent them would take the answer for what it asked. Their
 * harmless values (none, false) pass, as clients send those by default.
 */
const refused = {
  conversation: z.null(NO_STATE).optional(),
  prompt: z.null("Parley keeps no prompt templates: send the instructions and input themselves").optional(),
  /**
   * Encrypted reasoning is included in the reasoning items of a response, and Parley's responses have none: asking
   * for it (as Codex does with `store: false`) asks for nothing Parley lacks.
   */
  include: z
    .array(
      z.literal(
        "reasoning.encrypted_content",
        "Parley's responses include no more than their output (only reasoning.encrypted_content is accepted, and there is none)",
      ),
    )
    .nullish(),
  top_logprobs: z.literal(0, "Parley does not return log probabilities").nullish(),
  max_tool_calls: z.null("Parley cannot limit the number of tool calls; leave it out").optional(),
  service_tier: z.enum(["auto", "default"], "Parley has one service tier: auto or default").nullish(),
};

const body = z.object({
  ...refused,
  model: z.string().min(1),
  previous_response_id: z.string().min(1).nullish(),
  // A string is one user message; read as that item, a list's errors keep their paths (`input.2.role`).
  input: z.preprocess(
    (input) => (typeof input === "string" ? [{ type: "message", role: "user", content: input }] : input),
    z.array(inputItem, "must be a string or a list of items").min(1, "must hold at least one item"),
  ),
  instructions: z.string().nullish(),
  tools: z.array(functionTool).max(128, "may offer at most 128 tools").nullish(),
  tool_choice: toolChoice.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  max_output_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  stream: z.boolean().nullish(),
  store: z.boolean().nullish(),
  /** The reply goes on when the client leaves, to be read back, resumed or cancelled: Parley's runs always can. */
  background: z.boolean().nullish(),
  metadata: z.record(z.string(), z.string(), "must map keys to strings").nullish(),
  user: z.string().nullish(),
  reasoning: z
    .object({
      effort: z.enum(REASONING_EFFORTS).nullish(),
      // Summaries are of reasoning items, which Parley's responses have none of: "auto" leaves it to the model.
      summary: z
        .literal("auto", 'Parley gives no reasoning summaries; send "auto" or leave it out')
        .nullish(),
    })
    .nullish(),
  text: z
    .object({
      format: textFormat.nullish(),
      verbosity: z
        .literal("medium", 'Parley cannot set a reply\'s verbosity; send "medium" or leave it out')
        .nullish(),
    })
    .nullish(),
  /** Parley fits a long conversation to the model's window by leaving out its oldest messages, as "auto" does. */
  truncation: z.enum(["auto", "disabled"]).nullish(),
});

type ResponsesBody = z.infer<typeof body>;

/** What the Response object repeats of the request, as OpenAI's does (SDKs and tools read these back). */
export type ResponseEcho = {
  background: boolean;
  previous_response_id: string | null;
  instructions: string | null;
  tools: {
    type: "function";
    name: string;
    description: string | null;
    parameters: unknown;
    strict: boolean | null;
  }[];
  tool_choice: NonNullable<ResponsesBody["tool_choice"]>;
  parallel_tool_calls: boolean;
  temperature: number | null;
  top_p: number | null;
  max_output_tokens: number | null;
  store: boolean;
  metadata: Record<string, string>;
  text: { format: NonNullable<NonNullable<ResponsesBody["text"]>["format"]>; verbosity?: "medium" };
  reasoning: { effort: string | null; summary: string | null };
  truncation: "auto" | "disabled";
  user?: string;
};

export type OpenAIResponsesRequest = CompatibleRequest & {
  echo: ResponseEcho;
  /** The run goes on when the client leaves (see `background` above). */
  background: boolean;
  /** The stored response the request follows: its conversation up to that reply comes before `messages`. */
  previousResponseId?: string;
  /**
   * Checks that each function_call_output answers a call made before it: in `input`, or in `earlier`, the turns the
   * previous response ended (they come first).
   */
  checkToolResults(earlier?: ChatPrompt): void;
};

export function parseOpenAIResponsesRequest(input: unknown): OpenAIResponsesRequest {
  const request = parseInput(body, input);
  const { messages, itemOf } = toPrompt(request);
  const previousResponseId = request.previous_response_id ?? undefined;
  const checkResults = (earlier: ChatPrompt = []) =>
    checkToolResults([...earlier, ...messages], (index) =>
      index < earlier.length
        ? "The previous response's conversation"
        : `\`input.${itemOf[index - earlier.length]}.call_id\``,
    );
  // The results of the previous response's calls can be checked only once it is read.
  if (previousResponseId === undefined) checkResults();
  const tools = request.tools?.map(toToolDefinition);
  const responseFormat = request.text?.format && toResponseFormat(request.text.format);
  const call: RunCallOptions = {
    ...(request.max_output_tokens != null && { maxOutputTokens: request.max_output_tokens }),
    ...(request.temperature != null && { temperature: request.temperature }),
    ...(request.top_p != null && { topP: request.top_p }),
    ...(request.reasoning?.effort != null && { reasoningEffort: request.reasoning.effort }),
    ...(responseFormat && { responseFormat }),
    ...(tools?.length && { tools }),
    ...(request.tool_choice != null && { toolChoice: toToolChoice(request.tool_choice) }),
    ...(request.parallel_tool_calls != null && { parallelToolCalls: request.parallel_tool_calls }),
  };
  checkTools(call, "tool_choice");
  const store = request.store !== false;
  const background = request.background === true;
  if (background && !store) {
    throw new BadRequestError(
      "`background`: a background response is read back later, so it must be stored; leave out `store: false`.",
    );
  }
  return {
    model: request.model,
    messages,
    call,
    stream: request.stream === true,
    // Parley keeps the exchange as a conversation unless the caller opts out.
    store,
    background,
    ...(previousResponseId !== undefined && { previousResponseId }),
    checkToolResults: checkResults,
    echo: {
      background,
      previous_response_id: previousResponseId ?? null,
      instructions: request.instructions ?? null,
      tools: (request.tools ?? []).map((tool) => ({
        type: "function",
        name: tool.name,
        description: tool.description ?? null,
        parameters: tool.parameters ?? null,
        strict: tool.strict ?? null,
      })),
      tool_choice: request.tool_choice ?? "auto",
      parallel_tool_calls: request.parallel_tool_calls ?? true,
      temperature: request.temperature ?? null,
      top_p: request.top_p ?? null,
      max_output_tokens: request.max_output_tokens ?? null,
      store,
      metadata: request.metadata ?? {},
      text: {
        format: request.text?.format ?? { type: "text" },
        ...(request.text?.verbosity != null && { verbosity: request.text.verbosity }),
      },
      reasoning: { effort: request.reasoning?.effort ?? null, summary: request.reasoning?.summary ?? null },
      truncation: request.truncation ?? "disabled",
      ...(request.user != null && { user: request.user }),
    },
  };
}

/**
 * The prompt's messages, and for each the index of the `input` item it came from (for errors). `instructions`
 * come first, as a system message. A function call joins the assistant turn before it (its text, or the calls
 * before it), so that a turn's text and calls are one assistant message, as in Chat Completions; each result is a
 * message of its own.
 */
function toPrompt(request: ResponsesBody): { messages: ChatPromptMessage[]; itemOf: number[] } {
  const messages: ChatPromptMessage[] = [];
  const itemOf: number[] = [];
  const add = (message: ChatPromptMessage, item: number) => {
    messages.push(message);
    itemOf.push(item);
  };
  if (request.instructions) add({ role: "system", content: request.instructions }, -1);
  for (const [index, item] of request.input.entries()) {
    if (item.type === "message") add(toPromptMessage(item, index), index);
    else if (item.type === "function_call_output") {
      const content =
        typeof item.output === "string" ? item.output : item.output.map((part) => part.text).join("");
      add({ role: "tool", content, toolCallId: item.call_id }, index);
    } else {
      const call = { id: item.call_id, name: item.name, arguments: item.arguments };
      const last = messages.at(-1);
      if (last?.role === "assistant") {
        messages[messages.length - 1] = { ...last, toolCalls: [...(last.toolCalls ?? []), call] };
      } else add({ role: "assistant", content: "", toolCalls: [call] }, index);
    }
  }
  return { messages, itemOf };
}

/** Text parts are joined; `input_image` parts (data URLs) become the message's images, in order. */
function toPromptMessage(item: z.infer<typeof messageItem>, index: number): ChatPromptMessage {
  const role = item.role === "developer" ? "system" : item.role;
  const images: ChatImage[] = [];
  let content = "";
  item.content.forEach((part, at) => {
    if (part.type === "input_image") {
      const where = `\`input.${index}.content.${at}.image_url\``;
      images.push(imageFromUrl(part.image_url ?? "", `The image at ${where}`));
    } else content += part.type === "refusal" ? part.refusal : part.text;
  });
  onlyUserImages(role, images, index, "input");
  return { role, content, ...(images.length > 0 && { images }) };
}

function toToolChoice(choice: NonNullable<ResponsesBody["tool_choice"]>): ToolChoice {
  return typeof choice === "string" ? choice : { name: choice.name };
}

function toResponseFormat(
  format: NonNullable<NonNullable<ResponsesBody["text"]>["format"]>,
): ResponseFormat | undefined {
  if (format.type === "text") return undefined;
  if (format.type === "json_object") return { type: "json_object" };
  return toJsonSchemaFormat(format);
}
