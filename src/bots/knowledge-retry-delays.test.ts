import { describe, expect, it } from "vitest";
import { AppError, ProviderError } from "../core/app-error.js";
import { DEFAULT_KNOWLEDGE_RETRY, KnowledgeRetryDelays } from "./knowledge-retry-delays.js";

const down = new ProviderError("The model failed with HTTP 503: overloaded", { statusCode: 503 });

function rateLimited(retryAfter: string): ProviderError {
  return new ProviderError("The model failed with HTTP 429: slow down", {
    statusCode: 429,
    details: { retryAfter },
  });
}

describe("the waits before embedding knowledge again after a failed run", () => {
  it("start at 5 s and are never longer than 5 minutes unless configured", () => {
    const delays = new KnowledgeRetryDelays();
    const waits = Array.from({ length: 9 }, () => delays.after(down));
    expect(waits).toEqual([5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
    expect(DEFAULT_KNOWLEDGE_RETRY).toEqual({ firstDelayMs: 5_000, maxDelayMs: 300_000 });
  });

  it("double with every failed run in a row up to the longest, and start again from the first after a success", () => {
    const delays = new KnowledgeRetryDelays({ firstDelayMs: 10, maxDelayMs: 50 });
    expect([delays.after(down), delays.after(down), delays.after(down), delays.after(down)]).toEqual([
      10, 20, 40, 50,
    ]);
    delays.reset();
    expect([delays.after(down), delays.after(down)]).toEqual([10, 20]);
  });

  it("wait as long as the upstream's Retry-After asks, held between the first and the longest wait", () => {
    const delays = new KnowledgeRetryDelays({ firstDelayMs: 1_000, maxDelayMs: 60_000 });
    expect(delays.after(rateLimited("7"))).toBe(7_000);
    // A wait of 0 on every run would ask again in a tight loop; a day would leave the knowledge to words for a day.
    expect(delays.after(rateLimited("0"))).toBe(1_000);
    expect(delays.after(rateLimited("86400"))).toBe(60_000);
    expect(delays.after(rateLimited(new Date(Date.now() + 30_000).toUTCString()))).toBeGreaterThan(28_000);
    // The runs that waited for the upstream counted as failures in a row all the same.
    expect(delays.after(down)).toBe(16_000);
  });

  it("read the wait of an error made for clients (a rate limit on every endpoint) in whole seconds", () => {
    const delays = new KnowledgeRetryDelays({ firstDelayMs: 100, maxDelayMs: 60_000 });
    const limited = new AppError("upstream_rate_limited", "try again in 3 s", {
      status: 429,
      details: { retryAfterSeconds: 3 },
    });
    expect(delays.after(limited)).toBe(3_000);
  });
});
