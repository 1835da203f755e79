/** A ChatModel on any server that speaks the OpenAI Chat Completions API, Parley's own engine processes included. */
import OpenAI from "openai";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { isAbortError, ProviderError } from "../../core/app-error.js";
import type { FinishReason } from "../../core/run-event.js";
import type { ChatCallOptions, ChatModel, ChatStreamPart } from "../chat-model.js";
import { toOpenAIMessages } from "./to-openai-messages.js";
import { toProviderError } from "./to-provider-error.js";
import { fetchWatchingStreamEnd, type StreamEnd } from "./watch-stream-end.js";

export type OpenAICompatibleChatModelConfig = {
  /** The model name sent upstream. */
  modelId: string;
  /** Resolved per call, so a restarted engine on a new port is reached without rebuilding the model. */
  baseURL: string | (() => string);
  apiKey?: string;
  headers?: Record<string, string>;
  /**
   * Extra request fields sent when the prompt ends with an assistant message (a prefill that a failover continues),
   * for servers that must be told to continue it rather than open a new turn. vLLM and SGLang:
   * `{ continue_final_message: true, add_generation_prompt: false }`. Parley's engine and llama.cpp need none.
   */
  prefillRequestFields?: Record<string, unknown>;
  /** Milliseconds to wait for the response headers (the SDK's timeout ends there; TimeoutChatModel watches chunks). */
  timeoutMs?: number;
};

export class OpenAICompatibleChatModel implements ChatModel {
  readonly modelId: string;
  readonly #config: OpenAICompatibleChatModelConfig;
  #client: OpenAI | undefined;
  readonly #streamEnds = new WeakMap<Response, StreamEnd>();

  constructor(config: OpenAICompatibleChatModelConfig) {
    this.modelId = config.modelId;
    this.#config = config;
  }

  async *stream(options: ChatCallOptions): AsyncIterable<ChatStreamPart> {
    let finishReason: FinishReason | "content_filter" | undefined;
    let streamEnd: StreamEnd | undefined;
    try {
      const { data: stream, response } = await this.#clientFor()
        .chat.completions.create(
          {
            model: this.modelId,
            messages: toOpenAIMessages(options.prompt),
            stream: true,
            stream_options: { include_usage: true },
            ...(options.maxOutputTokens !== undefined && { max_tokens: options.maxOutputTokens }),
            ...(options.temperature !== undefined && { temperature: options.temperature }),
            ...(options.topP !== undefined && { top_p: options.topP }),
            ...(options.seed !== undefined && { seed: options.seed }),
            ...(options.stopSequences?.length && { stop: [...options.stopSequences] }),
            ...(options.prompt.at(-1)?.role === "assistant" && this.#config.prefillRequestFields),
          },
          { signal: options.signal },
        )
        .withResponse();
      streamEnd = this.#streamEnds.get(response);
      for await (const chunk of stream) {
        const choice = chunk.choices[0];
        const text = choice?.delta?.content;
        if (text) yield { type: "text.delta", text };
        if (choice?.finish_reason) finishReason = mapFinishReason(choice.finish_reason);
        if (chunk.usage) yield usagePart(chunk.usage);
      }
    } catch (error) {
      if (options.signal?.aborted || isAbortError(error)) {
        yield { type: "finish", reason: "stopped" };
        return;
      }
      yield { type: "error", error: toProviderError(error) };
      return;
    }
    if (options.signal?.aborted) {
      yield { type: "finish", reason: "stopped" };
    } else if (finishReason === undefined || streamEnd?.sawDone === false) {
      // The connection closed before the upstream said the reply was finished (a finish_reason and then
      // `[DONE]`): this reply was cut, however complete its text may look.
      yield {
        type: "error",
        error: toProviderError(new Error("The model's stream ended before the reply was finished.")),
      };
    } else if (finishReason === "content_filter") {
      yield {
        type: "error",
        error: new ProviderError("The model's content filter stopped the reply.", {
          code: "content_filtered",
          isRetryable: false,
        }),
      };
    } else {
      yield { type: "finish", reason: finishReason };
    }
  }

  #clientFor(): OpenAI {
    const baseURL =
      typeof this.#config.baseURL === "function" ? this.#config.baseURL() : this.#config.baseURL;
    if (this.#client?.baseURL !== baseURL) {
      this.#client = new OpenAI({
        baseURL,
        apiKey: this.#config.apiKey ?? "not-needed",
        defaultHeaders: this.#config.headers,
        // Parley decides about retries and fallbacks itself; the SDK must not resend a request on its own.
        maxRetries: 0,
        timeout: this.#config.timeoutMs ?? 600_000,
        fetch: fetchWatchingStreamEnd(this.#streamEnds),
      });
    }
    return this.#client;
  }
}

function mapFinishReason(
  reason: NonNullable<ChatCompletionChunk.Choice["finish_reason"]>,
): FinishReason | "content_filter" {
  if (reason === "content_filter") return "content_filter";
  return reason === "length" ? "length" : "stop";
}

function usagePart(usage: NonNullable<ChatCompletionChunk["usage"]>): ChatStreamPart {
  const cached = usage.prompt_tokens_details?.cached_tokens;
  return {
    type: "usage",
    inputTokens: usage.prompt_tokens,
    outputTokens: usage.completion_tokens,
    ...(cached !== undefined && { cachedInputTokens: cached }),
  };
}
