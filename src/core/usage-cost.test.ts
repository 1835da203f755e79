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
