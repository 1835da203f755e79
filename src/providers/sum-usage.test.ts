import { describe, expect, it } from "vitest";
import { sumUsage } from "./sum-usage.js";

describe("sumUsage", () => {
  it("adds up cached reads and cache writes as it does input and output, counting a call that did not say as none", () => {
    const first = { type: "usage" as const, inputTokens: 1000, outputTokens: 10, cacheWriteInputTokens: 900 };
    const second = {
      type: "usage" as const,
      inputTokens: 1200,
      outputTokens: 20,
      cachedInputTokens: 900,
      cacheWriteInputTokens: 250,
    };
    expect(sumUsage(first, second)).toEqual({
      type: "usage",
      inputTokens: 2200,
      outputTokens: 30,
      cachedInputTokens: 900,
      cacheWriteInputTokens: 1150,
    });
  });

  it("leaves out what no call reported, rather than claim none was cached", () => {
    expect(
      sumUsage(
        { type: "usage", inputTokens: 5, outputTokens: 1 },
        { type: "usage", inputTokens: 7, outputTokens: 2 },
      ),
    ).toEqual({ type: "usage", inputTokens: 12, outputTokens: 3 });
  });
});
