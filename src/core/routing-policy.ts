/**
 * `auto` routing, as the Claude 3 family is meant to be used: the cheapest tier that can do the job. A model
 * fits when it is ready, reads the request's kinds of input, and holds the prompt with room for the reply.
 */
export type Tier = "fast" | "balanced" | "smart";

export const TIERS: readonly Tier[] = ["fast", "balanced", "smart"];

export type RoutingCandidate = {
  id: string;
  tier: Tier;
  contextWindow: number;
  /** USD per million tokens. */
  pricing: { inputPerMillion: number; outputPerMillion: number };
  modalities: readonly string[];
  ready: boolean;
  /** The prompt's size in this model's tokens. */
  promptTokens: number;
};

export type RoutingRequest = {
  /** Tokens kept free for the reply. */
  reserveTokens: number;
  needsImage: boolean;
  /** The lowest tier to consider (`tier: "balanced"` asks for balanced or better). */
  minimumTier?: Tier;
};

export type RoutingDecision = { modelId: string; reason: string } | { modelId: null; reason: string };

export function chooseModel(
  candidates: readonly RoutingCandidate[],
  request: RoutingRequest,
): RoutingDecision {
  const lowest = TIERS.indexOf(request.minimumTier ?? "fast");
  const fitting = candidates.filter(
    (candidate) =>
      candidate.ready &&
      TIERS.indexOf(candidate.tier) >= lowest &&
      (!request.needsImage || candidate.modalities.includes("image")) &&
      candidate.promptTokens + request.reserveTokens <= candidate.contextWindow,
  );
  // Lowest tier first, then the cheapest; the catalog's order breaks ties.
  const [best] = [...fitting].sort(
    (a, b) => TIERS.indexOf(a.tier) - TIERS.indexOf(b.tier) || blendedPrice(a) - blendedPrice(b),
  );
  if (!best) return { modelId: null, reason: whyNone(candidates, request) };
  const others = fitting.length - 1;
  return {
    modelId: best.id,
    reason: `${best.tier} tier, the cheapest ${request.needsImage ? "image-reading " : ""}model that holds ${best.promptTokens} prompt tokens${others > 0 ? ` (of ${fitting.length} that fit)` : ""}`,
  };
}

/** Prompts are usually much longer than replies, so input price weighs three times as much. */
function blendedPrice(candidate: RoutingCandidate): number {
  return 3 * candidate.pricing.inputPerMillion + candidate.pricing.outputPerMillion;
}

function whyNone(candidates: readonly RoutingCandidate[], request: RoutingRequest): string {
  const ready = candidates.filter((candidate) => candidate.ready);
  if (ready.length === 0) return "no model is ready";
  const seeing = ready.filter((candidate) => !request.needsImage || candidate.modalities.includes("image"));
  if (seeing.length === 0) return "no ready model reads images";
  const widest = Math.max(...seeing.map((candidate) => candidate.contextWindow - request.reserveTokens));
  return `the prompt does not fit any ready model (the largest holds ${widest} prompt tokens with room for the reply)`;
}
