/** How numbers about models and replies read: costs, prices, token counts, durations and speeds. */

export function formatCost(usd: number, locale: string): string {
  // Replies often cost fractions of a cent; show enough digits to tell them apart.
  const digits = usd === 0 ? 2 : usd < 0.01 ? 4 : usd < 1 ? 3 : 2;
  return new Intl.NumberFormat(locale, {
    style: "currency",
    currency: "USD",
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(usd);
}

export function formatPrice(usdPerMillion: number, locale: string): string {
  return new Intl.NumberFormat(locale, {
    style: "currency",
    currency: "USD",
    minimumFractionDigits: usdPerMillion < 1 && usdPerMillion > 0 ? 3 : 2,
    maximumFractionDigits: 3,
  }).format(usdPerMillion);
}

export function formatCount(value: number, locale: string): string {
  return new Intl.NumberFormat(locale).format(value);
}

/** 2048 -> "2K", 128000 -> "128K", 1000000 -> "1M". */
export function formatContextWindow(tokens: number, locale: string): string {
  return new Intl.NumberFormat(locale, { notation: "compact", maximumFractionDigits: 1 }).format(tokens);
}

export function formatDuration(ms: number, locale: string): string {
  if (ms < 1000) return `${formatCount(Math.round(ms), locale)} ms`;
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(ms / 1000)} s`;
}

export function formatSpeed(tokensPerSecond: number, locale: string): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: tokensPerSecond < 10 ? 1 : 0 }).format(
    tokensPerSecond,
  );
}

/** The cost of a reply: what the server reported, else what the model's prices say. */
export function replyCost(
  usage: { inputTokens: number; outputTokens: number; costUsd?: number },
  pricing: { inputPerMillion: number; outputPerMillion: number } | undefined,
): number | null {
  if (usage.costUsd !== undefined) return usage.costUsd;
  if (!pricing) return null;
  return (
    (usage.inputTokens * pricing.inputPerMillion + usage.outputTokens * pricing.outputPerMillion) / 1_000_000
  );
}
