/** Validates an Anthropic Messages request body into Parley's terms. */
import { z } from "zod";
import { BadRequestError } from "../../core/app-error.js";
import { type CacheBreak, type CacheTtl, MAX_CACHE_BREAKS } from "../../core/cache-break.js";
import type { ThinkingBlock } from "../../core/thinking.js";
import { TOOL_NAME, type ToolDefinition } from "../../core/tool-call.js";
import { imageFromBase64, imageFromUrl } from "../../files/inline-image.js";
import type { ChatPrompt, ChatPromptMessage } from "../../providers/chat-model.js";
import type { RunCallOptions } from "../../runs/run-service.js";
import { parseInput } from "../parse-body.js";
import {
  type CompatibleRequest,
  checkToolResults,
  checkTools,
  onlyUserImages,
  textOf,
} from "./compatible-request.js";

/** A breakpoint of Anthropic's prompt cache: the prompt up to this block is kept (see cache-break.ts). */
const cacheControl = z.object(
  {
    type: z.literal("ephemeral"),
    ttl: z.enum(["5m", "1h"]).optional(),
  },
  'must be {"type": "ephemeral"}, with an optional "ttl" of "5m" or "1h"',
);

const textBlock = z.object({
  type: z.literal("text", "only text content blocks are supported"),
  text: z.string(),
  cache_control: cacheControl.optional(),
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
  cache_control: cacheControl.optional(),
});

/** A call the model made (assistant messages): `input` is the arguments, an object. */
const toolUseBlock = z.object({
  type: z.literal("tool_use"),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown(), "must be an object: the tool's arguments"),
  cache_control: cacheControl.optional(),
});

/** A tool's result, sent back in a user message: text, or text blocks. */
const toolResultBlock = z.object({
  type: z.literal("tool_result"),
  tool_use_id: z.string().min(1),
  content: z
    .union(
      [z.string(), z.array(textBlock)],
      "must be text, or text blocks (images in tool results are not supported)",
    )
    .optional(),
  is_error: z.boolean().optional(),
  cache_control: cacheControl.optional(),
});

/** The model's reasoning in an assistant message, sent back as the API gave it (signed, or redacted). */
const thinkingBlock = z.object({
  type: z.literal("thinking"),
  thinking: z.string(),
  signature: z.string().min(1, "must be the signature the API gave the block"),
});
const redactedThinkingBlock = z.object({ type: z.literal("redacted_thinking"), data: z.string().min(1) });

/** The blocks that make a message's own content (text and images), as opposed to tool calls and results. */
type MessageBlock = z.infer<typeof textBlock> | z.infer<typeof imageBlock>;

const contentBlock = z.discriminatedUnion(
  "type",
  [textBlock, imageBlock, toolUseBlock, toolResultBlock, thinkingBlock, redactedThinkingBlock],
  {
    error:
      'only "text", "image", "tool_use", "tool_result", "thinking" and "redacted_thinking" content blocks are supported',
  },
);

/** A tool the client defines and runs (Anthropic's server tools, run by its API, are not Parley's to offer). */
const customTool = z.object(
  {
    type: z
      .literal(
        "custom",
        "only custom tools are supported: Parley runs no server tool (web_search, code_execution...)",
      )
      .optional(),
    name: z.string().regex(TOOL_NAME, "must be 1-64 letters, digits, underscores or dashes"),
    description: z.string().optional(),
    input_schema: z.looseObject({ type: z.literal("object", 'must be a JSON Schema of "type": "object"') }),
    cache_control: cacheControl.optional(),
  },
  'only custom tools, {"name", "input_schema"}, are supported',
);

/** Anthropic's structured outputs: the reply is JSON that follows the schema. */
const jsonOutputFormat = z.object(
  {
    type: z.literal("json_schema"),
    schema: z.looseObject({ type: z.literal("object", 'must be a JSON Schema of "type": "object"') }),
  },
  'must be {"type": "json_schema", "schema"}',
);

/** How much a model should think, from Anthropic's names to the reasoning efforts Parley passes on. */
const EFFORTS = { low: "low", medium: "medium", high: "high", xhigh: "high", max: "high" } as const;

const toolChoice = z.discriminatedUnion(
  "type",
  [
    z.object({ type: z.enum(["auto", "any", "none"]), disable_parallel_tool_use: z.boolean().optional() }),
    z.object({
      type: z.literal("tool"),
      name: z.string().min(1),
      disable_parallel_tool_use: z.boolean().optional(),
    }),
  ],
  { error: 'must be {"type": "auto"}, {"type": "any"}, {"type": "none"} or {"type": "tool", "name"}' },
);

