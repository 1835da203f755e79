/**
 * Knowledge sentences in a PostgreSQL tsvector column with a GIN index, ranked like BM25: each matched word counts
 * by how rare it is among the bot's sentences (its inverse document frequency) times its length-normalized
 * frequency in the sentence (ts_rank), so the order follows SQLite's FTS5 path.
 */
import { sql } from "kysely";
import { type KnowledgeTextIndex, type TextSearchRow, toRetrievedSentence } from "./knowledge-text-index.js";

/** Rows per insert: five parameters each stays far below pg's 65535, and a long document needs few round trips. */
const SENTENCES_PER_INSERT = 1_000;

export const postgresKnowledgeTextIndex: KnowledgeTextIndex = {
  async add(database, sentences) {
    for (let start = 0; start < sentences.length; start += SENTENCES_PER_INSERT) {
      const rows = sentences.slice(start, start + SENTENCES_PER_INSERT).map(
        (sentence) =>
          sql`(${sentence.documentId}, ${sentence.position}, ${sentence.botId}, ${sentence.text},
              to_tsvector('english', ${withoutAccents(sentence.text)}))`,
      );
      await sql`insert into knowledge_sentences_fts (document_id, position, bot_id, text, search)
        values ${sql.join(rows)}`.execute(database);
    }
  },

  async search(database, botId, terms, limit) {
    if (terms.length === 0) return [];
    // English stop words ("the", "is") turn into empty queries and are left out, as they would add only noise.
    const { rows } = await sql<TextSearchRow>`with query_terms as (
          select distinct to_tsquery('english', term) as query
          from unnest(cast(${terms.map(withoutAccents)} as text[])) as term
        ),
        bot_sentences as (select count(*) as total from knowledge_sentences_fts where bot_id = ${botId}),
        term_weights as (
          select t.query,
            cast(ln(1 + (b.total - count(*) + 0.5) / (count(*) + 0.5)) as double precision) as idf
          from query_terms t
          cross join bot_sentences b
          join knowledge_sentences_fts f on f.bot_id = ${botId} and f.search @@ t.query
          where numnode(t.query) > 0
          group by t.query, b.total
        )
        select f.document_id, f.position, s.start_offset, s.end_offset, f.text, d.title,
          -sum(w.idf * ts_rank(f.search, w.query, 1)) as score
        from term_weights w
        join knowledge_sentences_fts f on f.bot_id = ${botId} and f.search @@ w.query
        join knowledge_sentences s on s.document_id = f.document_id and s.position = f.position
        join knowledge_documents d on d.id = f.document_id
        group by f.document_id, f.position, s.start_offset, s.end_offset, f.text, d.title
        order by score, f.document_id, f.position
        limit ${limit}`.execute(database);
    return rows.map(toRetrievedSentence);
  },
};

/**
 * "café" and "cafe" find each other, as with FTS5's remove_diacritics. Only the combining accents of Latin, Greek
 * and Cyrillic letters go; the marks of scripts like Devanagari belong to their letters. Used on both the sentences
 * and the questions, so the two always agree.
 */
function withoutAccents(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .normalize("NFC");
}
