/** A ChatModel on Anthropic's Messages API, through the official @anthropic-ai/sdk. */
import Anthropic from "@anthropic-ai/sdk";
import type { MessageCreateParamsStreaming, StopReason } from "@anthropic-ai/sdk/resources/messages";
import { isAbortError, ProviderError } from "../../core/app-error.js";
import type { FinishReason } from "../../core/run-event.js";
import type { ChatCallOptions, ChatModel, ChatStreamPart, ChatStreamSink } from "../chat-model.js";
import { pulledParts } from "../pulled-parts.js";
import { jsonReplySink, jsonReplyTool } from "./json-reply-tool.js";
import { type CacheMode, toAnthropicMessages } from "./to-anthropic-messages.js";
import { toAnthropicTools } from "./to-anthropic-tools.js";
import { toProviderError } from "./to-provider-error.js";
import { ToolUseBlocks } from "./tool-use-blocks.js";

export type AnthropicChatModelConfig = {
  /** The model name sent upstream (for example `claude-sonnet-4-5`). */
  modelId: string;
  apiKey?: string;
  /** Defaults to the SDK's (https://api.anthropic.com); the SDK appends `/v1/messages`. */
  baseURL?: string;
  headers?: Record<string, string>;
  /** The Messages API requires `max_tokens`; this is sent when a call does not say. */
  defaultMaxOutputTokens?: number;
  /** Milliseconds to wait for the response headers; the stream itself is watched by TimeoutChatModel. */
  timeoutMs?: number;
  /** Whether the prompt's prefix is marked for Anthropic's prompt cache (see toAnthropicMessages). */
  promptCaching?: boolean;
};

const DEFAULT_MAX_OUTPUT_TOKENS = 4096;

/** `temperature`, `top_p` and `top_k` are accepted by the API but absent from this SDK's request type. */
type MessageRequest = MessageCreateParamsStreaming & { temperature?: number; top_p?: number; top_k?: number };

export class AnthropicChatModel implements ChatModel {
  readonly modelId: string;
  readonly #config: AnthropicChatModelConfig;
  readonly #client: Anthropic;

