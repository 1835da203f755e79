/** Stops calling an upstream endpoint that keeps failing, and lets one trial call through after a cool-down. */

export type CircuitState = "closed" | "open" | "half-open";

export type CircuitBreakerConfig = {
  /** Consecutive failures that open the circuit. */
  failureThreshold?: number;
  /**
   * Also open when the share of failures among the last `window` calls reaches `threshold`, once at least
   * `minimumCalls` were seen: catches an endpoint that fails often without failing many times in a row.
   */
  failureRate?: { threshold: number; window: number; minimumCalls: number };
  /** Milliseconds the circuit stays open before it lets a trial call through. */
  coolDownMs?: number;
  /** Milliseconds on a monotonic clock; injectable for tests. */
  now?: () => number;
  /** Told of every change, for logs and the breaker-state metric. */
  onStateChange?: (from: CircuitState, to: CircuitState) => void;
};

/**
 * closed: every call goes through; failures are counted.
 * open: calls are refused at once, so a dead endpoint costs nothing, until the cool-down has passed.
 * half-open: one trial call goes through; its success closes the circuit, its failure opens it again.
 * A call that ends without a verdict (its caller stopped it) is released and decides nothing.
 */
export class CircuitBreaker {
  readonly #failureThreshold: number;
  readonly #failureRate: CircuitBreakerConfig["failureRate"];
  readonly #coolDownMs: number;
  readonly #now: () => number;
  readonly #onStateChange: CircuitBreakerConfig["onStateChange"];
  #state: CircuitState = "closed";
  #consecutiveFailures = 0;
  /** Recent outcomes while closed, true for a failure, oldest first. */
  #recent: boolean[] = [];
  #openedAt = 0;
  #trialInFlight = false;

  constructor(config: CircuitBreakerConfig = {}) {
    this.#failureThreshold = Math.max(1, config.failureThreshold ?? 5);
    this.#failureRate = config.failureRate;
    this.#coolDownMs = config.coolDownMs ?? 30_000;
    this.#now = config.now ?? (() => performance.now());
    this.#onStateChange = config.onStateChange;
  }

  get state(): CircuitState {
    if (this.#state === "open" && this.#now() - this.#openedAt >= this.#coolDownMs) this.#moveTo("half-open");
    return this.#state;
  }

  /**
   * Half-open with its trial call not yet made: the next call tests whether the endpoint recovered. A router that
   * sends such an endpoint nothing would leave it shut out for good.
   */
  get awaitingTrial(): boolean {
    return this.state === "half-open" && !this.#trialInFlight;
  }

  /** Milliseconds until an open circuit lets a trial call through; 0 when a call may go out now or soon. */
  get msUntilTrial(): number {
    if (this.state !== "open") return 0;
    return Math.max(0, this.#coolDownMs - (this.#now() - this.#openedAt));
  }

  /** True when a call may go out now; the caller then reports it with recordSuccess, recordFailure or release. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === "closed") return true;
    if (state === "open" || this.#trialInFlight) return false;
    this.#trialInFlight = true;
    return true;
  }

  recordSuccess(): void {
    this.#trialInFlight = false;
    // A call that set out before the circuit opened proves little; only the trial may close it.
    if (this.#state === "open") return;
    if (this.#state === "half-open") this.#moveTo("closed");
    this.#consecutiveFailures = 0;
    this.#remember(false);
  }

  recordFailure(): void {
    this.#trialInFlight = false;
    if (this.#state === "half-open") {
      this.#open();
      return;
    }
    if (this.#state === "open") return;
    this.#consecutiveFailures++;
    this.#remember(true);
    if (this.#consecutiveFailures >= this.#failureThreshold || this.#rateExceeded()) this.#open();
  }

  release(): void {
    this.#trialInFlight = false;
  }

  #open(): void {
    this.#consecutiveFailures = 0;
    this.#recent = [];
    this.#moveTo("open");
  }

  #remember(failed: boolean): void {
    if (!this.#failureRate) return;
    this.#recent.push(failed);
    if (this.#recent.length > this.#failureRate.window) this.#recent.shift();
  }

  #rateExceeded(): boolean {
    const rate = this.#failureRate;
    if (!rate || this.#recent.length < rate.minimumCalls) return false;
    const failures = this.#recent.filter(Boolean).length;
    return failures / this.#recent.length >= rate.threshold;
  }

  #moveTo(state: CircuitState): void {
    if (this.#state === state) return;
    const from = this.#state;
    this.#state = state;
    if (state === "open") this.#openedAt = this.#now();
    this.#onStateChange?.(from, state);
  }
}
