/** The interface of an embedding model: texts in, one vector per text out. */

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
  /** The model's id: vectors of different models live in different spaces and are never compared. */
  readonly model: string;
  /** Rejects with a ProviderError when the model fails. */
  embed(texts: readonly string[], options?: EmbedOptions): Promise<Embeddings>;
}
