/** Maps what the @anthropic-ai/sdk throws to Parley's ProviderError, in one place. */
import { APIConnectionError, APIConnectionTimeoutError, APIError } from "@anthropic-ai/sdk";
import { ProviderError } from "../../core/app-error.js";
import { upstreamTimeout, upstreamUnreachable } from "../connection-failure.js";
import { retryAfterDetails } from "../resilient/retry-after.js";

/** In-band `error` events carry a type but no status; these types are passing conditions worth a retry. */
const RETRYABLE_ERROR_TYPES = new Set(["overloaded_error", "api_error", "rate_limit_error", "timeout_error"]);

export function toProviderError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof APIConnectionTimeoutError) return upstreamTimeout(error);
  if (error instanceof APIConnectionError) return upstreamUnreachable(error);
  if (error instanceof APIError) {
    const message = error.apiMessage ?? error.message;
    const inBand = error.status === undefined;
    return new ProviderError(
      inBand
        ? `The model's stream reported ${error.type ?? "an error"}: ${message}`
        : `The model failed with HTTP ${error.status}: ${message}`,
      {
        code: isContextOverflow(error.status, message) ? "context_length_exceeded" : "upstream_error",
        statusCode: error.status,
        responseBody: error.error === undefined ? undefined : JSON.stringify(error.error),
        cause: error,
        details: retryAfterDetails(error.headers),
        // With a status the status decides (ProviderError's default); in-band, the error type does.
        ...(inBand && { isRetryable: RETRYABLE_ERROR_TYPES.has(error.type ?? "") }),
      },
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  // Errors without a status (a connection reset mid-stream, a parse failure) are transient more often than not.
  return new ProviderError(`The model's stream failed: ${message}`, { cause: error, isRetryable: true });
}

function isContextOverflow(status: number | undefined, message: string): boolean {
  return status === 400 && /prompt is too long|context window|context length/i.test(message);
}
