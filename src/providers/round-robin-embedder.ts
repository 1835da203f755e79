/**
 * One embedding model served by several endpoints (a provider's `endpoints`): each request starts at the next one,
 * so the load is shared, and goes on to the others when one cannot answer.
 */
import { ProviderError } from "../core/app-error.js";
import type { Embeddings, EmbedOptions, TextEmbedder } from "./text-embedder.js";

export class RoundRobinEmbedder implements TextEmbedder {
  readonly model: string;
  readonly #endpoints: readonly TextEmbedder[];
  #next = 0;

  /** `endpoints` serve the same model, under the same id. */
  constructor(endpoints: readonly TextEmbedder[]) {
    const first = endpoints[0];
    if (!first) throw new Error("RoundRobinEmbedder needs at least one endpoint");
    this.model = first.model;
    this.#endpoints = endpoints;
  }

  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<Embeddings> {
    const start = this.#next;
    this.#next = (start + 1) % this.#endpoints.length;
    let failure: unknown;
    for (let tried = 0; tried < this.#endpoints.length; tried++) {
      const endpoint = this.#endpoints[(start + tried) % this.#endpoints.length] as TextEmbedder;
      try {
        return await endpoint.embed(texts, options);
      } catch (error) {
        // Only a failure of the endpoint itself (down, timed out, overloaded) is worth another: a request it
        // refused would be refused by every one, and an abort means nobody wants the vectors any more.
        if (options.signal?.aborted || !(error instanceof ProviderError) || !error.isRetryable) throw error;
        failure = error;
      }
    }
    throw failure;
  }
}
