/**
 * Keeps bots' knowledge sentences embedded by the configured embedding model. The work runs in the background, in
 * batches: an upload is stored and searchable by words at once, and never waits for (or fails with) the embedding
 * model. Sentences left without a vector (the model was down, or configured after the documents came) are picked up
 * by the next run: after the next upload, when the model's engine becomes ready, or by itself after a failed run (a
 * remote model tells no one when it is back), after the upstream's `Retry-After` or a backoff (KnowledgeRetryDelays).
 *
 * Vectors are stored and searched under the model's vector space (TextEmbedder.vectorSpace), not its id alone: when
 * another model answers under the same id (a remote model's `upstreamModel` changed), its space has no vectors yet,
 * so every sentence is embedded again by it, and the old vectors are never compared with the new ones. Once every
 * sentence has its vector (or its refusal) in the space in use, the vectors of other spaces are deleted: nothing
 * searches them any more.
 */
import type { SentenceEmbedding } from "../core/knowledge-embedding.js";
import type { ParleyStore } from "../core/parley-store.js";
import { isRefusedRequest, type TextEmbedder } from "../providers/text-embedder.js";
import { type KnowledgeRetryConfig, KnowledgeRetryDelays } from "./knowledge-retry-delays.js";

/** Sentences per embedding request: big enough to amortize a request, small enough to stop soon when asked. */
export const EMBEDDING_BATCH_SIZE = 32;

/** How many times a sentence the model refuses is cut to its first half before it is left to word search. */
export const MAX_CUTS = 4;

/** The longest a question waits for its vector before retrieval goes on by words alone. */
const QUESTION_TIMEOUT_MS = 10_000;

/**
 * Stored for a sentence the model refuses even cut, instead of a vector. The sentence is then no longer listed as
 * unembedded: it is not asked for again on every run (it would be refused again), and stays searchable by its words.
 * It is the refusal of this space only: a model in another space tries the sentence anew.
 */
const REFUSED = new Float32Array(0);

export type KnowledgeLog = {
  info(message: string): void;
  warn(message: string, error?: unknown): void;
};

export type KnowledgeEmbeddingsConfig = {
  store: ParleyStore;
  embedder: TextEmbedder;
  batchSize?: number;
  log?: KnowledgeLog;
  /** The waits before a run after a failed one; DEFAULT_KNOWLEDGE_RETRY for what is not given. */
  retry?: Partial<KnowledgeRetryConfig>;
};

/** What one run has done so far, for its log line and for telling a refused text from a model that refuses all. */
type Run = {
  /** Vectors the model gave. */
  embedded: number;
  /** Sentences embedded by their beginning, the whole being refused. */
  cut: number;
  /** Sentences refused even cut. */
  refused: number;
  /** The model's last refusal of a single sentence. */
  refusal?: unknown;
};

const silent: KnowledgeLog = { info: () => {}, warn: () => {} };

export class KnowledgeEmbeddings {
  readonly #store: ParleyStore;
  readonly #embedder: TextEmbedder;
  readonly #batchSize: number;
  readonly #log: KnowledgeLog;
  readonly #stopping = new AbortController();
  readonly #retryDelays: KnowledgeRetryDelays;
  #running: Promise<void> | undefined;
  /** The run that tries again after a failed one, waiting for its time. */
  #retryTimer: NodeJS.Timeout | undefined;
  /** Set when work is asked for during a run: the run goes around once more. */
  #again = false;
  /**
   * Set once a run has deleted the vectors of other spaces: only a server with another embedding model sharing the
   * database could write more, so later runs do not scan every vector again.
   */
  #otherSpacesDeleted = false;

  constructor(config: KnowledgeEmbeddingsConfig) {
    this.#store = config.store;
    this.#embedder = config.embedder;
    this.#batchSize = config.batchSize ?? EMBEDDING_BATCH_SIZE;
    this.#log = config.log ?? silent;
    this.#retryDelays = new KnowledgeRetryDelays(config.retry);
  }

