import { describe, expect, it } from "vitest";
import { chooseModel, type RoutingCandidate } from "./routing-policy.js";

const model = (overrides: Partial<RoutingCandidate> & Pick<RoutingCandidate, "id">): RoutingCandidate => ({
  tier: "fast",
  contextWindow: 8000,
  pricing: { inputPerMillion: 1, outputPerMillion: 2 },
  modalities: ["text"],
  ready: true,
  promptTokens: 100,
  ...overrides,
});

const catalog = [
  model({
    id: "smart",
    tier: "smart",
    contextWindow: 200_000,
    pricing: { inputPerMillion: 15, outputPerMillion: 75 },
    modalities: ["text", "image"],
  }),
  model({
    id: "balanced",
    tier: "balanced",
    contextWindow: 200_000,
    pricing: { inputPerMillion: 3, outputPerMillion: 15 },
    modalities: ["text", "image"],
  }),
  model({ id: "fast-dear", tier: "fast", pricing: { inputPerMillion: 0.8, outputPerMillion: 4 } }),
  model({ id: "fast-cheap", tier: "fast", pricing: { inputPerMillion: 0.25, outputPerMillion: 1.25 } }),
];

describe("chooseModel", () => {
  it("picks the cheapest model of the lowest tier that fits", () => {
    expect(chooseModel(catalog, { reserveTokens: 1000, needsImage: false })).toMatchObject({
      modelId: "fast-cheap",
    });
  });

  it("sends an image to a model that reads images", () => {
    expect(chooseModel(catalog, { reserveTokens: 1000, needsImage: true })).toMatchObject({
      modelId: "balanced",
    });
  });

  it("sends a prompt longer than the fast models' window to a model that holds it", () => {
    const long = catalog.map((candidate) => ({ ...candidate, promptTokens: 50_000 }));
    const decision = chooseModel(long, { reserveTokens: 1000, needsImage: false });
    expect(decision.modelId).toBe("balanced");
    expect(decision.reason).toMatch(/holds 50000 prompt tokens/);
  });

  it("honours a minimum tier and skips models that are not ready", () => {
    expect(chooseModel(catalog, { reserveTokens: 0, needsImage: false, minimumTier: "smart" }).modelId).toBe(
      "smart",
    );
    const down = catalog.map((candidate) => ({ ...candidate, ready: candidate.id !== "fast-cheap" }));
    expect(chooseModel(down, { reserveTokens: 0, needsImage: false }).modelId).toBe("fast-dear");
  });

  it("says why when nothing fits", () => {
    const huge = catalog.map((candidate) => ({ ...candidate, promptTokens: 500_000 }));
    expect(chooseModel(huge, { reserveTokens: 1000, needsImage: false })).toEqual({
      modelId: null,
      reason:
        "the prompt does not fit any ready model (the largest holds 199000 prompt tokens with room for the reply)",
    });
    expect(chooseModel([], { reserveTokens: 0, needsImage: false }).reason).toBe("no model is ready");
  });
});
