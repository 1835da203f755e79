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

type Bucket = { tokens: number; updatedAt: number; perMinute: number };

/** Past this many buckets, the full ones are dropped once a minute: a full bucket is the same as none. */
const PRUNE_AT = 1024;
/** Every bucket refills within a minute, so one not used for a minute is full. */
const MINUTE_MS = 60_000;

export class RateLimiter implements RequestRateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;
  /** Keys can come from anyone (sign-in attempts are counted by the email typed), so the buckets are pruned. */
  #prunedAt: number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
    this.#prunedAt = now();
  }

  /** Takes one request from `key`'s bucket of `perMinute`; refuses, with when to come back, if it is empty. */
  take(key: string, perMinute: number): RateDecision {
    const now = this.#now();
    const refillPerMs = perMinute / 60_000;
    const bucket = this.#buckets.get(key) ?? { tokens: perMinute, updatedAt: now, perMinute };
    bucket.tokens = Math.min(perMinute, bucket.tokens + (now - bucket.updatedAt) * refillPerMs);
    bucket.updatedAt = now;
    bucket.perMinute = perMinute;
    this.#buckets.set(key, bucket);
    const decision: RateDecision =
      bucket.tokens >= 1
        ? { allowed: true }
        : {
            allowed: false,
            retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / refillPerMs / 1000)),
          };
    if (decision.allowed) bucket.tokens -= 1;
    // After the take, so that the bucket just used is not dropped as full.
    if (this.#buckets.size > PRUNE_AT && now - this.#prunedAt >= MINUTE_MS) this.#prune(now);
    return decision;
  }

  /** Buckets kept now. */
  get size(): number {
    return this.#buckets.size;
  }

  #prune(now: number): void {
    this.#prunedAt = now;
    for (const [key, bucket] of this.#buckets) {
      const refilled = bucket.tokens + ((now - bucket.updatedAt) * bucket.perMinute) / MINUTE_MS;
      if (refilled >= bucket.perMinute) this.#buckets.delete(key);
    }
  }
}
