/** What a reply cost: tokens times the model's price per million, in US dollars. */
import type { Usage } from "./run-event.js";

export type Pricing = {
  /** USD per million input (prompt) tokens, those read from or written to a prompt cache aside (below). */
  inputPerMillion: number;
  /** USD per million output (generated) tokens. */
  outputPerMillion: number;
  /** USD per million input tokens read from the provider's prompt cache; the input price when absent. */
  cachedInputPerMillion?: number;
  /** USD per million input tokens written to the provider's prompt cache; the input price when absent. */
  cacheWritePerMillion?: number;
  /** USD per million of those written to be kept an hour; the write price when absent. */
  cacheWriteHourPerMillion?: number;
};

/** Rounded to a millionth of a cent, so sums of many replies do not drift with float noise. */
export function costOf(
  usage: Pick<
    Usage,
    | "inputTokens"
    | "outputTokens"
    | "cachedInputTokens"
    | "cacheWriteInputTokens"
    | "cacheWriteHourInputTokens"
  >,
  pricing: Pricing,
): number {
  const cached = usage.cachedInputTokens ?? 0;
  const written = usage.cacheWriteInputTokens ?? 0;
  const forAnHour = Math.min(written, usage.cacheWriteHourInputTokens ?? 0);
  const writePrice = pricing.cacheWritePerMillion ?? pricing.inputPerMillion;
  // `inputTokens` counts the cached and written tokens too; an upstream that reports more of them than the whole
  // prompt is not believed into a negative charge.
  const plain = Math.max(0, usage.inputTokens - cached - written);
  const dollars =
    (plain * pricing.inputPerMillion +
      cached * (pricing.cachedInputPerMillion ?? pricing.inputPerMillion) +
      (written - forAnHour) * writePrice +
      forAnHour * (pricing.cacheWriteHourPerMillion ?? writePrice) +
      usage.outputTokens * pricing.outputPerMillion) /
    1e6;
  return Math.round(dollars * 1e8) / 1e8;
}
