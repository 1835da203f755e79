/** A model as GET /api/models lists it, ready and available, for tests of the web app's pure parts. */
import type { ModelListing } from "../../web/src/api/model-listing.js";

export function modelListing(id: string, extra: Partial<ModelListing> = {}): ModelListing {
  return {
    id,
    label: id,
    provider: "openai-compatible",
    tier: "fast",
    contextWindow: 8192,
    pricing: { inputPerMillion: 1, outputPerMillion: 2 },
    modalities: ["text"],
    ready: true,
    status: { state: "ready" },
    availability: "available",
    circuits: { closed: 1, halfOpen: 0, open: 0 },
    awaitingTrial: false,
    structuredOutputs: true,
    speed: { ttftMsP50: null, tokensPerSecondP50: null, samples: 0 },
    ...extra,
  };
}
