/**
 * Decides whether a user may start another reply now: requests per minute and tokens per day, the user's and, with
 * an API key held to less, the key's.
 */
import { AppError } from "../core/app-error.js";
import type { ParleyStore } from "../core/parley-store.js";
import type { Principal } from "../core/principal.js";
import { RateLimiter, type RequestRateLimiter } from "../core/rate-limiter.js";

const DAY_MS = 86_400_000;

export type Limits = { requestsPerMinute: number; tokensPerDay: number | null };

/**
 * 429, with when to come back. `rate_limited` for the per-minute limits, `quota_exceeded` for the daily token
 * quota: a client (the web app, in the user's language) tells the two apart by the code.
 */
export class RateLimitedError extends AppError {
  constructor(
    message: string,
    retryAfterSeconds: number,
    code: "rate_limited" | "quota_exceeded" = "rate_limited",
  ) {
    super(code, message, { status: 429, details: { retryAfterSeconds } });
  }
}

export class RunAdmission {
  readonly #store: ParleyStore;
  readonly #defaults: Limits;
  readonly #limiter: RequestRateLimiter;

  /** `limiter`: where the per-minute buckets are kept; this process's memory unless given (one server alone). */
  constructor(config: { store: ParleyStore; defaults: Limits; limiter?: RequestRateLimiter }) {
    this.#store = config.store;
    this.#defaults = config.defaults;
    this.#limiter = config.limiter ?? new RateLimiter();
  }

  async admit(principal: Principal): Promise<void> {
    // One person on their own machine needs no limits against themselves.
    if (principal.via === "single-user") return;
    // The account was read to authenticate the request; its limits came with it, and a key's own with the key.
    const perMinute = principal.limits?.requestsPerMinute ?? this.#defaults.requestsPerMinute;
    const perDay = principal.limits?.tokensPerDay ?? this.#defaults.tokensPerDay;
    const key =
      principal.apiKeyId === undefined ? undefined : { id: principal.apiKeyId, ...principal.keyLimits };

    // The key's own limit first, so that a request it refuses does not use up its user's minute.
    if (key?.requestsPerMinute != null) {
      await this.#takeRequest(`key:${key.id}`, key.requestsPerMinute, "this API key's limit");
    }
    await this.#takeRequest(`user:${principal.userId}`, perMinute, "the limit");

    const now = Date.now();
    if (perDay !== null) {
      const used = await this.#store.usage.tokensOnDay(principal.userId, now);
      if (used >= perDay) throw quotaExceeded(`Today's token quota of ${perDay}`, used, now);
    }
    if (key?.tokensPerDay != null) {
      const used = await this.#store.usage.keyTokensOnDay(key.id, now);
      if (used >= key.tokensPerDay) {
        throw quotaExceeded(`This API key's token quota of ${key.tokensPerDay} for today`, used, now);
      }
    }
  }

  async #takeRequest(bucket: string, perMinute: number, limitName: string): Promise<void> {
    const decision = await this.#limiter.take(bucket, perMinute);
    if (!decision.allowed) {
      throw new RateLimitedError(
        `Too many requests: ${limitName} is ${perMinute} replies a minute. Try again in ${decision.retryAfterSeconds} s.`,
        decision.retryAfterSeconds,
      );
    }
  }
}

function quotaExceeded(quota: string, used: number, now: number): RateLimitedError {
  const startOfDay = Math.floor(now / DAY_MS) * DAY_MS;
  const retryAfterSeconds = Math.ceil((startOfDay + DAY_MS - now) / 1000);
  return new RateLimitedError(
    `${quota} is used up (${used} tokens); it renews at midnight UTC.`,
    retryAfterSeconds,
    "quota_exceeded",
  );
}
