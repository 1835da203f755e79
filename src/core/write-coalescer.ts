/**
 * Gathers text written in quick succession into one write: the first write after a quiet spell goes out at
 * once (no added latency for a first token or a slow stream), and writes that follow within `windowMs` of
 * the last flush are sent together when the window closes, so a fast stream costs one syscall per window
 * rather than one per token.
 */
export class WriteCoalescer {
  readonly #flush: (text: string) => void;
  readonly #windowMs: number;
  #pending = "";
  #lastFlushAt = Number.NEGATIVE_INFINITY;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(flush: (text: string) => void, windowMs: number) {
    this.#flush = flush;
    this.#windowMs = windowMs;
  }

  /**
   * `immediate` sends now, with anything pending, and opens no window: for a stream's opening frame, so the
   * first token after it is not held back. `withNext` only adds the text, to go out with the next write: for a
   * frame that announces the one that follows it (a content block's start before its first text), which would
   * otherwise open a window that holds that first text back.
   */
  write(text: string, options?: { immediate?: boolean; withNext?: boolean }): void {
    this.#pending += text;
    if (options?.withNext) return;
    if (options?.immediate) {
      const lastFlushAt = this.#lastFlushAt;
      this.flush();
      this.#lastFlushAt = lastFlushAt;
      return;
    }
    if (this.#timer !== undefined) return;
    const wait = this.#lastFlushAt + this.#windowMs - performance.now();
    if (wait <= 0) this.flush();
    else this.#timer = setTimeout(() => this.flush(), wait);
  }

  /** Sends whatever is pending now, for example before the stream ends. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#lastFlushAt = performance.now();
    if (this.#pending === "") return;
    const text = this.#pending;
    this.#pending = "";
    this.#flush(text);
  }

  /** Drops anything pending, for a stream whose reader is gone. */
  discard(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending = "";
  }
}
