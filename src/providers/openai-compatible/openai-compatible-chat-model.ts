/**
 * A ChatModel on any server that speaks the OpenAI Chat Completions API, Parley's own engine processes included.
 *
 * The request goes out on undici's dispatcher directly (callUpstream), and the event stream is read off its chunks
 * with eventsource-parser, rather than through the openai SDK: on this hot path the SDK's fetch and web-streams
 * layers cost about three times the CPU of everything else Parley does per token, and they hid whether a stream
 * really ended with `[DONE]`. The SDK's types still describe the wire format.
 */
import { createParser } from "eventsource-parser";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { isAbortError, ProviderError } from "../../core/app-error.js";
import type { FinishReason } from "../../core/run-event.js";
import type { ChatCallOptions, ChatModel, ChatStreamPart, ChatStreamSink } from "../chat-model.js";
import { pulledParts } from "../pulled-parts.js";
import { upstreamAgent } from "../upstream-agent.js";
import { callUpstream, type UpstreamResponse } from "../upstream-call.js";
import { openAIHttpError, openAIStreamError, refusesMaxTokens } from "./openai-http-error.js";
import { OpenAIToolCallStream } from "./openai-tool-call-stream.js";
import { toOpenAIMessages } from "./to-openai-messages.js";
import { toOpenAIResponseFormat } from "./to-openai-response-format.js";
import { toOpenAIToolFields } from "./to-openai-tools.js";
import { toProviderError } from "./to-provider-error.js";

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
  /**
   * The server reads `top_k`, which OpenAI's format lacks and llama.cpp's and vLLM's servers add; OpenAI's own API
   * refuses it, so other servers are not sent it.
   */
  readsTopK?: boolean;
  /** Milliseconds to wait for the response headers (TimeoutChatModel watches the stream after that). */
  timeoutMs?: number;
};

const DEFAULT_TIMEOUT_MS = 600_000;
/** An error response is read only this far: enough for any real error message, never an endless body. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** Decodes a chunk that may end mid-character; made once, not for every chunk. */
const STREAMING = { stream: true } as const;

export class OpenAICompatibleChatModel implements ChatModel {
  readonly modelId: string;
  readonly #config: OpenAICompatibleChatModelConfig;
  readonly #headers: Record<string, string>;
  /**
   * Where the reply's token limit goes: `max_tokens`, which every OpenAI-compatible server reads, until the server
   * refuses it. OpenAI's reasoning models read only `max_completion_tokens` (which older servers do not know), and
   * a model's name does not say which kind it is; so the first refusal switches this model over, and is sent again.
   */
  #tokenLimitField: "max_tokens" | "max_completion_tokens" = "max_tokens";

