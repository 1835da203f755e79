import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { useTestRedis } from "../../test/support/redis-test-server.js";
import { RedisConnection } from "./redis-connection.js";
import { RedisRateLimiter } from "./redis-rate-limiter.js";

const redis = useTestRedis();
const opened: RedisConnection[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((connection) => connection.close()));
});

/** A limiter with a connection of its own, as each server has. */
async function serverLimiter(errors: unknown[] = []) {
  const connection = await RedisConnection.open(redis.url(), () => {});
  opened.push(connection);
  return {
    connection,
    limiter: new RedisRateLimiter({ connection, onError: (error) => errors.push(error) }),
  };
}

/** A key no other test uses: the server outlives each test. */
function freshKey(): string {
  return `user:usr_${randomBytes(6).toString("hex")}`;
}

describe("RedisRateLimiter", () => {
  it("gives servers one bucket: a minute's worth across both, then 429 timing on either", async () => {
    const [first, second] = [await serverLimiter(), await serverLimiter()];
    const key = freshKey();
    expect(await first.limiter.take(key, 3)).toEqual({ allowed: true });
    expect(await second.limiter.take(key, 3)).toEqual({ allowed: true });
    expect(await first.limiter.take(key, 3)).toEqual({ allowed: true });
    // Empty: the next token is back 20 s (a third of a minute) from now, as the in-memory limiter says.
    expect(await second.limiter.take(key, 3)).toEqual({ allowed: false, retryAfterSeconds: 20 });
    expect(await first.limiter.take(key, 3)).toEqual({ allowed: false, retryAfterSeconds: 20 });
  });

  it("never lets servers taking at once share out more than the bucket holds", async () => {
    const servers = [await serverLimiter(), await serverLimiter(), await serverLimiter()];
    const key = freshKey();
    const decisions = await Promise.all(
      Array.from({ length: 30 }, (_, index) => servers[index % servers.length]?.limiter.take(key, 10)),
    );
    expect(decisions.filter((decision) => decision?.allowed)).toHaveLength(10);
  });

  it("keeps each key's bucket apart", async () => {
    const { limiter } = await serverLimiter();
    const [a, b] = [freshKey(), freshKey()];
    expect((await limiter.take(a, 1)).allowed).toBe(true);
    expect((await limiter.take(a, 1)).allowed).toBe(false);
    expect((await limiter.take(b, 1)).allowed).toBe(true);
  });

  it("counts on this server alone while Redis does not answer, and says so once", async () => {
    const errors: unknown[] = [];
    const { connection, limiter } = await serverLimiter(errors);
    await connection.close();
    const key = freshKey();
    expect(await limiter.take(key, 2)).toEqual({ allowed: true });
    expect(await limiter.take(key, 2)).toEqual({ allowed: true });
    expect((await limiter.take(key, 2)).allowed).toBe(false);
    expect(errors).toHaveLength(1);
  });
});
