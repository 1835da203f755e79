/** When a failed model call may be sent again, and how long to wait first. */
import { ProviderError } from "../../core/app-error.js";
import { retryAfterMsOf } from "./retry-after.js";

export type RetryPolicyConfig = {
  /** Calls to one model for one reply, the first included. */
  maxAttempts?: number;
  /** The backoff ceiling of the first retry; each later retry doubles it. */
  baseDelayMs?: number;
  /** No backoff waits longer than this. */
  maxDelayMs?: number;
  /** No `Retry-After` is obeyed for longer than this: the wait is cut to it. */
  maxRetryAfterMs?: number;
  /** In [0, 1); injectable so tests can pin the jitter. */
  random?: () => number;
  /** Wall-clock milliseconds, to read `Retry-After` dates against. */
  now?: () => number;
};

export type RetryDecision = { retry: true; delayMs: number } | { retry: false };

/** Errors that say the request itself is wrong or unwelcome: another model would refuse it the same way. */
const REQUEST_ERROR_CODES = new Set([
  "context_length_exceeded",
  "content_filtered",
  "invalid_response_format",
]);
const REQUEST_ERROR_STATUSES = new Set([400, 413, 422]);

export class RetryPolicy {
  readonly maxAttempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #maxRetryAfterMs: number;
  readonly #random: () => number;
  readonly #now: () => number;

  constructor(config: RetryPolicyConfig = {}) {
    this.maxAttempts = Math.max(1, config.maxAttempts ?? 3);
    this.#baseDelayMs = config.baseDelayMs ?? 500;
    this.#maxDelayMs = config.maxDelayMs ?? 8_000;
    this.#maxRetryAfterMs = config.maxRetryAfterMs ?? 20_000;
    this.#random = config.random ?? Math.random;
    this.#now = config.now ?? Date.now;
  }

  /** A passing failure (rate limit, 5xx, reset, timeout, cut stream): the same call may work later. */
  isRetryable(error: unknown): boolean {
    return error instanceof ProviderError && error.isRetryable;
  }

  /**
   * False for errors about the request rather than the model (context too long, content filtered, malformed):
   * those end the reply with a clear error instead of being routed to a fallback that would fail alike.
   */
  canFailOver(error: unknown): boolean {
    if (!(error instanceof ProviderError)) return false;
    if (REQUEST_ERROR_CODES.has(error.code)) return false;
    return error.isRetryable || !REQUEST_ERROR_STATUSES.has(error.statusCode ?? 0);
  }

  /**
   * Whether to call the same model again after attempt number `attempt` (1 for the first) failed with `error`.
   * An attempt that already delivered text is never repeated: its reader has that text, and a repeat would show it
   * twice; continuing the reply elsewhere is the failover's job.
   */
  decide(input: { attempt: number; error: unknown; deliveredText: boolean }): RetryDecision {
    if (input.deliveredText || input.attempt >= this.maxAttempts || !this.isRetryable(input.error)) {
      return { retry: false };
    }
    const asked = retryAfterMsOf(input.error, this.#now());
    if (asked !== undefined) return { retry: true, delayMs: Math.min(asked, this.#maxRetryAfterMs) };
    return { retry: true, delayMs: this.backoffMs(input.attempt) };
  }

  /** Full jitter (a uniform wait below an exponential, capped ceiling): retries of many callers spread out. */
  backoffMs(attempt: number): number {
    const ceiling = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (Math.max(1, attempt) - 1));
    return Math.floor(this.#random() * ceiling);
  }
}
