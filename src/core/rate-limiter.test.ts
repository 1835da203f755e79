import { describe, expect, it } from "vitest";
import { RateLimiter } from "./rate-limiter.js";

describe("RateLimiter", () => {
  it("allows a minute's worth at once, then refuses with when to come back, then refills", () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    for (let request = 0; request < 3; request++) expect(limiter.take("user", 3)).toEqual({ allowed: true });
    expect(limiter.take("user", 3)).toEqual({ allowed: false, retryAfterSeconds: 20 });
    now += 20_000;
    expect(limiter.take("user", 3)).toEqual({ allowed: true });
    expect(limiter.take("user", 3).allowed).toBe(false);
  });

  it("keeps each key's bucket apart", () => {
    const limiter = new RateLimiter(() => 0);
    expect(limiter.take("a", 1).allowed).toBe(true);
    expect(limiter.take("a", 1).allowed).toBe(false);
    expect(limiter.take("b", 1).allowed).toBe(true);
  });

  it("drops the buckets that have refilled, once a minute when there are many, and keeps the ones in use", () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    expect(limiter.take("busy", 1).allowed).toBe(true);
    for (let index = 0; index < 1500; index++) limiter.take(`passer-by ${index}`, 60);
    now += 30_000;
    limiter.take("passer-by 0", 60);
    expect(limiter.size).toBe(1501);
    // A minute on, the passers-by's buckets are full again and go; the busy one, just used, stays empty.
    now += 30_000;
    expect(limiter.take("busy", 1).allowed).toBe(true);
    expect(limiter.size).toBe(1);
    expect(limiter.take("busy", 1).allowed).toBe(false);
  });
});