  constructor(config: AnthropicChatModelConfig) {
    this.modelId = config.modelId;
    this.#config = config;
    this.#client = new Anthropic({
      apiKey: config.apiKey ?? "not-needed",
      ...(config.baseURL !== undefined && { baseURL: config.baseURL }),
      defaultHeaders: config.headers,
      // Parley decides about retries and fallbacks itself; the SDK must not resend a request on its own.
      maxRetries: 0,
      timeout: config.timeoutMs ?? 600_000,
    });
  }

  stream(options: ChatCallOptions): AsyncIterable<ChatStreamPart> {
    return pulledParts(options, (pulled, sink) => this.streamTo(pulled, sink));
  }

  /** Each event of the SDK's stream is handed on as it is read, without a generator of its own in between. */
  async streamTo(options: ChatCallOptions, sink: ChatStreamSink): Promise<void> {
    const json = options.responseFormat;
    const cache = this.#cacheMode(options);
    let tools: ReturnType<typeof toAnthropicTools>;
    try {
      if (json && options.tools?.length) {
        throw new ProviderError(
          `${this.modelId} on Anthropic's API gives a JSON reply as a call of a tool of Parley's own, so it cannot also be offered tools: ask for one or the other.`,
          { code: "invalid_response_format", isRetryable: false },
        );
      }
      tools = json ? jsonReplyTool(json) : toAnthropicTools(options, { cache: cache === "client" });
    } catch (error) {
      sink({ type: "error", error });
      return;
    }
    if (json) sink = jsonReplySink(sink);
    const { system, messages, trimmedPrefillWhitespace } = toAnthropicMessages(options.prompt, {
      ...(cache && { cache }),
    });
    const request: MessageRequest = {
      model: this.modelId,
      max_tokens: options.maxOutputTokens ?? this.#config.defaultMaxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS,
      messages,
      stream: true,
      ...(system !== undefined && { system }),
      ...(options.temperature !== undefined && { temperature: options.temperature }),
      ...(options.topP !== undefined && { top_p: options.topP }),
      ...(options.topK !== undefined && { top_k: options.topK }),
      ...(options.stopSequences?.length && { stop_sequences: [...options.stopSequences] }),
      ...(options.thinking && { thinking: options.thinking }),
      ...tools,
    };
    const toolUses = new ToolUseBlocks();
    // Thinking goes on to the caller only when it asked for it (a model that thinks unasked keeps it to itself).
    const thinks = options.thinking !== undefined;
    let inputTokens = 0;
    let outputTokens = 0;
    let cachedInputTokens: number | undefined;
    let cacheWriteInputTokens: number | undefined;
    let cacheWriteHourInputTokens: number | undefined;
    let stopReason: StopReason | null = null;
    let stopped = false;
    // After a prefill that lost its trailing whitespace, the caller already shows that whitespace.
    let skipLeadingWhitespace = trimmedPrefillWhitespace !== "";
    try {
      const stream = await this.#client.messages.create(request, { signal: options.signal });
      options.onResponseStart?.();
      for await (const event of stream) {
        // Event types this code does not know (the API adds them over time) are skipped on purpose.
        switch (event.type) {
          case "message_start": {
            const usage = event.message.usage;
            // Anthropic counts cache reads and writes apart from input_tokens; Parley's input is all of them,
            // as OpenAI's prompt_tokens is, with the cached share said separately.
            cachedInputTokens = usage.cache_read_input_tokens ?? undefined;
            cacheWriteInputTokens = usage.cache_creation_input_tokens ?? undefined;
            // Said only when the request marked breakpoints of both kinds, or an hour-long one.
            cacheWriteHourInputTokens = usage.cache_creation?.ephemeral_1h_input_tokens || undefined;
            inputTokens = usage.input_tokens + (cacheWriteInputTokens ?? 0) + (cachedInputTokens ?? 0);
            outputTokens = usage.output_tokens;
            break;
          }
          case "content_block_start": {
            const block = event.content_block;
            if (block.type === "tool_use") toolUses.start(event.index, block, sink);
            else if (!thinks) break;
            else if (block.type === "redacted_thinking")
              sink({ type: "thinking.redacted", data: block.data });
            else if (block.type === "thinking" && block.thinking) {
              sink({ type: "thinking.delta", thinking: block.thinking });
            }
            break;
          }
          case "content_block_delta": {
            if (event.delta.type === "input_json_delta") {
              toolUses.delta(event.index, event.delta.partial_json, sink);
              break;
            }
            if (event.delta.type === "thinking_delta") {
              if (thinks) sink({ type: "thinking.delta", thinking: event.delta.thinking });
              break;
            }
            // The signature comes whole, last in its block: it closes the block.
            if (event.delta.type === "signature_delta") {
              if (thinks) sink({ type: "thinking.signature", signature: event.delta.signature });
              break;
            }
            if (event.delta.type !== "text_delta") break;
            let text = event.delta.text;
            if (skipLeadingWhitespace) {
              text = text.trimStart();
              if (text !== "") skipLeadingWhitespace = false;
            }
            if (text) sink({ type: "text.delta", text });
            break;
          }
          case "content_block_stop":
            toolUses.stop(event.index, sink);
            break;
          case "message_delta":
            stopReason = event.delta.stop_reason ?? stopReason;
            // Counts in message_delta are cumulative: the last one is the total.
            outputTokens = event.usage.output_tokens;
            if (event.usage.input_tokens != null) {
              cachedInputTokens = event.usage.cache_read_input_tokens ?? cachedInputTokens;
              cacheWriteInputTokens = event.usage.cache_creation_input_tokens ?? cacheWriteInputTokens;
              inputTokens =
                event.usage.input_tokens + (cacheWriteInputTokens ?? 0) + (cachedInputTokens ?? 0);
            }
            break;
          case "message_stop":
            stopped = true;
            break;
        }
      }
    } catch (error) {
      if (options.signal?.aborted || isAbortError(error)) {
        sink({ type: "finish", reason: "stopped" });
        return;
      }
      sink({ type: "error", error: toProviderError(error) });
      return;
    }
    if (options.signal?.aborted) {
      // The SDK ends an aborted stream quietly, without an error.
      sink({ type: "finish", reason: "stopped" });
      return;
    }
    if (!stopped) {
      // The connection closed before `message_stop`: whatever came, the reply was cut.
      sink({
        type: "error",
        error: toProviderError(new Error("The model's stream ended before the reply was finished.")),
      });
      return;
    }
    sink({
      type: "usage",
      inputTokens,
      outputTokens,
      ...(cachedInputTokens !== undefined && { cachedInputTokens }),
      ...(cacheWriteInputTokens !== undefined && { cacheWriteInputTokens }),
      ...(cacheWriteHourInputTokens !== undefined && { cacheWriteHourInputTokens }),
    });
    if (stopReason === "refusal") {
      sink({
        type: "error",
        error: new ProviderError("The model declined to answer (its safety filter stopped the reply).", {
          code: "content_filtered",
          isRetryable: false,
        }),
      });
      return;
    }
    sink({ type: "finish", reason: mapStopReason(stopReason) });
  }

  /**
   * The client's own breakpoints when it marked any: it knows which of its prefixes recur. Otherwise Parley's,
   * unless the call's prompt will not recur. None when the provider is configured without caching.
   */
  #cacheMode(options: ChatCallOptions): CacheMode | undefined {
    if (this.#config.promptCaching !== true) return undefined;
    const marked =
      options.prompt.some((message) => message.cacheBreaks?.length) ||
      options.tools?.some((tool) => tool.cacheTtl !== undefined);
    if (marked) return "client";
    return options.cachePrompt === false ? undefined : "auto";
  }
}

function mapStopReason(reason: StopReason | null): FinishReason {
  if (reason === "max_tokens" || reason === "model_context_window_exceeded") return "length";
  // The model waits for the client to run the tools it called.
  if (reason === "tool_use") return "tool_calls";
  // end_turn, stop_sequence, and pause_turn (which only Anthropic's server tools cause, and Parley offers none).
  return "stop";
}
