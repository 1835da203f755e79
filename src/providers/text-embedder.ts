/** The interface of an embedding model: texts in, one vector per text out. */

export type EmbedOptions = {
  /** Aborting ends the request; `embed` then rejects with the abort's reason. */
  signal?: AbortSignal;
};

export interface TextEmbedder {
  /** The model's id: vectors of different models live in different spaces and are never compared. */
  readonly model: string;
  /** One vector per text, in the order given. Rejects with a ProviderError when the model fails. */
  embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]>;
}
