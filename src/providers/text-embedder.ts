/** The interface of an embedding model: texts in, one vector per text out. */
import { ProviderError } from "../core/app-error.js";

export type EmbedOptions = {
  /** Aborting ends the request; `embed` then rejects with the abort's reason. */
  signal?: AbortSignal;
  /**
   * Whether a text longer than the model's window is cut to fit (its beginning embedded, as sentence-transformers
   * does) rather than refused. Default true: knowledge sentences are short, and one too long must not stop the rest.
   */
  truncate?: boolean;
  /**
   * The vectors' length wanted, for a model that shortens its vectors (OpenAI's `dimensions`); left out, the
   * model's own. A server that cannot shorten them refuses it, or may answer with its own length.
   */
  dimensions?: number;
};

/** One vector per text, in the order given, and the tokens the model read, when it says. */
export type Embeddings = { vectors: Float32Array[]; inputTokens: number | undefined };

export interface TextEmbedder {
  /** Parley's id of the model. */
  readonly model: string;
  /**
   * The name of the space its vectors are in: vectors of different spaces are never compared, so knowledge vectors
   * are stored and searched under it. It changes when the model behind the id does (a remote model's
   * `upstreamModel`), so that vectors of the old model are not compared with the new one's.
   */
  readonly vectorSpace: string;
  /** Rejects with a ProviderError when the model fails. */
  embed(texts: readonly string[], options?: EmbedOptions): Promise<Embeddings>;
}

/** Upstream statuses that refuse the request itself (its texts, their number, `dimensions`): the client's to change. */
const REFUSED_REQUEST_STATUSES = new Set([400, 413, 422]);

/**
 * Whether an embedder's failure is the model refusing the request itself (a text too long for it, too many texts, a
 * `dimensions` it cannot give), which every endpoint would refuse again, rather than the model failing.
 */
export function isRefusedRequest(error: unknown): boolean {
  if (!(error instanceof ProviderError)) return false;
  if (error.code === "context_length_exceeded") return true;
  return error.statusCode !== undefined && REFUSED_REQUEST_STATUSES.has(error.statusCode);
}
