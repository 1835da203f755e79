/**
 * Runs at most `concurrency` tasks at once and lets at most `queue` more wait their turn; one more is refused at
 * once with the error `busy()` makes. For work that must not take the whole machine whatever the demand (password
 * hashing), where waiting without bound would only turn a flood into a backlog.
 */

export type GateLimits = { concurrency: number; queue: number };

export class ConcurrencyGate {
  #limits: GateLimits;
  readonly #busy: () => Error;
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(limits: GateLimits, busy: () => Error) {
    this.#limits = limits;
    this.#busy = busy;
  }

  /** New limits apply to tasks that come from now on; those running or waiting keep their place. */
  setLimits(limits: GateLimits): void {
    this.#limits = limits;
    this.#startWaiting();
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#limits.concurrency) {
      if (this.#waiting.length >= this.#limits.queue) throw this.#busy();
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running++;
    }
    try {
      return await task();
    } finally {
      this.#running--;
      this.#startWaiting();
    }
  }

  /** Hands free places to the tasks waiting longest; each counts as running before it resumes. */
  #startWaiting(): void {
    while (this.#running < this.#limits.concurrency && this.#waiting.length > 0) {
      this.#running++;
      this.#waiting.shift()?.();
    }
  }
}
