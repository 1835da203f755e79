/** Maps what fails while calling an OpenAI-compatible upstream over HTTP to Parley's ProviderError, in one place. */
import { ProviderError } from "../../core/app-error.js";
import { upstreamTimeout, upstreamUnreachable } from "../connection-failure.js";

const TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT", "ETIMEDOUT"]);

/**
 * `responded` tells whether the upstream had answered with headers: before that, a failed connection means the
 * upstream could not be reached; after, the reply's stream broke off.
 */
export function toProviderError(error: unknown, responded: boolean): ProviderError {
  if (error instanceof ProviderError) return error;
  const code = (error as { code?: unknown } | undefined)?.code;
  const cause = error instanceof Error ? error : new Error(String(error));
  if (typeof code === "string" && TIMEOUT_CODES.has(code)) return upstreamTimeout(cause);
  if (!responded) return upstreamUnreachable(cause);
  // A connection reset mid-stream or a parse failure is transient more often than not.
  return new ProviderError(`The model's stream failed: ${cause.message}`, { cause, isRetryable: true });
}
