/** Vectors of knowledge sentences, made by an embedding model, and how alike two of them are. */
import type { KnowledgeSentence } from "./knowledge.js";

/** A sentence's vector; `position` is the sentence's in its document. */
export type SentenceEmbedding = { position: number; vector: Float32Array };

/** A sentence found by its vector's likeness to a question's; `similarity` is cosine similarity, higher is better. */
export type SimilarSentence = KnowledgeSentence & { title: string; similarity: number };

/** Cosine similarity in -1..1; 0 when either vector is all zeros or their sizes differ (vectors of another model). */
export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  let dot = 0;
  let aSquares = 0;
  let bSquares = 0;
  for (let index = 0; index < a.length; index++) {
    const x = a[index] ?? 0;
    const y = b[index] ?? 0;
    dot += x * y;
    aSquares += x * x;
    bSquares += y * y;
  }
  return aSquares === 0 || bSquares === 0 ? 0 : dot / Math.sqrt(aSquares * bSquares);
}
