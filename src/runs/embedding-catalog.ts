/**
 * The embedding models Parley serves (local engines started with `embedding: true`, and remote models of
 * OpenAI-compatible providers marked `embedding: true`): what `/v1/embeddings` answers with, and what the compatible
 * APIs list beside the chat models. Each request's tokens go to its user's usage, as an embeddings request rather
 * than a reply, and count against the same daily quotas as replies.
 */
import { AppError, BadRequestError, ModelUnavailableError, ProviderError } from "../core/app-error.js";
import type { ParleyStore } from "../core/parley-store.js";
import { costOf, type Pricing } from "../core/usage-cost.js";
import { retryAfterMsOf } from "../providers/resilient/retry-after.js";
import { type Embeddings, isRefusedRequest, type TextEmbedder } from "../providers/text-embedder.js";
import type { ModelStatus } from "./model-catalog.js";

export type EmbeddingModelEntry = {
  id: string;
  label: string;
  embedder: TextEmbedder;
  status: () => ModelStatus;
  /**
   * Whether a request's `dimensions` is passed on to the model's server, which shortens the vectors (OpenAI's
   * text-embedding-3 models do): remote models. A local engine's vectors have the model's one length.
   */
  supportsDimensions: boolean;
  pricing: Pricing;
};

export type EmbeddingRequest = {
  model: string;
  texts: readonly string[];
  /** The vectors' length the client expects (OpenAI's `dimensions`). */
  dimensions?: number;
  userId: string;
  apiKeyId?: string;
  signal?: AbortSignal;
};

/** The wait a client is told when the upstream rate-limited every endpoint without saying for how long. */
const RATE_LIMIT_RETRY_SECONDS = 1;

export class EmbeddingCatalog {
  readonly #entries: Map<string, EmbeddingModelEntry>;
  readonly #store: ParleyStore;
  /** Tells a chat model's id from a name nothing serves, for the error. */
  readonly #isChatModel: (id: string) => boolean;
  /**
   * The vector length of each model that has one, once it has answered: a request for another is refused before
   * the model is asked.
   */
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
   * Throws a 404 for a name nothing serves, a 400 for a chat model or a request the model refuses, a 429 when every
   * endpoint of the model is rate-limited upstream, a 503 for a model not ready, and a 502 when the model's server
   * fails.
   */
  async embed(request: EmbeddingRequest): Promise<Embeddings> {
    const entry = this.#resolve(request.model);
    const known = this.#dimensions.get(entry.id);
    if (known !== undefined) this.#checkDimensions(entry, known, request.dimensions);
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
      .embed(request.texts, {
        truncate: false,
        ...(request.signal && { signal: request.signal }),
        ...(entry.supportsDimensions &&
          request.dimensions !== undefined && { dimensions: request.dimensions }),
      })
      .catch((error: unknown) => {
        throw clientErrorOf(entry.id, error);
      });
    const inputTokens = embeddings.inputTokens ?? 0;
    await this.#store.usage.record({
      kind: "embeddings",
      userId: request.userId,
      ...(request.apiKeyId !== undefined && { apiKeyId: request.apiKeyId }),
      model: entry.id,
      at: Date.now(),
      inputTokens,
      outputTokens: 0,
      costUsd: costOf({ inputTokens, outputTokens: 0 }, entry.pricing),
    });
    // Checked after the work, whose tokens are counted: the model was asked, and a remote one has charged for them.
    const sizes = new Set(embeddings.vectors.map((vector) => vector.length));
    const [size] = sizes;
    if (sizes.size > 1) {
      throw new ProviderError(
        `The embedding model "${entry.id}" answered with vectors of different lengths (${[...sizes].join(", ")}).`,
        { code: "upstream_malformed_response" },
      );
    }
    if (size !== undefined) {
      if (!entry.supportsDimensions) this.#dimensions.set(entry.id, size);
      this.#checkDimensions(entry, size, request.dimensions);
    }
    return embeddings;
  }

  #checkDimensions(entry: EmbeddingModelEntry, size: number, asked: number | undefined): void {
    if (asked === undefined || asked === size) return;
    const why = entry.supportsDimensions
      ? `${JSON.stringify(entry.id)} answered with vectors of ${size} dimensions: its server does not shorten them to the ${asked} asked`
      : `the vectors of ${JSON.stringify(entry.id)} have ${size} dimensions, and Parley cannot change that`;
    throw new BadRequestError(`\`dimensions\`: ${why}; leave \`dimensions\` out.`, { code: "invalid_value" });
  }

  #resolve(id: string): EmbeddingModelEntry {
    const entry = this.#entries.get(id);
    if (entry) return entry;
    const served = [...this.#entries.keys()].map((served) => JSON.stringify(served));
    const which =
      served.length > 0
        ? `Embedding models: ${served.join(", ")}.`
        : "This server has no embedding model: serve a GGUF embedding model with `embedding: true` under models:, or mark a model of an OpenAI-compatible provider `embedding: true`, in parley.config.yaml.";
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

/**
 * A model's failure as the client should see it: what the model refused of the request is the client's 400 (a text
 * too long, more texts than it takes, a `dimensions` it cannot give); a rate limit on every endpoint is the client's
 * 429 with when to come back, as OpenAI's own would be, so that SDKs wait and retry; credentials refused upstream are
 * Parley's own (a provider's apiKey), never the client's; anything else is the model's failure (502) as it came.
 */
function clientErrorOf(modelId: string, error: unknown): unknown {
  if (!(error instanceof ProviderError)) return error;
  if (error.code === "context_length_exceeded") {
    return new BadRequestError(`A text is too long for ${modelId}. ${error.message}`, {
      code: "context_length_exceeded",
      cause: error,
    });
  }
  if (isRefusedRequest(error)) {
    return new BadRequestError(`${modelId} refused the request. ${error.message}`, {
      code: "invalid_request",
      cause: error,
    });
  }
  const status = error.statusCode;
  if (status === 429) {
    const waitMs = retryAfterMsOf(error);
    const retryAfterSeconds =
      waitMs === undefined ? RATE_LIMIT_RETRY_SECONDS : Math.max(1, Math.ceil(waitMs / 1000));
    return new AppError(
      "upstream_rate_limited",
      `The embedding model "${modelId}" is rate-limited by its provider; try again in ${retryAfterSeconds} s. (${error.message})`,
      { status: 429, cause: error, details: { retryAfterSeconds } },
    );
  }
  if (status === 401 || status === 403) {
    return new ProviderError(
      `The embedding model "${modelId}" could not be used: its provider refused this server's credentials (${error.message}). An admin must check the provider's apiKey in parley.config.yaml.`,
      { code: "upstream_auth_failed", statusCode: status, cause: error, isRetryable: false },
    );
  }
  return error;
}
