/**
 * How long KnowledgeEmbeddings waits before it tries again after a failed run: the upstream's own `Retry-After` when
 * it said one, otherwise an exponential backoff over the failed runs in a row, which a run that succeeds resets.
 */
import { AppError } from "../core/app-error.js";
import { retryAfterMsOf } from "../providers/resilient/retry-after.js";

export type KnowledgeRetryConfig = {
  /** The wait after the first failed run in a row, and the shortest wait ever (even when the upstream asks less). */
  firstDelayMs: number;
  /** The longest wait, however many runs failed in a row or however long the upstream asks to wait. */
  maxDelayMs: number;
};

/**
 * 5 s first: a model that blinked (a restart, a deploy, a dropped connection) is back by then, and a model that is
 * down is asked at most a handful of times in its first minute. Doubling, the runs of a one-minute outage come at
 * 5, 15, 35 and 75 s, so the sentences get their vectors within about 15 s of its end. 5 minutes at most: a model down
 * for hours costs 12 requests and 12 warnings an hour, and is picked up within 5 minutes once it is back.
 */
export const DEFAULT_KNOWLEDGE_RETRY: KnowledgeRetryConfig = { firstDelayMs: 5_000, maxDelayMs: 300_000 };

export class KnowledgeRetryDelays {
  readonly #firstDelayMs: number;
  readonly #maxDelayMs: number;
  /** The backoff's next wait: doubled by every failed run in a row, whichever wait that run took. */
  #backoffMs: number;

  constructor(config: Partial<KnowledgeRetryConfig> = {}) {
    this.#firstDelayMs = Math.max(1, config.firstDelayMs ?? DEFAULT_KNOWLEDGE_RETRY.firstDelayMs);
    this.#maxDelayMs = Math.max(this.#firstDelayMs, config.maxDelayMs ?? DEFAULT_KNOWLEDGE_RETRY.maxDelayMs);
    this.#backoffMs = this.#firstDelayMs;
  }

  /**
   * The wait before the run after this failed one. The upstream's `Retry-After` is honoured, but held between the
   * bounds: below the first delay, a `Retry-After: 0` on every run would ask again in a tight loop; above the longest,
   * a daily quota's "tomorrow" (or a bogus huge value) would leave the knowledge to words for hours after the limit
   * lifted, for the price of one refused request every few minutes.
   */
  after(failure: unknown): number {
    const backoffMs = this.#backoffMs;
    this.#backoffMs = Math.min(backoffMs * 2, this.#maxDelayMs);
    const askedMs = upstreamWaitMsOf(failure);
    if (askedMs === undefined) return backoffMs;
    return Math.min(Math.max(askedMs, this.#firstDelayMs), this.#maxDelayMs);
  }

  /** A run succeeded: the next failure is the first of a new outage, and waits the first delay again. */
  reset(): void {
    this.#backoffMs = this.#firstDelayMs;
  }
}

/**
 * How long the upstream asked to wait: an embedder's ProviderError keeps its `Retry-After` raw (the soonest of every
 * endpoint's, from RoundRobinEmbedder); an AppError made for clients (`upstream_rate_limited`, `busy`) carries it as
 * `retryAfterSeconds`.
 */
function upstreamWaitMsOf(failure: unknown): number | undefined {
  const retryAfterMs = retryAfterMsOf(failure);
  if (retryAfterMs !== undefined) return retryAfterMs;
  const seconds = AppError.is(failure) ? failure.details?.retryAfterSeconds : undefined;
  return typeof seconds === "number" && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}
