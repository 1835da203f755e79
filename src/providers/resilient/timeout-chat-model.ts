/** Wraps any ChatModel so a stream that never starts, or stops moving, ends with a retryable error instead of hanging. */
import { ProviderError } from "../../core/app-error.js";
import type { ChatCallOptions, ChatModel, ChatStreamPart } from "../chat-model.js";

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

const TIMED_OUT = Symbol("timed out");

/**
 * The connect and headers timeout belongs to the provider (its SDK's `timeout`, ProviderError code
 * `upstream_timeout`); this wrapper watches what the SDK does not: the wait for the first part (code
 * `upstream_timeout`) and the gaps between parts (code `upstream_idle_timeout`). On either, it aborts the inner
 * call, so the upstream request is cancelled, and ends the stream with a retryable error part.
 */
export class TimeoutChatModel implements ChatModel {
  readonly modelId: string;
  readonly #inner: ChatModel;
  readonly #firstTokenTimeoutMs: number;
  readonly #idleTimeoutMs: number;

  constructor(inner: ChatModel, config: StreamTimeoutsConfig = {}) {
    this.modelId = inner.modelId;
    this.#inner = inner;
    this.#firstTokenTimeoutMs = config.firstTokenTimeoutMs ?? DEFAULT_FIRST_TOKEN_TIMEOUT_MS;
    this.#idleTimeoutMs = config.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  }

  async *stream(options: ChatCallOptions): AsyncIterable<ChatStreamPart> {
    const controller = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
    const iterator = this.#inner.stream({ ...options, signal })[Symbol.asyncIterator]();
    // One timer per phase, pushed back at each part: a stream of thousands of parts must not cost a timer each.
    let deadline = new Deadline(this.#firstTokenTimeoutMs);
    let begun = false;
    let finished = false;
    try {
      while (true) {
        // The wait starts when the next part is asked for, so a slow reader is never taken for a stalled model.
        if (begun) deadline.postpone();
        const next = iterator.next();
        const result = await Promise.race([next, deadline.passed]);
        if (result === TIMED_OUT) {
          // The inner stream may still settle later; nobody waits for it, so it must not reject unhandled.
          next.catch(() => {});
          if (options.signal?.aborted) {
            yield { type: "finish", reason: "stopped" };
            return;
          }
          const limit = deadline.milliseconds;
          const error = begun
            ? new ProviderError(`The model's stream stalled: no data for ${limit} ms.`, {
                code: "upstream_idle_timeout",
                isRetryable: true,
              })
            : new ProviderError(`The model did not start its reply within ${limit} ms.`, {
                code: "upstream_timeout",
                isRetryable: true,
              });
          controller.abort(error);
          yield { type: "error", error };
          return;
        }
        if (result.done) {
          finished = true;
          return;
        }
        if (!begun) {
          begun = true;
          deadline.cancel();
          deadline = new Deadline(this.#idleTimeoutMs);
        }
        yield result.value;
      }
    } finally {
      deadline.cancel();
      if (!finished) {
        // Stopped early (a timeout, or the reader left): cancel the upstream request and let the inner stream
        // unwind in the background, since its pending read may only end once the abort reaches the socket.
        controller.abort();
        iterator.return?.().catch(() => {});
      }
    }
  }
}

/** A promise that resolves `milliseconds` after it was made or last postponed, unless cancelled. */
class Deadline {
  readonly milliseconds: number;
  readonly passed: Promise<typeof TIMED_OUT>;
  #timer: NodeJS.Timeout | undefined;

  constructor(milliseconds: number) {
    this.milliseconds = milliseconds;
    this.passed = new Promise((resolve) => {
      this.#timer = setTimeout(() => resolve(TIMED_OUT), milliseconds);
    });
  }

  postpone(): void {
    this.#timer?.refresh();
  }

  cancel(): void {
    clearTimeout(this.#timer);
  }
}
