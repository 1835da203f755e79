/** Maps what the openai SDK throws to Parley's ProviderError, in one place. */
import { APIConnectionError, APIConnectionTimeoutError, APIError } from "openai";
import { ProviderError } from "../../core/app-error.js";
import { upstreamTimeout, upstreamUnreachable } from "../connection-failure.js";
import { retryAfterDetails } from "../resilient/retry-after.js";

export function toProviderError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof APIConnectionTimeoutError) return upstreamTimeout(error);
  if (error instanceof APIConnectionError) return upstreamUnreachable(error);
  if (error instanceof APIError) {
    const body = error.error === undefined ? undefined : JSON.stringify(error.error);
    const upstreamCode = (error.error as { code?: unknown } | undefined)?.code;
    return new ProviderError(
      `The model failed${error.status ? ` with HTTP ${error.status}` : ""}: ${error.message}`,
      {
        code: upstreamCode === "context_length_exceeded" ? "context_length_exceeded" : "upstream_error",
        statusCode: error.status,
        responseBody: body,
        cause: error,
        details: retryAfterDetails(error.headers),
      },
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  // Errors without a status (a connection reset mid-stream, a parse failure) are transient more often than not.
  return new ProviderError(`The model's stream failed: ${message}`, { cause: error, isRetryable: true });
}
