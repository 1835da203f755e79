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

/**
 * Why the inner call is cancelled when the reader stops early: made once, because an abort without a reason
 * builds a DOMException, stack trace and all, and nearly every stream ends by its reader stopping at the finish.
 */
const READER_STOPPED = new Error("The reader stopped before the stream ended.");

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
    return { [Symbol.asyncIterator]: () => new TimedStream(this.#inner, options, this.#limits) };
  }
}

/**
 * The inner stream's parts, each raced against one timer. Written as an iterator rather than a generator over
 * Promise.race: this runs for every token, and a race per part costs two promises and leaves a reaction on the
 * timer's promise each time.
 */
class TimedStream implements AsyncIterator<ChatStreamPart> {
  readonly #controller = new AbortController();
  readonly #inner: AsyncIterator<ChatStreamPart>;
  readonly #callerSignal: AbortSignal | undefined;
  readonly #onCallerAbort: () => void;
  readonly #idleTimeoutMs: number;
  #limitMs: number;
  #timer: NodeJS.Timeout;
  #begun = false;
  /** The inner stream has said how it ended (a finish or error part): nothing is left to cancel. */
  #ended = false;
  #closed = false;
  /** Settle the read in progress, if any; the timer settles it with the timeout instead. */
  #resolve: ((result: IteratorResult<ChatStreamPart>) => void) | undefined;
  #reject: ((error: unknown) => void) | undefined;
  // The inner stream's results are taken by the same two functions for every read (none is made per part). A
  // result that comes after the read was settled otherwise (a timeout) finds it closed, and is dropped.
  readonly #onResult = (result: IteratorResult<ChatStreamPart>) => {
    const resolve = this.#settle();
    if (!resolve) return;
    if (result.done) this.#close();
    else this.#passed(result.value);
    resolve(result);
  };
  readonly #onError = (error: unknown) => {
    const reject = this.#reject;
    if (!this.#settle()) return;
    this.#close();
    reject?.(error);
  };

  constructor(
    inner: ChatModel,
    options: ChatCallOptions,
    limits: { firstTokenTimeoutMs: number; idleTimeoutMs: number },
  ) {
    this.#callerSignal = options.signal;
    this.#onCallerAbort = () => this.#controller.abort(options.signal?.reason);
    if (options.signal?.aborted) this.#controller.abort(options.signal.reason);
    else options.signal?.addEventListener("abort", this.#onCallerAbort, { once: true });
    this.#inner = inner.stream({ ...options, signal: this.#controller.signal })[Symbol.asyncIterator]();
    this.#idleTimeoutMs = limits.idleTimeoutMs;
    this.#limitMs = limits.firstTokenTimeoutMs;
    // One timer for the whole stream, pushed back at each read: thousands of parts must not cost a timer each.
    this.#timer = setTimeout(() => this.#timedOut(), this.#limitMs);
  }

  next(): Promise<IteratorResult<ChatStreamPart>> {
    if (this.#closed) return Promise.resolve({ done: true, value: undefined });
    // The wait starts when the next part is asked for, so a slow reader is never taken for a stalled model.
    if (this.#begun) this.#timer.refresh();
    return new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
      this.#inner.next().then(this.#onResult, this.#onError);
    });
  }

  /** Takes the read in progress off the stream, returning how to resolve it; undefined if none is in progress. */
  #settle(): ((result: IteratorResult<ChatStreamPart>) => void) | undefined {
    const resolve = this.#resolve;
    this.#resolve = undefined;
    this.#reject = undefined;
    return resolve;
  }

  return(): Promise<IteratorResult<ChatStreamPart>> {
    this.#close();
    return Promise.resolve({ done: true, value: undefined });
  }

  #passed(part: ChatStreamPart): void {
    if (part.type === "finish" || part.type === "error") this.#ended = true;
    if (this.#begun) return;
    this.#begun = true;
    this.#limitMs = this.#idleTimeoutMs;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#timedOut(), this.#limitMs);
  }

  #timedOut(): void {
    if (this.#closed) return;
    const resolve = this.#settle();
    // No read in progress: the reader is slow, not the model; the next read starts the wait again.
    if (resolve === undefined) return;
    if (this.#callerSignal?.aborted) {
      this.#close();
      resolve({ done: false, value: { type: "finish", reason: "stopped" } });
      return;
    }
    const limit = this.#limitMs;
    const error = this.#begun
      ? new ProviderError(`The model's stream stalled: no data for ${limit} ms.`, {
          code: "upstream_idle_timeout",
          isRetryable: true,
        })
      : new ProviderError(`The model did not start its reply within ${limit} ms.`, {
          code: "upstream_timeout",
          isRetryable: true,
        });
    this.#controller.abort(error);
    this.#close();
    resolve({ done: false, value: { type: "error", error } });
  }

  /** Ends the stream for its reader; an inner call still going is cancelled and left to unwind on its own. */
  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#callerSignal?.removeEventListener("abort", this.#onCallerAbort);
    if (!this.#ended && !this.#controller.signal.aborted) this.#controller.abort(READER_STOPPED);
    // Its pending read may only end once the abort reaches the socket; nobody waits for it, so it must not
    // reject unhandled.
    this.#inner.return?.().catch(() => {});
  }
}
