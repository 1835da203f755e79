/**
 * One embedding model served by several endpoints (a provider's `endpoints`): each request starts at the next one,
 * so the load is shared, and goes on to the others when one cannot answer.
 */
import { ProviderError } from "../core/app-error.js";
import { retryAfterMsOf } from "./resilient/retry-after.js";
import type { Embeddings, EmbedOptions, TextEmbedder } from "./text-embedder.js";

export class RoundRobinEmbedder implements TextEmbedder {
  readonly model: string;
  readonly vectorSpace: string;
  readonly #endpoints: readonly TextEmbedder[];
  #next = 0;

  /** `endpoints` serve the same model, under the same id. */
  constructor(endpoints: readonly TextEmbedder[]) {
    const first = endpoints[0];
    if (!first) throw new Error("RoundRobinEmbedder needs at least one endpoint");
    this.model = first.model;
    this.vectorSpace = first.vectorSpace;
    this.#endpoints = endpoints;
  }

  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<Embeddings> {
    const start = this.#next;
    this.#next = (start + 1) % this.#endpoints.length;
    const failures: ProviderError[] = [];
    for (let tried = 0; tried < this.#endpoints.length; tried++) {
      const endpoint = this.#endpoints[(start + tried) % this.#endpoints.length] as TextEmbedder;
      try {
        return await endpoint.embed(texts, options);
      } catch (error) {
        // Only a failure of the endpoint itself (down, timed out, overloaded, rate-limited) is worth another: a
        // request it refused would be refused by every one, and an abort means nobody wants the vectors any more.
        if (options.signal?.aborted || !(error instanceof ProviderError) || !error.isRetryable) throw error;
        failures.push(error);
      }
    }
    throw failureOfAll(failures);
  }
}

/**
 * What the caller is told when no endpoint answered: an endpoint's failure if one failed otherwise than by a rate
 * limit, for then waiting is no cure; when every one was rate-limited, the limit that ends soonest (an endpoint that
 * did not say when counts as soon), so the caller waits no longer than it must.
 */
function failureOfAll(failures: readonly ProviderError[]): ProviderError {
  const other = failures.filter((failure) => failure.statusCode !== 429).at(-1);
  if (other) return other;
  const waitOf = (failure: ProviderError) => retryAfterMsOf(failure) ?? 0;
  return failures.reduce((soonest, failure) => (waitOf(failure) < waitOf(soonest) ? failure : soonest));
}
