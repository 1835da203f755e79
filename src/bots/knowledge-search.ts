/**
 * How a question finds the sentences of a bot's knowledge: by its words (BM25) alone, or, with an embedding model,
 * by words and by meaning, the two rankings fused by reciprocal rank fusion.
 */
import type { RetrievedSentence } from "../core/knowledge.js";
import type { SimilarSentence } from "../core/knowledge-embedding.js";
import type { ParleyStore } from "../core/parley-store.js";
import { reciprocalRankFusion } from "../core/rank-fusion.js";
import type { KnowledgeEmbeddings, KnowledgeLog } from "./knowledge-embeddings.js";

/** The best `limit` sentences of the bot's knowledge for the question, best first. */
export type KnowledgeSearch = (
  botId: string,
  question: string,
  limit: number,
) => Promise<RetrievedSentence[]>;

/** How many of its best sentences each ranking brings to the fusion. */
export const CANDIDATES_PER_RANKING = 50;

/** Retrieval without an embedding model: the words of the question, ranked by BM25. */
export function wordSearch(store: ParleyStore): KnowledgeSearch {
  return (botId, question, limit) => store.knowledge.search(botId, question, limit);
}

/**
 * Retrieval by words and by meaning. When the question cannot be embedded (the model is down), or the bot has no
 * vectors yet, it is word search alone, so a reply never fails for want of an embedding.
 */
export function hybridSearch(config: {
  store: ParleyStore;
  embeddings: KnowledgeEmbeddings;
  log?: KnowledgeLog;
}): KnowledgeSearch {
  const { store, embeddings } = config;
  // One warning when questions start failing to embed and none for each one after, until one succeeds again.
  let failing = false;
  return async (botId, question, limit) => {
    const candidates = Math.max(limit, CANDIDATES_PER_RANKING);
    const byWords = await store.knowledge.search(botId, question, candidates);
    // Most bots have no knowledge: their turns must not pay for embedding the message.
    if (!(await store.knowledge.hasEmbeddings(botId, embeddings.vectorSpace))) return byWords.slice(0, limit);
    let byMeaning: SimilarSentence[] = [];
    try {
      const vector = await embeddings.embedQuestion(question);
      byMeaning = await store.knowledge.searchSimilar(botId, embeddings.vectorSpace, vector, candidates);
      failing = false;
    } catch (error) {
      if (!failing)
        config.log?.warn("could not embed a question; knowledge is searched by words alone", error);
      failing = true;
    }
    return fuseSentenceRankings(byWords, byMeaning, limit);
  };
}

/**
 * The first `limit` sentences of the reciprocal rank fusion of the BM25 ranking and the similarity ranking. A
 * sentence both find beats one only one finds at the same rank; ties go to the better BM25 rank. Scores are the
 * fused ones negated, so that lower stays better as for BM25. With no similarity ranking, the BM25 one is returned
 * unchanged.
 */
export function fuseSentenceRankings(
  byWords: readonly RetrievedSentence[],
  byMeaning: readonly SimilarSentence[],
  limit: number,
): RetrievedSentence[] {
  if (byMeaning.length === 0) return byWords.slice(0, limit);
  const key = (sentence: { documentId: string; position: number }) =>
    `${sentence.documentId}#${sentence.position}`;
  const sentences = new Map<string, RetrievedSentence>();
  for (const { similarity: _similarity, ...sentence } of byMeaning)
    sentences.set(key(sentence), { ...sentence, score: 0 });
  for (const sentence of byWords) sentences.set(key(sentence), sentence);
  return reciprocalRankFusion([byWords.map(key), byMeaning.map(key)])
    .slice(0, limit)
    .flatMap(({ key: fused, score }) => {
      const sentence = sentences.get(fused);
      return sentence ? [{ ...sentence, score: -score }] : [];
    });
}
