/** What a reply cost: tokens times the model's price per million, in US dollars. */
import type { Usage } from "./run-event.js";

export type Pricing = {
  /** USD per million input (prompt) tokens. */
  inputPerMillion: number;
  /** USD per million output (generated) tokens. */
  outputPerMillion: number;
};

/** Rounded to a millionth of a cent, so sums of many replies do not drift with float noise. */
export function costOf(usage: Pick<Usage, "inputTokens" | "outputTokens">, pricing: Pricing): number {
  const dollars =
    (usage.inputTokens * pricing.inputPerMillion + usage.outputTokens * pricing.outputPerMillion) / 1e6;
  return Math.round(dollars * 1e8) / 1e8;
}
