/** A model's prices as its config gives them, with prompt-cache prices filled in where the config says none. */
import type { RemoteModelConfig } from "../config/config-schema.js";
import type { Pricing } from "../core/usage-cost.js";
import type { ModelInfo } from "../runs/model-catalog.js";

/**
 * Anthropic's published multipliers of the input price: a cache read costs a tenth of it, a write to the
 * (default, 5-minute) cache a quarter more, and a write to be kept an hour twice the input price.
 */
const ANTHROPIC_CACHED_INPUT_MULTIPLIER = 0.1;
const ANTHROPIC_CACHE_WRITE_MULTIPLIER = 1.25;
const ANTHROPIC_CACHE_WRITE_HOUR_MULTIPLIER = 2;

export function modelPricing(
  pricing: Partial<RemoteModelConfig["pricing"]> | undefined,
  provider: ModelInfo["provider"],
): Pricing {
  const input = pricing?.input ?? 0;
  // Any other server (OpenAI-compatible, Parley's engine) may discount cached tokens or not, by its own rules:
  // priced as plain input, a reply never costs less than the config's prices say.
  const [cachedMultiplier, writeMultiplier, hourMultiplier] =
    provider === "anthropic"
      ? [
          ANTHROPIC_CACHED_INPUT_MULTIPLIER,
          ANTHROPIC_CACHE_WRITE_MULTIPLIER,
          ANTHROPIC_CACHE_WRITE_HOUR_MULTIPLIER,
        ]
      : [1, 1, 1];
  const cacheWrite = pricing?.cacheWrite ?? roundPrice(input * writeMultiplier);
  return {
    inputPerMillion: input,
    outputPerMillion: pricing?.output ?? 0,
    cachedInputPerMillion: pricing?.cachedInput ?? roundPrice(input * cachedMultiplier),
    cacheWritePerMillion: cacheWrite,
    // Another server's hour-long writes, if it had any, are priced as its writes.
    cacheWriteHourPerMillion:
      pricing?.cacheWriteHour ?? (provider === "anthropic" ? roundPrice(input * hourMultiplier) : cacheWrite),
  };
}

/** 3 x 0.1 is 0.30000000000000004 in floating point; prices are shown, so they are kept to what was meant. */
function roundPrice(usdPerMillion: number): number {
  return Math.round(usdPerMillion * 1e9) / 1e9;
}
