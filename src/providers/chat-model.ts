/** The one interface every model provider implements: a chat request in, a stream of tagged parts out. */
import type { CacheBreak } from "../core/cache-break.js";
import type { FinishReason } from "../core/run-event.js";
import type { ThinkingBlock, ThinkingConfig } from "../core/thinking.js";
import type { ToolCall, ToolChoice, ToolDefinition } from "../core/tool-call.js";

export type ChatPrompt = readonly ChatPromptMessage[];

export type ChatPromptMessage = {
  role: "system" | "user" | "assistant" | "tool";
  /** The text; for a `tool` message, the tool's result. */
  content: string;
  /** The tools an assistant message called (after its text, if any). */
  toolCalls?: readonly ToolCall[];
  /** For a `tool` message: the id of the call it answers. */
  toolCallId?: string;
  /** For a `tool` message: the tool failed, and `content` says how (Anthropic's `is_error`). */
  isError?: boolean;
  /**
   * Images the message shows the model, before its text (user messages only). Only models whose catalog
   * modalities include `image` are sent any; routing sees to that.
   */
  images?: readonly ChatImage[];
  /**
   * Breakpoints the client marked in this message for the provider's prompt cache. When any message (or tool) of a
   * prompt has one, they are the prompt's only breakpoints: the client chose where its prefixes end.
   */
  cacheBreaks?: readonly CacheBreak[];
  /** An assistant turn's thinking blocks, before its text and calls, as its model gave them (Anthropic's only). */
  thinking?: readonly ThinkingBlock[];
};

/** An image inline in a prompt, as both wire formats take it: the bytes in base64. */
export type ChatImage = {
  mediaType: string;
  /** The image's bytes, base64-encoded. */
  data: string;
  /** Pixels, when known: the token cost of an image depends on them. */
  width?: number;
  height?: number;
};

export type ChatCallOptions = {
  prompt: ChatPrompt;
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  /**
   * Samples from the K likeliest tokens only: Anthropic's `top_k`, and llama.cpp's. OpenAI's format has none, so an
   * OpenAI-compatible server is sent it only when it says it reads it (Parley's engine does).
   */
  topK?: number;
  stopSequences?: readonly string[];
  seed?: number;
  /**
   * OpenAI's penalties (-2 to 2) on tokens the reply already used: flat once used, or per use. Sent to
   * OpenAI-compatible servers (Parley's engine among them); Anthropic's API has none, so it is not sent them.
   */
  presencePenalty?: number;
  frequencyPenalty?: number;
  /**
   * How hard a reasoning model thinks before it answers: OpenAI's `reasoning_effort`, sent to OpenAI-compatible
   * servers as the client gave it (a model without the setting may refuse it there; Parley's engine ignores it).
   * Anthropic's API has no such field and is not sent it.
   */
  reasoningEffort?: ReasoningEffort;
  /** Extended thinking, as Anthropic's API takes it; only models whose catalog entry says `thinking` are sent it. */
  thinking?: ThinkingConfig;
  /**
   * False when the prompt's beginning will not recur: it holds text chosen for this call alone (a bot's knowledge
   * passages for this question, one section of an article). A provider's prompt cache would then only add the cost
   * of writing it, so it is not asked to keep it. Absent: as the provider is configured (`promptCaching`).
   */
  cachePrompt?: boolean;
  /** A reply constrained to JSON; only models whose catalog entry says `structuredOutputs` are sent one. */
  responseFormat?: ResponseFormat;
  /** Tools the model may call; only models whose catalog entry says `toolCalls` are sent any. */
  tools?: readonly ToolDefinition[];
  /** Whether it must call one (absent: the provider's default, `auto`). Sent only with `tools`. */
  toolChoice?: ToolChoice;
  /** False: at most one call per reply. Absent: the provider's default (several allowed). */
  parallelToolCalls?: boolean;
  /** Aborting ends the upstream request; the stream then ends with a `finish` of reason `stopped`. */
  signal?: AbortSignal;
  /**
   * Called when the upstream has taken the request (a success response began), before any part: the moment to do
   * work that must not delay the request itself, such as writing the exchange down, and to tell the client its reply
   * is coming. An error response does not call it. It may be called again for each retry or fallback; the first
   * call is the one that matters.
   */
  onResponseStart?: () => void;
};

