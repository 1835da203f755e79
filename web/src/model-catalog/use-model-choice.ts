/** Which model the user picked ("auto" lets the server choose), remembered across visits. */
import { useCallback, useState } from "react";
import { MODEL_TIERS, type ModelListing } from "../api/model-listing.js";

export const AUTO_MODEL = "auto";
const STORAGE_KEY = "parley.model";

export function useModelChoice(): [string, (choice: string) => void] {
  const [choice, setChoiceState] = useState(() => {
    try {
      return localStorage.getItem(STORAGE_KEY) ?? AUTO_MODEL;
    } catch {
      return AUTO_MODEL;
    }
  });
  const setChoice = useCallback((next: string) => {
    setChoiceState(next);
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Private mode: remembered for this page only.
    }
  }, []);
  return [choice, setChoice];
}

/** The model to name in requests: "auto" (the server's routing policy chooses) unless a served model was picked. */
export function requestedModel(choice: string, models: readonly ModelListing[]): string {
  return models.some((model) => model.id === choice) ? choice : AUTO_MODEL;
}

/**
 * The model that will likely answer: the chosen one, or for auto what the server's policy picks for a short
 * prompt: among the models that can answer now, available (or awaiting the trial call that `auto` sends it) before
 * degraded, then the lowest tier, then the cheapest. The reply's footer says what it was.
 */
export function answeringModel(choice: string, models: readonly ModelListing[]): ModelListing | undefined {
  const requested = requestedModel(choice, models);
  if (requested !== AUTO_MODEL) return models.find((model) => model.id === requested);
  const blended = (model: ModelListing) => 3 * model.pricing.inputPerMillion + model.pricing.outputPerMillion;
  const degraded = (model: ModelListing) =>
    model.availability === "degraded" && !model.awaitingTrial ? 1 : 0;
  const answering = models.filter((model) => model.ready && model.availability !== "unavailable");
  return (
    [...answering].sort(
      (a, b) =>
        degraded(a) - degraded(b) ||
        MODEL_TIERS.indexOf(a.tier) - MODEL_TIERS.indexOf(b.tier) ||
        blended(a) - blended(b),
    )[0] ?? models[0]
  );
}
