/** Adds up what several calls that made one reply used: retries, fallbacks, the sections of a long article. */
import type { ChatStreamPart } from "./chat-model.js";

export type UsagePart = Extract<ChatStreamPart, { type: "usage" }>;

export function sumUsage(total: UsagePart, more: UsagePart): UsagePart {
  const cached =
    total.cachedInputTokens === undefined && more.cachedInputTokens === undefined
      ? undefined
      : (total.cachedInputTokens ?? 0) + (more.cachedInputTokens ?? 0);
  return {
    type: "usage",
    inputTokens: total.inputTokens + more.inputTokens,
    outputTokens: total.outputTokens + more.outputTokens,
    ...(cached !== undefined && { cachedInputTokens: cached }),
  };
}