  /** The embedding model's vector space, under which vectors are stored and searched. */
  get vectorSpace(): string {
    return this.#embedder.vectorSpace;
  }

  /**
   * Starts embedding the sentences that have no vector yet, or has the run under way look again when it is done. A
   * retry waiting for its time is not waited for: new sentences should not wait out an outage that may be over.
   */
  schedule(): void {
    if (this.#stopping.signal.aborted) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#again = false;
    let retryInMs: number | undefined;
    this.#running = this.#embedMissing()
      .then((delayMs) => {
        retryInMs = delayMs;
      })
      .finally(() => {
        this.#running = undefined;
        // Work asked for during the run goes first; should it fail as well, it sets its own retry.
        if (this.#again) this.schedule();
        else if (retryInMs !== undefined) this.#retryIn(retryInMs);
      });
  }

  /** Resolves once no run is under way or asked for; a retry waiting for its time is not waited for. */
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

  /** Ends the run under way (its current batch is not stored) and waits for it; a retry waiting is cancelled. */
  async stop(): Promise<void> {
    this.#stopping.abort(new DOMException("Parley is stopping.", "AbortError"));
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    await this.idle();
  }

  #retryIn(delayMs: number): void {
    if (this.#stopping.signal.aborted) return;
    // Unreferenced: a retry is no reason to keep a process alive that has nothing else left to do.
    this.#retryTimer = setTimeout(() => this.schedule(), delayMs).unref();
  }

  /** Embeds every sentence without a vector; after a failure worth trying again, resolves with when to. */
  async #embedMissing(): Promise<number | undefined> {
    const model = this.#embedder.model;
    const space = this.#embedder.vectorSpace;
    const run: Run = { embedded: 0, cut: 0, refused: 0 };
    let previousFirst: string | undefined;
    try {
      for (;;) {
        const sentences = await this.#store.knowledge.listUnembedded(space, this.#batchSize);
        const first = sentences[0];
        if (!first) break;
        // A batch that was stored is not listed again; the same first sentence twice means nothing was stored.
        const firstKey = `${first.documentId}#${first.position}`;
        if (firstKey === previousFirst) throw new Error(`the vectors of ${firstKey} were not stored`);
        previousFirst = firstKey;
        const vectors = await this.#vectorsOf(
          sentences.map((sentence) => sentence.text),
          run,
        );
        const byDocument = new Map<string, SentenceEmbedding[]>();
        sentences.forEach((sentence, index) => {
          const embeddings = byDocument.get(sentence.documentId) ?? [];
          embeddings.push({ position: sentence.position, vector: vectors[index] ?? REFUSED });
          byDocument.set(sentence.documentId, embeddings);
        });
        for (const [documentId, embeddings] of byDocument) {
          await this.#store.knowledge.addEmbeddings(documentId, space, embeddings);
        }
      }
      if (run.embedded > 0) {
        const cut =
          run.cut > 0 ? ` (${run.cut} of them by their beginning only, the whole too long for it)` : "";
        this.#log.info(`embedded ${run.embedded} knowledge sentences with ${model}${cut}`);
      }
      if (run.refused > 0) {
        this.#log.warn(
          `${run.refused} knowledge sentences are left to search by words: ${model} refuses them even cut short`,
          run.refusal,
        );
      }
      // Every sentence is done in this space: vectors of any other (a model no longer configured, or the one this id
      // named before) would never be searched again. Not before: until then, a rollback of the config finds them.
      if (!this.#otherSpacesDeleted) {
        const deleted = await this.#store.knowledge.deleteOtherEmbeddings(space);
        this.#otherSpacesDeleted = true;
        if (deleted > 0)
          this.#log.info(`deleted ${deleted} knowledge vectors of embedding models no longer in use`);
      }
      this.#retryDelays.reset();
      return undefined;
    } catch (error) {
      if (this.#stopping.signal.aborted) return undefined;
      // The documents stay stored and searchable by words; their sentences are embedded on a later run. A model that
      // refuses the request itself (every request, as a proxy that does not know the upstream model's name) would
      // refuse it again however long the wait: only an upload or a restart (with the config mended) tries again.
      const retryInMs = isRefusedRequest(error) ? undefined : this.#retryDelays.after(error);
      const next =
        retryInMs === undefined
          ? `not before the next upload or a restart, for ${model} refuses the request itself`
          : `trying again in ${durationOf(retryInMs)}`;
      this.#log.warn(
        `could not embed knowledge sentences with ${model} (${run.embedded} embedded in this run); the rest are searched by words until a later run embeds them: ${next}`,
        error,
      );
      return retryInMs;
    }
  }

  /**
   * The texts' vectors, in order; undefined for a text the model refuses even cut. A batch the model refuses as the
   * request's fault (a text too long for it, which a remote model refuses rather than cut) is split in halves down
   * to single texts, so that one text keeps no other from its vector; then each text refused alone is cut.
   */
  async #vectorsOf(texts: readonly string[], run: Run): Promise<(Float32Array | undefined)[]> {
    const vectors = await this.#embedSplitting(texts, run);
    for (const [index, vector] of vectors.entries()) {
      if (vector === undefined) vectors[index] = await this.#embedBeginning(texts[index] as string, run);
    }
    return vectors;
  }

  /** The texts' vectors, undefined for a text the model refuses alone. */
  async #embedSplitting(texts: readonly string[], run: Run): Promise<(Float32Array | undefined)[]> {
    try {
      return await this.#embed(texts, run);
    } catch (error) {
      if (!isRefusedRequest(error)) throw error;
      if (texts.length === 1) {
        run.refusal = error;
        return [undefined];
      }
      const half = Math.ceil(texts.length / 2);
      return [
        ...(await this.#embedSplitting(texts.slice(0, half), run)),
        ...(await this.#embedSplitting(texts.slice(half), run)),
      ];
    }
  }

  /**
   * The vector of the text's beginning, halved until the model takes it (as a model that truncates embeds the
   * beginning of a text too long), at most MAX_CUTS times; undefined if it takes none.
   */
  async #embedBeginning(text: string, run: Run): Promise<Float32Array | undefined> {
    let beginning = text;
    for (let cut = 0; cut < MAX_CUTS; cut++) {
      beginning = firstHalfOf(beginning);
      if (beginning === "") break;
      try {
        const [vector] = await this.#embed([beginning], run);
        run.cut++;
        return vector;
      } catch (error) {
        if (!isRefusedRequest(error)) throw error;
      }
    }
    // Refused, and nothing else embedded in this run: the model may be refusing every request (a proxy answers 400 to
    // an upstream model name it does not know), which is no sentence's fault. The run fails, marking nothing, and the
    // run after the next upload or a restart tries again, rather than marking every sentence refused. (Not a retry of
    // its own: the refusal would come back as long as the config stays the same.)
    if (run.embedded === 0) throw run.refusal;
    run.refused++;
    return undefined;
  }

  async #embed(texts: readonly string[], run: Run): Promise<Float32Array[]> {
    const { vectors } = await this.#embedder.embed(texts, { signal: this.#stopping.signal });
    run.embedded += vectors.length;
    return vectors;
  }
}

/** A wait as a log line says it: "400 ms", "5 s", "2.7 min". */
function durationOf(milliseconds: number): string {
  if (milliseconds < 1000) return `${Math.round(milliseconds)} ms`;
  if (milliseconds < 60_000) return `${Math.round(milliseconds / 100) / 10} s`;
  return `${Math.round(milliseconds / 6000) / 10} min`;
}

/**
 * The first half of a text, cut at a space when it has one rather than through a word (and never through a character
 * written as two UTF-16 code units).
 */
function firstHalfOf(text: string): string {
  let half = text.slice(0, Math.floor(text.length / 2));
  const lastSpace = half.search(/\s\S*$/);
  if (lastSpace > 0) half = half.slice(0, lastSpace);
  else if (/[\uD800-\uDBFF]$/.test(half)) half = half.slice(0, -1);
  return half.trimEnd();
}
