/** Token buckets per key (a user, an API key): a steady rate with a burst of one minute's worth. */

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Where the buckets are kept: in this process (RateLimiter), or somewhere all servers share (a Redis store) so that
 * several servers behind a load balancer allow a user the limit once, not once per server.
 */
export interface RequestRateLimiter {
  /** Takes one request from `key`'s bucket of `perMinute`; refuses, with when to come back, if it is empty. */
  take(key: string, perMinute: number): RateDecision | Promise<RateDecision>;
}

type Bucket = { tokens: number; updatedAt: number };

export class RateLimiter implements RequestRateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Takes one request from `key`'s bucket of `perMinute`; refuses, with when to come back, if it is empty. */
  take(key: string, perMinute: number): RateDecision {
    const now = this.#now();
    const refillPerMs = perMinute / 60_000;
    const bucket = this.#buckets.get(key) ?? { tokens: perMinute, updatedAt: now };
    bucket.tokens = Math.min(perMinute, bucket.tokens + (now - bucket.updatedAt) * refillPerMs);
    bucket.updatedAt = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / refillPerMs / 1000)),
    };
  }
}