  constructor(config: OpenAICompatibleChatModelConfig) {
    this.modelId = config.modelId;
    this.#config = config;
    this.#headers = {
      ...config.headers,
      "content-type": "application/json",
      accept: "text/event-stream",
      ...(config.apiKey && { authorization: `Bearer ${config.apiKey}` }),
    };
  }

  stream(options: ChatCallOptions): AsyncIterable<ChatStreamPart> {
    return pulledParts(options, (pulled, sink) => this.streamTo(pulled, sink));
  }

  /** Each chunk of the upstream's body is parsed, and its parts handed on, as the socket reads it. */
  async streamTo(options: ChatCallOptions, sink: ChatStreamSink): Promise<void> {
    let finishReason: FinishReason | "content_filter" | undefined;
    // Made at the first `tool_calls` piece: most replies call no tool.
    let toolCalls: OpenAIToolCallStream | undefined;
    let sawDone = false;
    let responded = false;
    try {
      let response = await this.#call(options);
      responded = true;
      if (response.statusCode >= 300) {
        let text = await readLimited(response.body, MAX_ERROR_BODY_BYTES);
        if (this.#tokenLimitField === "max_tokens" && refusesMaxTokens(response.statusCode, text)) {
          this.#tokenLimitField = "max_completion_tokens";
          response = await this.#call(options);
          text = response.statusCode >= 300 ? await readLimited(response.body, MAX_ERROR_BODY_BYTES) : "";
        }
        if (response.statusCode >= 300) {
          sink({ type: "error", error: openAIHttpError(response.statusCode, response.headers, text) });
          return;
        }
      }
      options.onResponseStart?.();
      const datas: string[] = [];
      const parser = createParser({ onEvent: (event) => datas.push(event.data) });
      const decoder = new TextDecoder();
      let failed = false;
      const { body } = response;
      await body.pipeTo((bytes) => {
        parser.feed(decoder.decode(bytes, STREAMING));
        try {
          for (const data of datas) {
            if (data === "[DONE]") {
              sawDone = true;
              continue;
            }
            const chunk = parseChunk(data);
            if ("error" in chunk && chunk.error) {
              failed = true;
              // Leaving the body cancels the call, which closes the connection.
              void body.return();
              sink({ type: "error", error: openAIStreamError(chunk.error) });
              return;
            }
            // Checked field by field rather than by a schema: this runs for every token of every reply.
            const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
            const text = choice?.delta?.content;
            if (typeof text === "string" && text !== "") sink({ type: "text.delta", text });
            // A model that declines a structured reply says why in `refusal` instead of `content`: passed on as
            // the reply's text, so that the user reads the refusal rather than an empty reply.
            const refusal = choice?.delta?.refusal;
            if (typeof refusal === "string" && refusal !== "") sink({ type: "text.delta", text: refusal });
            const toolCallPieces = choice?.delta?.tool_calls;
            if (Array.isArray(toolCallPieces)) {
              toolCalls ??= new OpenAIToolCallStream();
              toolCalls.push(toolCallPieces, sink);
            }
            if (typeof choice?.finish_reason === "string")
              finishReason = mapFinishReason(choice.finish_reason);
            if (typeof chunk.usage?.prompt_tokens === "number") {
              // The usage comes after every piece of the reply: the calls held back go before it.
              toolCalls?.flush(sink);
              sink(usagePart(chunk.usage));
            }
          }
        } finally {
          datas.length = 0;
        }
      });
      if (failed) return;
    } catch (error) {
      if (options.signal?.aborted || isAbortError(error)) {
        sink({ type: "finish", reason: "stopped" });
        return;
      }
      sink({ type: "error", error: toProviderError(error, responded) });
      return;
    }
    toolCalls?.flush(sink);
    const incompleteCall = toolCalls?.incompleteCallError();
    if (options.signal?.aborted) {
      sink({ type: "finish", reason: "stopped" });
    } else if (finishReason === undefined || !sawDone) {
      // The connection closed before the upstream said the reply was finished (a finish_reason and then
      // `[DONE]`): this reply was cut, however complete its text may look.
      sink({
        type: "error",
        error: toProviderError(new Error("The model's stream ended before the reply was finished."), true),
      });
    } else if (finishReason === "content_filter") {
      sink({
        type: "error",
        error: new ProviderError("The model's content filter stopped the reply.", {
          code: "content_filtered",
          isRetryable: false,
        }),
      });
    } else if (incompleteCall) {
      sink({ type: "error", error: incompleteCall });
    } else if (finishReason === "stop" && toolCalls?.begun) {
      // OpenAI itself says `stop` when `tool_choice` named the tool, and so do some other servers for any call: the
      // reply still ended in calls the client is to run.
      sink({ type: "finish", reason: "tool_calls" });
    } else {
      sink({ type: "finish", reason: finishReason });
    }
  }

  #call(options: ChatCallOptions): Promise<UpstreamResponse> {
    return callUpstream(this.#url(), {
      method: "POST",
      headers: this.#headers,
      body: JSON.stringify(this.#body(options)),
      signal: options.signal,
      dispatcher: upstreamAgent,
      headersTimeout: this.#config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      // Gaps between chunks are TimeoutChatModel's to judge; a model may think silently for a long while.
      bodyTimeout: 0,
    });
  }

  #url(): string {
    const baseURL =
      typeof this.#config.baseURL === "function" ? this.#config.baseURL() : this.#config.baseURL;
    return `${baseURL.replace(/\/+$/, "")}/chat/completions`;
  }

  #body(options: ChatCallOptions): Record<string, unknown> {
    return {
      model: this.modelId,
      messages: toOpenAIMessages(options.prompt),
      stream: true,
      stream_options: { include_usage: true },
      ...(options.maxOutputTokens !== undefined && { [this.#tokenLimitField]: options.maxOutputTokens }),
      ...(options.temperature !== undefined && { temperature: options.temperature }),
      ...(options.topP !== undefined && { top_p: options.topP }),
      ...(options.topK !== undefined && this.#config.readsTopK && { top_k: options.topK }),
      ...(options.presencePenalty !== undefined && { presence_penalty: options.presencePenalty }),
      ...(options.frequencyPenalty !== undefined && { frequency_penalty: options.frequencyPenalty }),
      ...(options.seed !== undefined && { seed: options.seed }),
      ...(options.reasoningEffort !== undefined && { reasoning_effort: options.reasoningEffort }),
      ...(options.stopSequences?.length && { stop: [...options.stopSequences] }),
      ...(options.responseFormat && { response_format: toOpenAIResponseFormat(options.responseFormat) }),
      ...toOpenAIToolFields(options),
      ...(options.prompt.at(-1)?.role === "assistant" && this.#config.prefillRequestFields),
    };
  }
}

type StreamChunk = Partial<ChatCompletionChunk> & { error?: unknown };

function parseChunk(data: string): StreamChunk {
  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch {
    throw new ProviderError(`The model sent a malformed chunk: ${data.slice(0, 200)}`, { isRetryable: true });
  }
  if (typeof chunk !== "object" || chunk === null) {
    throw new ProviderError(`The model sent a chunk that is not an object: ${data.slice(0, 200)}`, {
      isRetryable: true,
    });
  }
  return chunk as StreamChunk;
}

async function readLimited(body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  let bytes = 0;
  for await (const piece of body) {
    bytes += piece.byteLength;
    text += decoder.decode(piece, STREAMING);
    if (bytes >= maxBytes) break;
  }
  return text + decoder.decode();
}

function mapFinishReason(
  reason: NonNullable<ChatCompletionChunk.Choice["finish_reason"]>,
): FinishReason | "content_filter" {
  if (reason === "content_filter") return "content_filter";
  // `function_call` is the legacy API's name for the same stop, still sent by some servers.
  if (reason === "tool_calls" || reason === "function_call") return "tool_calls";
  return reason === "length" ? "length" : "stop";
}

function usagePart(usage: NonNullable<ChatCompletionChunk["usage"]>): ChatStreamPart {
  const cached = usage.prompt_tokens_details?.cached_tokens;
  return {
    type: "usage",
    inputTokens: usage.prompt_tokens,
    outputTokens: typeof usage.completion_tokens === "number" ? usage.completion_tokens : 0,
    ...(typeof cached === "number" && { cachedInputTokens: cached }),
  };
}
