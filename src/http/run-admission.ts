/** Decides whether a user may start another reply now: requests per minute (user and key) and tokens per day. */
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
    // The account was read to authenticate the request; its limits came with it.
    const perMinute = principal.limits?.requestsPerMinute ?? this.#defaults.requestsPerMinute;
    const perDay = principal.limits?.tokensPerDay ?? this.#defaults.tokensPerDay;

    for (const key of [
      `user:${principal.userId}`,
      ...(principal.apiKeyId ? [`key:${principal.apiKeyId}`] : []),
    ]) {
      const decision = await this.#limiter.take(key, perMinute);
      if (!decision.allowed) {
        throw new RateLimitedError(
          `Too many requests: the limit is ${perMinute} replies a minute. Try again in ${decision.retryAfterSeconds} s.`,
          decision.retryAfterSeconds,
        );
      }
    }

    if (perDay !== null) {
      const now = Date.now();
      const startOfDay = Math.floor(now / DAY_MS) * DAY_MS;
      const used = await this.#store.usage.tokensOnDay(principal.userId, now);
      if (used >= perDay) {
        const retryAfterSeconds = Math.ceil((startOfDay + DAY_MS - now) / 1000);
        throw new RateLimitedError(
          `Today's token quota of ${perDay} is used up (${used} tokens); it renews at midnight UTC.`,
          retryAfterSeconds,
          "quota_exceeded",
        );
      }
    }
  }
}
