/** The two failures every upstream SDK reports alike: no answer in time, and no connection at all. */
import { ProviderError } from "../core/app-error.js";

export function upstreamTimeout(cause: unknown): ProviderError {
  return new ProviderError("The model did not answer in time.", {
    code: "upstream_timeout",
    cause,
    isRetryable: true,
  });
}

export function upstreamUnreachable(cause: Error): ProviderError {
  return new ProviderError(`Could not reach the model: ${cause.message}`, {
    code: "upstream_unreachable",
    cause,
    isRetryable: true,
  });
}