export const REASONING_EFFORTS = ["none", "minimal", "low", "medium", "high"] as const;
export type ReasoningEffort = (typeof REASONING_EFFORTS)[number];

/**
 * JSON replies, as OpenAI's `response_format` asks for them: any JSON object, or JSON that follows a schema (the
 * model's server enforces it: a grammar on Parley's engine, the provider's structured outputs upstream).
 */
export type ResponseFormat =
  | { type: "json_object" }
  | {
      type: "json_schema";
      /** The schema's name, as OpenAI requires one (letters, digits, `_` and `-`, at most 64). */
      name: string;
      description?: string;
      /** A JSON Schema; without one, any JSON object. */
      schema?: Record<string, unknown>;
      /** OpenAI's strict mode: the reply follows the schema exactly (its subset of JSON Schema). */
      strict?: boolean;
    };

/**
 * The parts of a streamed reply, in order: any number of `text.delta`, then any tool calls, one after another
 * (each a `tool_call.start` and its `tool_call.delta`s, indexes counting from 0; Anthropic's stream format has no
 * way to interleave them), at most one `usage`, then exactly one `finish` or `error` as the last part. A stream that ends without either was cut and is not complete.
 * A failover chain (ResilientChatModel) also sends `model.start` before the first text of each model that answers;
 * other models send none, and a consumer that does not care may skip it.
 */
export type ChatStreamPart =
  | ModelStartPart
  | { type: "text.delta"; text: string }
  | ToolCallStartPart
  | { type: "tool_call.delta"; index: number; arguments: string }
  | ThinkingPart
  | UsagePart
  | { type: "finish"; reason: FinishReason }
  | { type: "error"; error: unknown };

/**
 * What the call used, as the upstream reported it. `inputTokens` counts the whole prompt; of those, the provider's
 * prompt cache served `cachedInputTokens` (read, at a lower price) and was written `cacheWriteInputTokens` (for the
 * next call to read; Anthropic charges more for writing them). Each is absent when the upstream does not say.
 */
export type UsagePart = {
  type: "usage";
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens?: number;
  cacheWriteInputTokens?: number;
  /** Of `cacheWriteInputTokens`, those written to be kept an hour (Anthropic's `ttl: "1h"`, priced higher). */
  cacheWriteHourInputTokens?: number;
};

/**
 * The model's reasoning, before its answer: a thinking block's text in pieces, then its signature, which closes it;
 * or a redacted block whole.
 */
export type ThinkingPart =
  | { type: "thinking.delta"; thinking: string }
  | { type: "thinking.signature"; signature: string }
  | { type: "thinking.redacted"; data: string };

/** A tool call begins: its arguments follow as `tool_call.delta` parts with the same index. */
export type ToolCallStartPart = { type: "tool_call.start"; index: number; id: string; name: string };

/** Which model the text that follows comes from. */
export type ModelStartPart = {
  type: "model.start";
  /** The failover candidate's id: the catalog's name for that model at that endpoint. */
  candidateId: string;
  /** The provider's name for the model, as sent upstream. */
  modelId: string;
  /** Which endpoint served it, when the candidate named one (a model may be served by several). */
  endpointId?: string;
  /** True when this model continues a reply another one began (that text went to it as a prefill). */
  continuation: boolean;
};

/**
 * Takes a stream's parts as they come, in order. It must not throw: a model would take the throw for a failure of
 * its own upstream (and a failover retry it).
 */
export type ChatStreamSink = (part: ChatStreamPart) => void;

export interface ChatModel {
  /** The provider's name for the model, as sent upstream. */
  readonly modelId: string;
  stream(options: ChatCallOptions): AsyncIterable<ChatStreamPart>;
  /**
   * The same parts, handed to `sink` as they come; resolves after the last (a `finish` or `error` part), or
   * rejects as `stream` would throw. Optional: for a model whose parts come from callbacks (an upstream's body as
   * the socket reads it), where an async iterator costs a promise and a turn of the microtask queue per part at
   * every layer between the socket and the run, and those promises, waiting between tokens, are most of what a
   * stream leaves for each young-generation collection. Nothing is held back for a slow sink: the run that reads
   * a stream keeps up by design. The call stops only through its signal. See `streamInto`.
   */
  streamTo?(options: ChatCallOptions, sink: ChatStreamSink): Promise<void>;
}
