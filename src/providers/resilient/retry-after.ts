/** How an upstream's `Retry-After` travels from a provider's error mapping to the retry policy, in one place. */
import { ProviderError } from "../../core/app-error.js";

type HeaderSource = { get(name: string): string | null | undefined } | undefined;

/**
 * The `details` a provider puts on a ProviderError so the retry policy can honour the upstream's wait. The
 * header values are kept raw, because an HTTP date is only meaningful against the clock of whoever reads it.
 */
export function retryAfterDetails(headers: HeaderSource): Record<string, string> | undefined {
  const retryAfter = headers?.get("retry-after");
  // Not standard, but OpenAI and Anthropic send it and it is finer than whole seconds.
  const retryAfterMs = headers?.get("retry-after-ms");
  if (!retryAfter && !retryAfterMs) return undefined;
  return { ...(retryAfter && { retryAfter }), ...(retryAfterMs && { retryAfterMs }) };
}

/** Milliseconds the upstream asked to wait before the next call, or undefined when it did not say (or said nonsense). */
export function retryAfterMsOf(error: unknown, now: number = Date.now()): number | undefined {
  if (!(error instanceof ProviderError)) return undefined;
  const milliseconds = Number.parseFloat(String(error.details?.retryAfterMs ?? ""));
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  return parseRetryAfter(error.details?.retryAfter, now);
}

/** `Retry-After` is either delay-seconds or an HTTP date (RFC 9110 section 10.2.3). */
export function parseRetryAfter(value: unknown, now: number = Date.now()): number | undefined {
  if (typeof value !== "string" || value.trim() === "") return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number.parseFloat(text) * 1000;
  // Date.parse takes "-3" for a year; an HTTP date always names its weekday and month.
  const date = /[a-z]/i.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
