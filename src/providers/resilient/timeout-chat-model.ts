/** Wraps any ChatModel so a stream that never starts, or stops moving, ends with a retryable error instead of hanging. */
import { ProviderError } from "../../core/app-error.js";
import type { ChatCallOptions, ChatModel, ChatStreamPart, ChatStreamSink } from "../chat-model.js";
import { followingAbortController } from "../following-abort-controller.js";
import { pulledParts } from "../pulled-parts.js";
import { streamInto } from "../stream-into.js";

export type StreamTimeoutsConfig = {
  /**
   * Milliseconds from the call to the first part. Generous by default: a model may think a long while before it
   * says anything, and Parley's own pings keep the client's connection open meanwhile.
   */
  firstTokenTimeoutMs?: number;
  /** Milliseconds allowed between two parts once the reply has begun. */
  idleTimeoutMs?: number;
};

export const DEFAULT_FIRST_TOKEN_TIMEOUT_MS = 120_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 20_000;

/**
 * The connect and headers timeout belongs to the provider (its SDK's `timeout`, ProviderError code
 * `upstream_timeout`); this wrapper watches what the SDK does not: the wait for the first part (code
 * `upstream_timeout`) and the gaps between parts (code `upstream_idle_timeout`). On either, it aborts the inner
 * call, so the upstream request is cancelled, and ends the stream with a retryable error part.
 */
export class TimeoutChatModel implements ChatModel {
  readonly modelId: string;
  readonly #inner: ChatModel;
  readonly #limits: { firstTokenTimeoutMs: number; idleTimeoutMs: number };

  constructor(inner: ChatModel, config: StreamTimeoutsConfig = {}) {
    this.modelId = inner.modelId;
    this.#inner = inner;
    this.#limits = {
      firstTokenTimeoutMs: config.firstTokenTimeoutMs ?? DEFAULT_FIRST_TOKEN_TIMEOUT_MS,
      idleTimeoutMs: config.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    };
  }

  stream(options: ChatCallOptions): AsyncIterable<ChatStreamPart> {
    return pulledParts(options, (pulled, sink) => this.streamTo(pulled, sink));
  }

  /**
   * The inner model's parts, watched by one timer for the whole call: pushed back at each part, so thousands of
   * parts do not cost a timer each. On a timeout the inner call is cancelled and left to unwind on its own.
   */
  streamTo(options: ChatCallOptions, sink: ChatStreamSink): Promise<void> {
    const { firstTokenTimeoutMs, idleTimeoutMs } = this.#limits;
    const callerSignal = options.signal;
    const { controller, release } = followingAbortController(callerSignal);
    let begun = false;
    /** The inner stream said how it ended (a finish or error part), or a timeout did: nothing more goes out. */
    let ended = false;

    return new Promise((resolve, reject) => {
      const end = (failure?: { error: unknown }) => {
        ended = true;
        clearTimeout(timer);
        release();
        if (failure) reject(failure.error);
        else resolve();
      };
      const timedOut = () => {
        if (ended) return;
        if (callerSignal?.aborted) {
          sink({ type: "finish", reason: "stopped" });
          end();
          return;
        }
        const error = begun
          ? new ProviderError(`The model's stream stalled: no data for ${idleTimeoutMs} ms.`, {
              code: "upstream_idle_timeout",
              isRetryable: true,
            })
          : new ProviderError(`The model did not start its reply within ${firstTokenTimeoutMs} ms.`, {
              code: "upstream_timeout",
              isRetryable: true,
            });
        controller.abort(error);
        sink({ type: "error", error });
        end();
      };
      let timer = setTimeout(timedOut, firstTokenTimeoutMs);

      streamInto(this.#inner, { ...options, signal: controller.signal }, (part) => {
        if (ended) return;
        if (begun) timer.refresh();
        else {
          begun = true;
          clearTimeout(timer);
          timer = setTimeout(timedOut, idleTimeoutMs);
        }
        sink(part);
        if (part.type === "finish" || part.type === "error") end();
      }).then(
        // An inner stream that stopped without saying how is for its reader (a run, a failover) to judge.
        () => ended || end(),
        (error: unknown) => ended || end({ error }),
      );
    });
  }
}
