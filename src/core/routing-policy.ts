/**
 * `auto` routing, as the Claude 3 family is meant to be used: the cheapest tier that can do the job. A model
 * fits when it reads the request's kinds of input and holds the prompt with room for the reply; among those that
 * fit, one that can answer now wins over one that is degraded, and one that is unavailable is never chosen.
 *
 * A model whose breakers' cool-down has passed is tried again where its price and tier rank it, one request at a
 * time, with the model that would answer otherwise as that request's fallback: so a model that recovered is used
 * again, and a trial that fails costs its request no more than the time it took.
 */
export type Tier = "fast" | "balanced" | "smart";

export const TIERS: readonly Tier[] = ["fast", "balanced", "smart"];

/**
 * Whether a model can answer now: `unavailable` when it is not ready or every endpoint's breaker is open,
 * `degraded` when some of its endpoints are shut out or on trial.
 */
export type Availability = "available" | "degraded" | "unavailable";

export type RoutingCandidate = {
  id: string;
  tier: Tier;
  contextWindow: number;
  /** USD per million tokens. */
  pricing: { inputPerMillion: number; outputPerMillion: number };
  modalities: readonly string[];
  /** Whether the model can be held to JSON replies. */
  structuredOutputs: boolean;
  /** Whether the model calls tools the request offers. */
  toolCalls: boolean;
  ready: boolean;
  /** From the model's circuit breakers; `available` when absent. A model that is not ready is unavailable. */
  availability?: Availability;
  /**
   * Degraded only by breakers whose cool-down has passed, none of their trial calls under way: the next call tests
   * whether the model recovered.
   */
  awaitingTrial?: boolean;
  /** The prompt's size in this model's tokens. */
  promptTokens: number;
};

export type RoutingRequest = {
  /** Tokens kept free for the reply. */
  reserveTokens: number;
  needsImage: boolean;
  /** The reply must be JSON (`response_format`): only models that can be held to it fit. */
  needsJson?: boolean;
  /** The request offers tools the model may call: only models that call tools fit. */
  needsTools?: boolean;
  /** The lowest tier to consider (`tier: "balanced"` asks for balanced or better). */
  minimumTier?: Tier;
};

export type RoutingDecision =
  | {
      modelId: string;
      reason: string;
      /** For a model's trial call: the model that answers if the trial fails, when one can. */
      fallbackId?: string;
    }
  | {
      modelId: null;
      reason: string;
      /**
       * The models that fit the request but cannot answer now: when there are any, the request is fine and
       * only needs waiting for (a 503), where none fitting at all means the request must change (a 400).
       */
      unavailable: readonly string[];
    };

export function chooseModel(
  candidates: readonly RoutingCandidate[],
  request: RoutingRequest,
): RoutingDecision {
  const lowest = TIERS.indexOf(request.minimumTier ?? "fast");
  // Lowest tier first, then the cheapest; the catalog's order breaks ties. This is the choice when all is well.
  const fitting = candidates
    .filter(
      (candidate) =>
        TIERS.indexOf(candidate.tier) >= lowest &&
        (!request.needsImage || candidate.modalities.includes("image")) &&
        (!request.needsJson || candidate.structuredOutputs) &&
        (!request.needsTools || candidate.toolCalls) &&
        candidate.promptTokens + request.reserveTokens <= candidate.contextWindow,
    )
    .sort((a, b) => TIERS.indexOf(a.tier) - TIERS.indexOf(b.tier) || blendedPrice(a) - blendedPrice(b));
  if (fitting.length === 0) return { modelId: null, reason: whyNone(candidates, request), unavailable: [] };

  const answering = fitting.filter((candidate) => availabilityOf(candidate) !== "unavailable");
  // Available before degraded: a degraded model answers, but with some endpoints shut out it is likelier to fail.
  // A model awaiting its trial ranks as available, so that it is tried again; what would answer otherwise backs it.
  const fullyAvailable = answering.filter((candidate) => availabilityOf(candidate) === "available");
  const best =
    answering.find((candidate) => availabilityOf(candidate) === "available" || isAwaitingTrial(candidate)) ??
    answering.at(0);
  if (!best) {
    const unavailable = fitting.map((candidate) => candidate.id);
    return {
      modelId: null,
      reason: `every model that fits is unavailable right now (${unavailable.join(", ")})`,
      unavailable,
    };
  }

  const fallback = isAwaitingTrial(best)
    ? (fullyAvailable[0] ?? answering.find((candidate) => candidate !== best && !isAwaitingTrial(candidate)))
    : undefined;
  const others = answering.length - 1;
  const passedOver = fitting
    .slice(0, fitting.indexOf(best))
    .map((candidate) => `${candidate.id} (${availabilityOf(candidate)} right now)`);
  return {
    modelId: best.id,
    reason: [
      `${best.tier} tier, the cheapest ${request.needsImage ? "image-reading " : ""}${request.needsJson ? "JSON-capable " : ""}${request.needsTools ? "tool-calling " : ""}model that holds ${best.promptTokens} prompt tokens${others > 0 ? ` (of ${answering.length} that fit)` : ""}`,
      ...(passedOver.length > 0 ? [`passed over ${passedOver.join(", ")}`] : []),
      ...(isAwaitingTrial(best)
        ? [
            `${best.id} is back from its cool-down after failing, and this request is its trial${fallback ? `, ${fallback.id} answering if it fails` : ""}`,
          ]
        : availabilityOf(best) === "degraded"
          ? [`${best.id} is degraded, but no model that fits is fully available`]
          : []),
    ].join("; "),
    ...(fallback && { fallbackId: fallback.id }),
  };
}

function isAwaitingTrial(candidate: RoutingCandidate): boolean {
  return availabilityOf(candidate) === "degraded" && candidate.awaitingTrial === true;
}

function availabilityOf(candidate: RoutingCandidate): Availability {
  return candidate.ready ? (candidate.availability ?? "available") : "unavailable";
}

/** Prompts are usually much longer than replies, so input price weighs three times as much. */
function blendedPrice(candidate: RoutingCandidate): number {
  return 3 * candidate.pricing.inputPerMillion + candidate.pricing.outputPerMillion;
}

function whyNone(candidates: readonly RoutingCandidate[], request: RoutingRequest): string {
  if (candidates.length === 0) return "no model is served";
  const lowest = TIERS.indexOf(request.minimumTier ?? "fast");
  const scope = request.minimumTier ? ` of the ${request.minimumTier} tier or above` : "";
  const inTier = candidates.filter((candidate) => TIERS.indexOf(candidate.tier) >= lowest);
  if (inTier.length === 0) return `no model${scope} is served`;
  const seeing = inTier.filter((candidate) => !request.needsImage || candidate.modalities.includes("image"));
  if (seeing.length === 0) return `no model${scope} reads images`;
  const json = seeing.filter((candidate) => !request.needsJson || candidate.structuredOutputs);
  if (json.length === 0) {
    return `no model${scope}${request.needsImage ? " that reads images" : ""} can be held to JSON replies`;
  }
  const calling = json.filter((candidate) => !request.needsTools || candidate.toolCalls);
  if (calling.length === 0)
    return `no model${scope}${request.needsImage ? " that reads images" : ""} calls tools`;
  const widest = Math.max(...calling.map((candidate) => candidate.contextWindow - request.reserveTokens));
  return `the prompt does not fit any model${scope} (the largest holds ${widest} prompt tokens with room for the reply)`;
}
