/** A model as GET /api/models lists it (the server's catalog listing, restated here: web sees only HTTP). */
export type ModelTier = "fast" | "balanced" | "smart";

export type ModelListing = {
  id: string;
  label: string;
  provider: string;
  tier: ModelTier;
  contextWindow: number;
  pricing: { inputPerMillion: number; outputPerMillion: number };
  modalities: readonly string[];
  ready: boolean;
  status: { state: "ready" | "starting" | "restarting" | "failed" | "stopped"; message?: string };
  /** From `status` and the circuit breakers of the model's own endpoints. */
  availability: "available" | "degraded" | "unavailable";
  circuits: { closed: number; halfOpen: number; open: number };
  /** Degraded only by breakers that have cooled down: its next call tests whether it recovered, and `auto` sends it. */
  awaitingTrial: boolean;
  /** Whether it can be held to JSON replies (`response_format` on the compatible API). */
  structuredOutputs: boolean;
  speed: { ttftMsP50: number | null; tokensPerSecondP50: number | null; samples: number };
};

export type ModelList = { models: ModelListing[]; hint?: string };

export const MODEL_TIERS: readonly ModelTier[] = ["fast", "balanced", "smart"];
