import { describe, expect, it } from "vitest";
import { costOf } from "./usage-cost.js";

describe("costOf", () => {
  it("prices input and output tokens separately, per million", () => {
    // Sonnet-like prices: $3 in, $15 out. 1,200 in + 350 out = 0.0036 + 0.00525.
    expect(
      costOf({ inputTokens: 1200, outputTokens: 350 }, { inputPerMillion: 3, outputPerMillion: 15 }),
    ).toBe(0.00885);
    // Haiku-like: $0.25 in, $1.25 out, a million of each.
    expect(
      costOf({ inputTokens: 1e6, outputTokens: 1e6 }, { inputPerMillion: 0.25, outputPerMillion: 1.25 }),
    ).toBe(1.5);
  });

  it("is zero for free (local) models and for no tokens, and does not drift with float noise", () => {
    expect(
      costOf({ inputTokens: 5000, outputTokens: 900 }, { inputPerMillion: 0, outputPerMillion: 0 }),
    ).toBe(0);
    expect(costOf({ inputTokens: 0, outputTokens: 0 }, { inputPerMillion: 3, outputPerMillion: 15 })).toBe(0);
    expect(costOf({ inputTokens: 1, outputTokens: 1 }, { inputPerMillion: 0.1, outputPerMillion: 0.2 })).toBe(
      3e-7,
    );
  });
});

describe("costOf with a prompt cache", () => {
  // Sonnet-like prices with Anthropic's cache multipliers: $3 in, $0.30 cached read, $3.75 cache write, $15 out.
  const pricing = {
    inputPerMillion: 3,
    outputPerMillion: 15,
    cachedInputPerMillion: 0.3,
    cacheWritePerMillion: 3.75,
  };

  it("prices cached reads and cache writes at their own prices, and only the rest of the input at the input price", () => {
    // 10,000 in, of which 6,000 read and 3,000 written: 1,000 x 3 + 6,000 x 0.3 + 3,000 x 3.75 + 200 x 15.
    expect(
      costOf(
        { inputTokens: 10_000, outputTokens: 200, cachedInputTokens: 6000, cacheWriteInputTokens: 3000 },
        pricing,
      ),
    ).toBe(0.01905);
    // Reads only (an OpenAI-compatible upstream says nothing of writes).
    expect(costOf({ inputTokens: 1e6, outputTokens: 0, cachedInputTokens: 1e6 }, pricing)).toBe(0.3);
    // Writes only (the first turn of a conversation).
    expect(costOf({ inputTokens: 1e6, outputTokens: 0, cacheWriteInputTokens: 1e6 }, pricing)).toBe(3.75);
  });

  it("prices writes kept an hour at their own price, and at the write price when the pricing has none", () => {
    const hourly = { ...pricing, cacheWriteHourPerMillion: 6 };
    // 3,000 written, 1,000 of them for an hour: 2,000 x 3.75 + 1,000 x 6.
    const written = { inputTokens: 3000, outputTokens: 0, cacheWriteInputTokens: 3000 };
    expect(costOf({ ...written, cacheWriteHourInputTokens: 1000 }, hourly)).toBe(0.0135);
    expect(costOf({ ...written, cacheWriteHourInputTokens: 1000 }, pricing)).toBe(costOf(written, pricing));
  });

  it("prices cached and written tokens as plain input when the pricing has no cache prices", () => {
    const plain = { inputPerMillion: 3, outputPerMillion: 15 };
    expect(
      costOf(
        { inputTokens: 10_000, outputTokens: 200, cachedInputTokens: 6000, cacheWriteInputTokens: 3000 },
        plain,
      ),
    ).toBe(costOf({ inputTokens: 10_000, outputTokens: 200 }, plain));
  });

  it("charges no negative input when an upstream reports more cached tokens than the whole prompt", () => {
    expect(costOf({ inputTokens: 100, outputTokens: 0, cachedInputTokens: 150 }, pricing)).toBe(0.000045);
  });
});
