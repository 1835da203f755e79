/** Adds up what several calls that made one reply used: retries, fallbacks, the sections of a long article. */
import type { UsagePart } from "./chat-model.js";

export function sumUsage(total: UsagePart, more: UsagePart): UsagePart {
  const cached = sumOfKnown(total.cachedInputTokens, more.cachedInputTokens);
  const written = sumOfKnown(total.cacheWriteInputTokens, more.cacheWriteInputTokens);
  const writtenForAnHour = sumOfKnown(total.cacheWriteHourInputTokens, more.cacheWriteHourInputTokens);
  return {
    type: "usage",
    inputTokens: total.inputTokens + more.inputTokens,
    outputTokens: total.outputTokens + more.outputTokens,
    ...(cached !== undefined && { cachedInputTokens: cached }),
    ...(written !== undefined && { cacheWriteInputTokens: written }),
    ...(writtenForAnHour !== undefined && { cacheWriteHourInputTokens: writtenForAnHour }),
  };
}

/** Undefined while no call said; a call that did not say counts none. */
function sumOfKnown(total: number | undefined, more: number | undefined): number | undefined {
  return total === undefined && more === undefined ? undefined : (total ?? 0) + (more ?? 0);
}