const body = z.object({
  tools: z.array(customTool).max(128, "may offer at most 128 tools").optional(),
  tool_choice: toolChoice.optional(),
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
  /** Extended thinking: passed on to Anthropic's models, which give their thinking blocks before the answer. */
  thinking: z
    .discriminatedUnion(
      "type",
      [
        z.object({ type: z.literal("disabled") }),
        z.object({
          type: z.literal("enabled"),
          budget_tokens: z.number().int().min(1024, "must be at least 1024"),
        }),
        z.object({ type: z.literal("adaptive"), display: z.enum(["summarized", "omitted"]).nullish() }),
      ],
      { error: 'must be {"type": "enabled", "budget_tokens"}, {"type": "adaptive"} or {"type": "disabled"}' },
    )
    .optional(),
  output_config: z
    .object({
      format: jsonOutputFormat.nullish(),
      effort: z.enum(Object.keys(EFFORTS) as [keyof typeof EFFORTS]).nullish(),
    })
    .nullish(),
  /** The beta's name for `output_config.format`, which clients of that beta still send. */
  output_format: jsonOutputFormat.nullish(),
  // What needs Anthropic's own servers (MCP connections, code execution containers) is refused by name.
  mcp_servers: z
    .array(z.unknown())
    .max(0, "Parley connects to no MCP server: run the tools in your client and offer them as `tools`")
    .nullish(),
  container: z.null("Parley runs no code execution container").optional(),
  stream: z.boolean().optional(),
  store: z.boolean().optional(),
});

/** What POST /v1/messages/count_tokens takes: a message request's prompt, without what only a reply needs. */
const countTokensBody = body.pick({
  model: true,
  messages: true,
  system: true,
  tools: true,
  tool_choice: true,
});

export function parseAnthropicMessagesRequest(input: unknown): CompatibleRequest {
  const request = parseInput(body, input);
  const call: RunCallOptions = {
    maxOutputTokens: request.max_tokens,
    ...(request.temperature !== undefined && { temperature: request.temperature }),
    ...(request.top_p !== undefined && { topP: request.top_p }),
    ...(request.top_k !== undefined && { topK: request.top_k }),
    ...(request.stop_sequences?.length && { stopSequences: request.stop_sequences }),
    ...outputOptions(request),
    ...thinkingOptions(request),
    ...toolOptions(request),
  };
  checkTools(call, "tool_choice");
  const messages = promptOf(request);
  checkCacheBreakCount(messages, call.tools);
  return {
    model: request.model,
    messages,
    call,
    stream: request.stream === true,
    store: request.store !== false,
  };
}

export function parseAnthropicCountTokensRequest(
  input: unknown,
): { model: string; messages: ChatPrompt } & Pick<RunCallOptions, "tools"> {
  const request = parseInput(countTokensBody, input);
  const { tools } = toolOptions(request);
  const messages = promptOf(request);
  checkCacheBreakCount(messages, tools);
  return { model: request.model, messages, ...(tools && { tools }) };
}

/**
 * A reply held to a JSON Schema, as every Parley model that can holds it (Anthropic's models by a forced tool call, the
 * local engine by a grammar), and the effort asked for, as a reasoning effort (xhigh and max as high, the most there is).
 */
function outputOptions(
  request: Pick<z.infer<typeof body>, "output_config" | "output_format">,
): Pick<RunCallOptions, "responseFormat" | "reasoningEffort"> {
  const format = request.output_config?.format ?? request.output_format;
  const effort = request.output_config?.effort;
  return {
    ...(format && {
      responseFormat: { type: "json_schema", name: "output", schema: format.schema, strict: true },
    }),
    ...(effort && { reasoningEffort: EFFORTS[effort] }),
  };
}

function thinkingOptions(request: Pick<z.infer<typeof body>, "thinking">): Pick<RunCallOptions, "thinking"> {
  const thinking = request.thinking;
  if (!thinking || thinking.type === "disabled") return {};
  if (thinking.type === "enabled") {
    return { thinking: { type: "enabled", budget_tokens: thinking.budget_tokens } };
  }
  return { thinking: { type: "adaptive", ...(thinking.display != null && { display: thinking.display }) } };
}

function toolOptions(
  request: Pick<z.infer<typeof body>, "tools" | "tool_choice">,
): Pick<RunCallOptions, "tools" | "toolChoice" | "parallelToolCalls"> {
  const tools = request.tools?.map(
    (tool): ToolDefinition => ({
      name: tool.name,
      ...(tool.description !== undefined && { description: tool.description }),
      parameters: tool.input_schema,
      ...(tool.cache_control && { cacheTtl: ttlOf(tool.cache_control) }),
    }),
  );
  const choice = request.tool_choice;
  return {
    ...(tools?.length && { tools }),
    ...(choice && {
      toolChoice:
        choice.type === "tool" ? { name: choice.name } : choice.type === "any" ? "required" : choice.type,
    }),
    ...(choice?.disable_parallel_tool_use !== undefined && {
      parallelToolCalls: !choice.disable_parallel_tool_use,
    }),
  };
}

function promptOf(request: Pick<z.infer<typeof body>, "system" | "messages">): ChatPromptMessage[] {
  const system = textOf(request.system);
  const systemBreaks = typeof request.system === "string" ? [] : blockBreaks(request.system ?? []);
  const prompt = [
    ...(system
      ? [
          {
            role: "system" as const,
            content: system,
            ...(systemBreaks.length > 0 && { cacheBreaks: systemBreaks }),
          },
        ]
      : []),
    ...request.messages.flatMap(toPromptMessages),
  ];
  checkToolResults(prompt, () => "A `tool_result` block");
  return prompt;
}

