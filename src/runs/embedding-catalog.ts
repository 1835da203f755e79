/**
 * The embedding models Parley serves (local engines started with `embedding: true`): what `/v1/embeddings` answers
 * with, and what the compatible APIs list beside the chat models. Each request's tokens go to its user's usage and
 * count against the same daily quotas as replies.
 */
import { BadRequestError, ModelUnavailableError, ProviderError } from "../core/app-error.js";
import type { ParleyStore } from "../core/parley-store.js";
import type { Embeddings, TextEmbedder } from "../providers/text-embedder.js";
import type { ModelStatus } from "./model-catalog.js";

export type EmbeddingModelEntry = {
  id: string;
  label: string;
  embedder: TextEmbedder;
  status: () => ModelStatus;
};

export type EmbeddingRequest = {
  model: string;
  texts: readonly string[];
  /** The vectors' length the client expects (OpenAI's `dimensions`); Parley cannot change a model's. */
  dimensions?: number;
  userId: string;
  apiKeyId?: string;
  signal?: AbortSignal;
};

export class EmbeddingCatalog {
  readonly #entries: Map<string, EmbeddingModelEntry>;
  readonly #store: ParleyStore;
  /** Tells a chat model's id from a name nothing serves, for the error. */
  readonly #isChatModel: (id: string) => boolean;
  /** Each model's vector length, once it has answered: a request for another is refused before the model is asked. */
  readonly #dimensions = new Map<string, number>();

  constructor(config: {
    entries: readonly EmbeddingModelEntry[];
    store: ParleyStore;
    isChatModel: (id: string) => boolean;
  }) {
    this.#entries = new Map(config.entries.map((entry) => [entry.id, entry]));
    this.#store = config.store;
    this.#isChatModel = config.isChatModel;
  }

  list(): { id: string; label: string }[] {
    return [...this.#entries.values()].map(({ id, label }) => ({ id, label }));
  }

  /**
   * The texts' vectors, in order, from the model named; never cut to fit (a text too long for the model is its 400).
   * Throws a 404 for a name nothing serves, a 400 for a chat model, a 503 for a model not ready.
   */
  async embed(request: EmbeddingRequest): Promise<Embeddings> {
    const entry = this.#resolve(request.model);
    const known = this.#dimensions.get(entry.id);
    if (known !== undefined) this.#checkDimensions(entry.id, known, request.dimensions);
    const state = entry.status().state;
    if (state !== "ready") {
      throw new ModelUnavailableError(
        `The embedding model "${entry.id}" is ${state}; try again in a little while.`,
        {
          details: { retryAfterSeconds: 5 },
        },
      );
    }
    const embeddings = await entry.embedder
      .embed(request.texts, { truncate: false, ...(request.signal && { signal: request.signal }) })
      .catch((error: unknown) => {
        // A text too long for the model's window is the client's to shorten: its 400, not a failing upstream.
        if (error instanceof ProviderError && error.code === "context_length_exceeded") {
          throw new BadRequestError(`A text is too long for ${entry.id}. ${error.message}`, {
            code: "context_length_exceeded",
            cause: error,
          });
        }
        throw error;
      });
    const size = embeddings.vectors[0]?.length;
    if (size !== undefined) this.#dimensions.set(entry.id, size);
    const inputTokens = embeddings.inputTokens ?? 0;
    await this.#store.usage.record({
      userId: request.userId,
      ...(request.apiKeyId !== undefined && { apiKeyId: request.apiKeyId }),
      model: entry.id,
      at: Date.now(),
      inputTokens,
      outputTokens: 0,
      // Local engines: the owner's hardware, not billed per token.
      costUsd: 0,
    });
    // Only a model's first request learns its size here, after the work (and its tokens counted).
    if (size !== undefined) this.#checkDimensions(entry.id, size, request.dimensions);
    return embeddings;
  }

  #checkDimensions(modelId: string, size: number, asked: number | undefined): void {
    if (asked === undefined || asked === size) return;
    throw new BadRequestError(
      `\`dimensions\`: the vectors of ${JSON.stringify(modelId)} have ${size} dimensions, and Parley cannot change that; leave \`dimensions\` out.`,
      { code: "invalid_value" },
    );
  }

  #resolve(id: string): EmbeddingModelEntry {
    const entry = this.#entries.get(id);
    if (entry) return entry;
    const served = [...this.#entries.keys()].map((served) => JSON.stringify(served));
    const which =
      served.length > 0
        ? `Embedding models: ${served.join(", ")}.`
        : "This server has no embedding model: serve a GGUF embedding model with `embedding: true` under models: in parley.config.yaml.";
    if (this.#isChatModel(id)) {
      throw new BadRequestError(`"${id}" is a chat model, not an embedding model. ${which}`, {
        code: "not_an_embedding_model",
      });
    }
    // A 404 on the compatible APIs, as an unknown chat model is.
    throw new BadRequestError(`Unknown embedding model ${JSON.stringify(id)}. ${which}`, {
      code: "unknown_model",
    });
  }
}
