import { describe, expect, it } from "vitest";
import { type Availability, chooseModel, type RoutingCandidate } from "./routing-policy.js";

const model = (overrides: Partial<RoutingCandidate> & Pick<RoutingCandidate, "id">): RoutingCandidate => ({
  tier: "fast",
  contextWindow: 8000,
  pricing: { inputPerMillion: 1, outputPerMillion: 2 },
  modalities: ["text"],
  structuredOutputs: true,
  toolCalls: true,
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

  it("sends a request for JSON to the cheapest model that can be held to JSON, and says none can when none can", () => {
    const noJsonFast = catalog.map((candidate) => ({
      ...candidate,
      structuredOutputs: candidate.tier !== "fast",
    }));
    const decision = chooseModel(noJsonFast, { reserveTokens: 1000, needsImage: false, needsJson: true });
    expect(decision).toMatchObject({ modelId: "balanced" });
    expect(decision.reason).toMatch(/cheapest JSON-capable model/);
    // Without JSON asked for, the cheaper fast models are still chosen.
    expect(chooseModel(noJsonFast, { reserveTokens: 1000, needsImage: false }).modelId).toBe("fast-cheap");

    const none = catalog.map((candidate) => ({ ...candidate, structuredOutputs: false }));
    expect(chooseModel(none, { reserveTokens: 0, needsImage: false, needsJson: true })).toEqual({
      modelId: null,
      reason: "no model can be held to JSON replies",
      unavailable: [],
    });
  });

  it("sends a request with tools to the cheapest model that calls tools, and says none can when none can", () => {
    const noToolsFast = catalog.map((candidate) => ({ ...candidate, toolCalls: candidate.tier !== "fast" }));
    const decision = chooseModel(noToolsFast, { reserveTokens: 1000, needsImage: false, needsTools: true });
    expect(decision).toMatchObject({ modelId: "balanced" });
    expect(decision.reason).toMatch(/cheapest tool-calling model/);
    expect(chooseModel(noToolsFast, { reserveTokens: 1000, needsImage: false }).modelId).toBe("fast-cheap");

    const none = catalog.map((candidate) => ({ ...candidate, toolCalls: false }));
    expect(chooseModel(none, { reserveTokens: 0, needsImage: false, needsTools: true })).toEqual({
      modelId: null,
      reason: "no model calls tools",
      unavailable: [],
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

  it("says why when nothing fits, and that the request itself must change", () => {
    const huge = catalog.map((candidate) => ({ ...candidate, promptTokens: 500_000 }));
    expect(chooseModel(huge, { reserveTokens: 1000, needsImage: false })).toEqual({
      modelId: null,
      reason:
        "the prompt does not fit any model (the largest holds 199000 prompt tokens with room for the reply)",
      unavailable: [],
    });
    expect(chooseModel([], { reserveTokens: 0, needsImage: false }).reason).toBe("no model is served");
    const textOnly = catalog.filter((candidate) => !candidate.modalities.includes("image"));
    expect(chooseModel(textOnly, { reserveTokens: 0, needsImage: true }).reason).toBe(
      "no model reads images",
    );
    expect(chooseModel(textOnly, { reserveTokens: 0, needsImage: false, minimumTier: "smart" }).reason).toBe(
      "no model of the smart tier or above is served",
    );
  });
});

describe("chooseModel with live availability", () => {
  const withAvailability = (availability: Record<string, Availability>) =>
    catalog.map((candidate) => ({ ...candidate, availability: availability[candidate.id] ?? "available" }));

  it("passes over an unavailable cheapest model for the next cheapest that fits, and says so", () => {
    const decision = chooseModel(withAvailability({ "fast-cheap": "unavailable" }), {
      reserveTokens: 1000,
      needsImage: false,
    });
    expect(decision).toEqual({
      modelId: "fast-dear",
      reason:
        "fast tier, the cheapest model that holds 100 prompt tokens (of 3 that fit); passed over fast-cheap (unavailable right now)",
    });
  });

  it("prefers an available model to a degraded one, even of a higher tier", () => {
    const decision = chooseModel(withAvailability({ "fast-cheap": "degraded", "fast-dear": "unavailable" }), {
      reserveTokens: 1000,
      needsImage: false,
    });
    expect(decision.modelId).toBe("balanced");
    expect(decision.reason).toMatch(
      /; passed over fast-cheap \(degraded right now\), fast-dear \(unavailable right now\)$/,
    );
  });

  it("takes a degraded model when no fitting model is fully available, and says it is degraded", () => {
    const decision = chooseModel(
      withAvailability({
        "fast-cheap": "unavailable",
        "fast-dear": "degraded",
        balanced: "degraded",
        smart: "unavailable",
      }),
      { reserveTokens: 1000, needsImage: false },
    );
    expect(decision.modelId).toBe("fast-dear");
    expect(decision.reason).toMatch(
      /passed over fast-cheap \(unavailable right now\); fast-dear is degraded/,
    );
  });

  it("treats a model that is not ready as unavailable, whatever its breakers say", () => {
    const decision = chooseModel(
      catalog.map((candidate) => ({ ...candidate, ready: candidate.id !== "fast-cheap" })),
      { reserveTokens: 0, needsImage: false },
    );
    expect(decision.modelId).toBe("fast-dear");
    expect(decision.reason).toMatch(/passed over fast-cheap \(unavailable right now\)/);
  });

  it("never picks an unavailable model: when every fitting model is unavailable it names them instead", () => {
    const decision = chooseModel(withAvailability({ balanced: "unavailable", smart: "unavailable" }), {
      reserveTokens: 1000,
      needsImage: true,
    });
    expect(decision).toEqual({
      modelId: null,
      reason: "every model that fits is unavailable right now (balanced, smart)",
      unavailable: ["balanced", "smart"],
    });
  });

  it("tries a model back from its cool-down where it ranks, backed by the model that would answer otherwise", () => {
    const candidates = withAvailability({ "fast-cheap": "degraded" }).map((candidate) => ({
      ...candidate,
      awaitingTrial: candidate.id === "fast-cheap",
    }));
    const decision = chooseModel(candidates, { reserveTokens: 1000, needsImage: false });
    expect(decision).toEqual({
      modelId: "fast-cheap",
      fallbackId: "fast-dear",
      reason:
        "fast tier, the cheapest model that holds 100 prompt tokens (of 4 that fit); fast-cheap is back from its cool-down after failing, and this request is its trial, fast-dear answering if it fails",
    });
  });

  it("passes over a model whose trial call is under way, as any degraded model", () => {
    // Degraded, and not awaiting a trial: its one trial call is out, so the next request goes elsewhere.
    const decision = chooseModel(withAvailability({ "fast-cheap": "degraded" }), {
      reserveTokens: 1000,
      needsImage: false,
    });
    expect(decision).toMatchObject({ modelId: "fast-dear" });
    expect(decision).not.toHaveProperty("fallbackId");
  });

  it("tries a model awaiting its trial alone when no other model can answer", () => {
    const candidates = withAvailability({
      "fast-cheap": "degraded",
      "fast-dear": "unavailable",
      balanced: "unavailable",
      smart: "unavailable",
    }).map((candidate) => ({ ...candidate, awaitingTrial: candidate.id === "fast-cheap" }));
    const decision = chooseModel(candidates, { reserveTokens: 1000, needsImage: false });
    expect(decision).toMatchObject({ modelId: "fast-cheap" });
    expect(decision).not.toHaveProperty("fallbackId");
    expect(decision.reason).toMatch(
      /fast-cheap is back from its cool-down after failing, and this request is its trial$/,
    );
  });

  it("does not count an unavailable model that would not fit anyway as a reason to wait", () => {
    // The smart model is down, but the prompt fits no model's window: the request must change, not wait.
    const huge = withAvailability({ smart: "unavailable" }).map((candidate) => ({
      ...candidate,
      promptTokens: 500_000,
    }));
    expect(chooseModel(huge, { reserveTokens: 0, needsImage: false })).toMatchObject({
      modelId: null,
      unavailable: [],
    });
  });
});
