/** Knowledge sentences in SQLite's FTS5 table, ranked by its BM25. */
import { sql } from "kysely";
import { type KnowledgeTextIndex, type TextSearchRow, toRetrievedSentence } from "./knowledge-text-index.js";

export const sqliteKnowledgeTextIndex: KnowledgeTextIndex = {
  async add(database, sentences) {
    // One row a statement: the statement cache prepares it once, and SQLite has no round trips to save.
    for (const sentence of sentences) {
      await sql`insert into knowledge_sentences_fts (text, bot_id, document_id, position)
        values (${sentence.text}, ${sentence.botId}, ${sentence.documentId}, ${sentence.position})`.execute(
        database,
      );
    }
  },

  async search(database, botId, terms, limit) {
    if (terms.length === 0) return [];
    // Any of the words, each quoted; BM25 then ranks sentences with more, and rarer, words first.
    const match = terms.map((term) => `"${term}"`).join(" OR ");
    const { rows } =
      await sql<TextSearchRow>`select f.document_id, s.position, s.start_offset, s.end_offset, f.text,
          d.title, bm25(knowledge_sentences_fts) as score
        from knowledge_sentences_fts f
        join knowledge_sentences s on s.document_id = f.document_id and s.position = f.position
        join knowledge_documents d on d.id = f.document_id
        where knowledge_sentences_fts match ${match} and f.bot_id = ${botId}
        order by score, f.document_id, s.position
        limit ${limit}`.execute(database);
    return rows.map(toRetrievedSentence);
  },
};
