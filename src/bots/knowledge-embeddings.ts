/**
 * Keeps bots' knowledge sentences embedded by the configured embedding model. The work runs in the background, in
 * batches: an upload is stored and searchable by words at once, and never waits for (or fails with) the embedding
 * model. Sentences left without a vector (the model was down, or configured after the documents came) are picked up
 * by the next run: after the next upload, or when the model's engine becomes ready.
 */
import type { SentenceEmbedding } from "../core/knowledge-embedding.js";
import type { ParleyStore } from "../core/parley-store.js";
import type { TextEmbedder } from "../providers/text-embedder.js";

/** Sentences per embedding request: big enough to amortize a request, small enough to stop soon when asked. */
export const EMBEDDING_BATCH_SIZE = 32;

/** The longest a question waits for its vector before retrieval goes on by words alone. */
const QUESTION_TIMEOUT_MS = 10_000;

export type KnowledgeLog = {
  info(message: string): void;
  warn(message: string, error?: unknown): void;
};

export type KnowledgeEmbeddingsConfig = {
  store: ParleyStore;
  embedder: TextEmbedder;
  batchSize?: number;
  log?: KnowledgeLog;
};

const silent: KnowledgeLog = { info: () => {}, warn: () => {} };

export class KnowledgeEmbeddings {
  readonly #store: ParleyStore;
  readonly #embedder: TextEmbedder;
  readonly #batchSize: number;
  readonly #log: KnowledgeLog;
  readonly #stopping = new AbortController();
  #running: Promise<void> | undefined;
  /** Set when work is asked for during a run: the run goes around once more. */
  #again = false;

  constructor(config: KnowledgeEmbeddingsConfig) {
    this.#store = config.store;
    this.#embedder = config.embedder;
    this.#batchSize = config.batchSize ?? EMBEDDING_BATCH_SIZE;
    this.#log = config.log ?? silent;
  }

  /** The embedding model's id, under which vectors are stored and searched. */
  get model(): string {
    return this.#embedder.model;
  }

  /** Starts embedding the sentences that have no vector yet, or has the run under way look again when it is done. */
  schedule(): void {
    if (this.#stopping.signal.aborted) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#again = false;
    this.#running = this.#embedMissing().finally(() => {
      this.#running = undefined;
      if (this.#again) this.schedule();
    });
  }

  /** Resolves once no run is under way or asked for. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** The vector of a question, in the space of the sentences' vectors. */
  async embedQuestion(question: string): Promise<Float32Array> {
    const signal = AbortSignal.any([this.#stopping.signal, AbortSignal.timeout(QUESTION_TIMEOUT_MS)]);
    const [vector] = (await this.#embedder.embed([question], { signal })).vectors;
    if (!vector) throw new Error("the embedding model returned no vector");
    return vector;
  }

  /** Ends the run under way (its current batch is not stored) and waits for it. */
  async stop(): Promise<void> {
    this.#stopping.abort(new DOMException("Parley is stopping.", "AbortError"));
    await this.idle();
  }

  async #embedMissing(): Promise<void> {
    const model = this.#embedder.model;
    let embedded = 0;
    let previousFirst: string | undefined;
    try {
      for (;;) {
        const sentences = await this.#store.knowledge.listUnembedded(model, this.#batchSize);
        const first = sentences[0];
        if (!first) break;
        // A batch that was stored is not listed again; the same first sentence twice means nothing was stored.
        const firstKey = `${first.documentId}#${first.position}`;
        if (firstKey === previousFirst) throw new Error(`the vectors of ${firstKey} were not stored`);
        previousFirst = firstKey;
        const { vectors } = await this.#embedder.embed(
          sentences.map((sentence) => sentence.text),
          { signal: this.#stopping.signal },
        );
        const byDocument = new Map<string, SentenceEmbedding[]>();
        sentences.forEach((sentence, index) => {
          const vector = vectors[index];
          if (!vector) return;
          const embeddings = byDocument.get(sentence.documentId) ?? [];
          embeddings.push({ position: sentence.position, vector });
          byDocument.set(sentence.documentId, embeddings);
        });
        for (const [documentId, embeddings] of byDocument) {
          await this.#store.knowledge.addEmbeddings(documentId, model, embeddings);
        }
        embedded += sentences.length;
      }
      if (embedded > 0) this.#log.info(`embedded ${embedded} knowledge sentences with ${model}`);
    } catch (error) {
      if (this.#stopping.signal.aborted) return;
      // The documents stay stored and searchable by words; their sentences are embedded on a later run.
      this.#log.warn(
        `could not embed knowledge sentences with ${model} (${embedded} embedded in this run); the rest are searched by words until a later run embeds them`,
        error,
      );
    }
  }
}