/** Anthropic's own limit, checked here so that the client hears it before anything is sent anywhere. */
function checkCacheBreakCount(messages: ChatPrompt, tools: readonly ToolDefinition[] | undefined): void {
  const count =
    messages.reduce((sum, message) => sum + (message.cacheBreaks?.length ?? 0), 0) +
    (tools ?? []).filter((tool) => tool.cacheTtl !== undefined).length;
  if (count > MAX_CACHE_BREAKS) {
    throw new BadRequestError(
      `\`cache_control\`: at most ${MAX_CACHE_BREAKS} blocks may mark a cache breakpoint; this request marks ${count}.`,
      { code: "invalid_request" },
    );
  }
}

function ttlOf(control: z.infer<typeof cacheControl>): CacheTtl {
  return control.ttl ?? "5m";
}

/**
 * The breakpoints marked on a message's own blocks: a marked text block's end as an offset into the message's text
 * (its text blocks joined as textOf() joins them), a marked image as 0 (the images go first), a marked call last.
 */
function blockBreaks(blocks: readonly z.infer<typeof contentBlock>[]): CacheBreak[] {
  const breaks: CacheBreak[] = [];
  let offset = 0;
  for (const block of blocks) {
    if (block.type === "text") offset += block.text.length;
    // Thinking blocks take no mark of their own: they are cached with the turn around them.
    if (block.type === "tool_result" || block.type === "thinking" || block.type === "redacted_thinking")
      continue;
    if (!block.cache_control) continue;
    const ttl = ttlOf(block.cache_control);
    if (block.type === "text") breaks.push({ at: offset, ttl });
    else if (block.type === "image") breaks.push({ at: 0, ttl });
    else breaks.push({ at: "end", ttl });
  }
  return breaks;
}

/** A tool result marked, or any of its text blocks: the prefix ends after the result. */
function resultBreaks(block: z.infer<typeof toolResultBlock>): CacheBreak[] {
  const marked = [
    block.cache_control,
    ...(typeof block.content === "string" ? [] : (block.content ?? []).map((part) => part.cache_control)),
  ].filter((control) => control !== undefined);
  return marked.map((control) => ({ at: "end", ttl: ttlOf(control) }));
}

/**
 * A user message's `tool_result` blocks become tool messages, ahead of its other content (Anthropic puts a turn's
 * results first); an assistant message's `tool_use` blocks become its tool calls, after its text.
 */
function toPromptMessages(
  item: z.infer<typeof body>["messages"][number],
  index: number,
): ChatPromptMessage[] {
  const blocks = typeof item.content === "string" ? [] : item.content;
  const misplaced = blocks.findIndex(
    (block) =>
      ((block.type === "tool_use" || block.type === "thinking" || block.type === "redacted_thinking") &&
        item.role !== "assistant") ||
      (block.type === "tool_result" && item.role !== "user"),
  );
  if (misplaced >= 0) {
    const block = blocks[misplaced]?.type;
    throw new BadRequestError(
      `\`messages.${index}.content.${misplaced}\`: ${
        block === "tool_use"
          ? "only assistant messages call tools (tool_use)"
          : block === "tool_result"
            ? "tool results (tool_result) go in user messages"
            : "only assistant messages think (thinking)"
      }.`,
      { code: "invalid_request" },
    );
  }
  const results = blocks.flatMap((block): ChatPromptMessage[] => {
    if (block.type !== "tool_result") return [];
    const breaks = resultBreaks(block);
    return [
      {
        role: "tool",
        toolCallId: block.tool_use_id,
        content: textOf(block.content),
        ...(block.is_error && { isError: true }),
        ...(breaks.length > 0 && { cacheBreaks: breaks }),
      },
    ];
  });
  const calls = blocks.flatMap((block) =>
    block.type === "tool_use"
      ? [{ id: block.id, name: block.name, arguments: JSON.stringify(block.input) }]
      : [],
  );
  const thinking = blocks.flatMap((block): ThinkingBlock[] =>
    block.type === "thinking"
      ? [{ type: "thinking", thinking: block.thinking, signature: block.signature }]
      : block.type === "redacted_thinking"
        ? [{ type: "redacted_thinking", data: block.data }]
        : [],
  );
  const rest = {
    role: item.role,
    content:
      typeof item.content === "string"
        ? item.content
        : blocks.filter((block): block is MessageBlock => block.type === "text" || block.type === "image"),
  };
  if (results.length > 0 && rest.content.length === 0) return results;
  const breaks = blockBreaks(blocks);
  const message = {
    ...toPromptMessage(rest, index),
    ...(calls.length > 0 && { toolCalls: calls }),
    ...(thinking.length > 0 && { thinking }),
    ...(breaks.length > 0 && { cacheBreaks: breaks }),
  };
  return [...results, message];
}

/** Text blocks are joined; `image` blocks (base64) become the message's images, in order. */
function toPromptMessage(
  item: { role: "user" | "assistant"; content: string | MessageBlock[] },
  index: number,
): ChatPromptMessage {
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
