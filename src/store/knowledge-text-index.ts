/**
 * The full-text index of knowledge sentences, the one part of the store each database does its own way: SQLite's
 * FTS5 with BM25, PostgreSQL's tsvector with a BM25-like ranking. Both give results of the same shape and order.
 */
import type { Kysely } from "kysely";
import type { RetrievedSentence } from "../core/knowledge.js";
import type { ParleyDatabase } from "./parley-database.js";

/** A sentence as the index keeps it: its text, and the bot whose searches may find it. */
export type IndexedSentence = { botId: string; documentId: string; position: number; text: string };

export type KnowledgeTextIndex = {
  /** Call in the transaction that inserts the sentences (knowledge_sentences rows) themselves. */
  add(database: Kysely<ParleyDatabase>, sentences: readonly IndexedSentence[]): Promise<void>;
  /**
   * The bot's sentences holding any of `terms` (from `queryTerms`), best first: more, and rarer, terms; ties in
   * document and position order. A lower score is better. A deleted document's sentences are gone with it.
   */
  search(
    database: Kysely<ParleyDatabase>,
    botId: string,
    terms: readonly string[],
    limit: number,
  ): Promise<RetrievedSentence[]>;
};

/** Words that make up a search; more than this many adds noise, not recall. */
const MAX_QUERY_TERMS = 32;

/**
 * The distinct words of a question, lowercased: runs of letters and digits only, so that neither index reads any of
 * them as query syntax (AND, NEAR, a column name, a stray quote, `|` or `!`).
 */
export function queryTerms(question: string): string[] {
  return [...new Set(question.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])].slice(0, MAX_QUERY_TERMS);
}

/** A row of either index's search, numbers as either driver returns them. */
export type TextSearchRow = {
  document_id: string;
  position: number | string;
  start_offset: number | string;
  end_offset: number | string;
  text: string;
  title: string;
  score: number | string;
};

export function toRetrievedSentence(row: TextSearchRow): RetrievedSentence {
  return {
    documentId: row.document_id,
    position: Number(row.position),
    start: Number(row.start_offset),
    end: Number(row.end_offset),
    text: row.text,
    title: row.title,
    score: Number(row.score),
  };
}
