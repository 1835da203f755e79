/**
 * Per-minute limits counted on Redis, once for all servers: the same token buckets as the in-memory RateLimiter
 * (a steady rate with a burst of one minute's worth), each taken from in one script so that servers taking from
 * one bucket at once never both get its last token. Redis's clock times every bucket, whatever the servers' say.
 */
import { type RateDecision, RateLimiter, type RequestRateLimiter } from "../core/rate-limiter.js";
import type { RedisConnection } from "./redis-connection.js";

const KEY_PREFIX = "parley:rate:";

/**
 * A bucket left alone for a minute has refilled whole, so it may expire then: a missing bucket is a full one.
 * Returns {1, 0} when a token was taken, {0, seconds until one is back} when the bucket is empty.
 */
const TAKE_TOKEN = `
local perMinute = tonumber(ARGV[1])
local clock = redis.call("TIME")
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local refillPerMs = perMinute / 60000
local bucket = redis.call("HMGET", KEYS[1], "tokens", "updatedAt")
local tokens = tonumber(bucket[1])
local updatedAt = tonumber(bucket[2])
if tokens == nil or updatedAt == nil then
  tokens = perMinute
  updatedAt = now
end
tokens = math.min(perMinute, tokens + math.max(0, now - updatedAt) * refillPerMs)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call("HSET", KEYS[1], "tokens", string.format("%.17g", tokens), "updatedAt", string.format("%d", now))
redis.call("PEXPIRE", KEYS[1], 60000)
if allowed == 1 then
  return {1, 0}
end
return {0, math.max(1, math.ceil((1 - tokens) / refillPerMs / 1000))}
`;

type TakeToken = { parleyTakeToken(key: string, perMinute: number): Promise<[number, number]> };

export type RedisRateLimiterConfig = {
  connection: RedisConnection;
  /** Told when Redis fails (once, until it answers again); meanwhile this process counts on its own. */
  onError: (error: unknown) => void;
};

export class RedisRateLimiter implements RequestRateLimiter {
  readonly #client: TakeToken;
  readonly #onError: (error: unknown) => void;
  /** While Redis is unreachable: limits per server rather than none, or no replies at all. */
  readonly #fallback = new RateLimiter();
  #failing = false;

  constructor(config: RedisRateLimiterConfig) {
    const { client } = config.connection;
    // Sent once by its hash (EVALSHA), and again whole if Redis restarted and forgot it.
    client.defineCommand("parleyTakeToken", { numberOfKeys: 1, lua: TAKE_TOKEN });
    this.#client = client as unknown as TakeToken;
    this.#onError = config.onError;
  }

  async take(key: string, perMinute: number): Promise<RateDecision> {
    try {
      const [allowed, retryAfterSeconds] = await this.#client.parleyTakeToken(
        `${KEY_PREFIX}${key}`,
        perMinute,
      );
      this.#failing = false;
      return allowed === 1 ? { allowed: true } : { allowed: false, retryAfterSeconds };
    } catch (error) {
      if (!this.#failing) this.#onError(error);
      this.#failing = true;
      return this.#fallback.take(key, perMinute);
    }
  }
}
