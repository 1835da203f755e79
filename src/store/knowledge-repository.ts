/** Bots' knowledge documents in the database, their sentences, and BM25-ranked full-text search over them. */
import { type Kysely, type Selectable, sql } from "kysely";
import type { KnowledgeDocument, KnowledgeMediaType, RetrievedSentence } from "../core/knowledge.js";
import type { KnowledgeRepository } from "../core/parley-store.js";
import type { KnowledgeDocumentTable, ParleyDatabase } from "./parley-database.js";
import { withinTransaction } from "./within-transaction.js";

/** Words that make up a search; more than this many adds noise, not recall. */
const MAX_QUERY_TERMS = 32;

export function createKnowledgeRepository(database: Kysely<ParleyDatabase>): KnowledgeRepository {
  return {
    async add(document, sentences) {
      await withinTransaction(database, async (transaction) => {
        await transaction
          .insertInto("knowledge_documents")
          .values({
            id: document.id,
            bot_id: document.botId,
            title: document.title,
            media_type: document.mediaType,
            content: document.content,
            sentence_count: document.sentenceCount,
            created_at: document.createdAt,
          })
          .execute();
        for (const sentence of sentences) {
          await transaction
            .insertInto("knowledge_sentences")
            .values({
              document_id: document.id,
              position: sentence.position,
              start_offset: sentence.start,
              end_offset: sentence.end,
            })
            .execute();
          await sql`insert into knowledge_sentences_fts (text, bot_id, document_id, position)
            values (${sentence.text}, ${document.botId}, ${document.id}, ${sentence.position})`.execute(
            transaction,
          );
        }
      });
    },

    async get(id) {
      const row = await database
        .selectFrom("knowledge_documents")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirst();
      return row === undefined ? undefined : toDocument(row);
    },

    async listByBot(botId) {
      const rows = await database
        .selectFrom("knowledge_documents")
        .selectAll()
        .where("bot_id", "=", botId)
        .orderBy("created_at")
        .orderBy("id")
        .execute();
      return rows.map(toDocument);
    },

    async delete(id) {
      // Its sentences go through ON DELETE CASCADE, their index entries through a trigger.
      const result = await database.deleteFrom("knowledge_documents").where("id", "=", id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async search(botId, query, limit) {
      const match = matchExpression(query);
      if (match === undefined) return [];
      const { rows } = await sql<{
        document_id: string;
        position: number;
        start_offset: number;
        end_offset: number;
        text: string;
        title: string;
        score: number;
      }>`select f.document_id, s.position, s.start_offset, s.end_offset, f.text, d.title,
            bm25(knowledge_sentences_fts) as score
          from knowledge_sentences_fts f
          join knowledge_sentences s on s.document_id = f.document_id and s.position = f.position
          join knowledge_documents d on d.id = f.document_id
          where knowledge_sentences_fts match ${match} and f.bot_id = ${botId}
          order by score, f.document_id, s.position
          limit ${limit}`.execute(database);
      return rows.map(
        (row): RetrievedSentence => ({
          documentId: row.document_id,
          position: Number(row.position),
          start: Number(row.start_offset),
          end: Number(row.end_offset),
          text: row.text,
          title: row.title,
          score: Number(row.score),
        }),
      );
    },
  };
}

/**
 * An FTS5 query that matches any word of `query`, each quoted so that none is read as FTS5 syntax
 * (AND, NEAR, a column name, a stray quote). BM25 then ranks sentences with more, and rarer, words first.
 */
function matchExpression(query: string): string | undefined {
  const terms = [...new Set(query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])].slice(0, MAX_QUERY_TERMS);
  return terms.length === 0 ? undefined : terms.map((term) => `"${term}"`).join(" OR ");
}

function toDocument(row: Selectable<KnowledgeDocumentTable>): KnowledgeDocument {
  return {
    id: row.id,
    botId: row.bot_id,
    title: row.title,
    mediaType: row.media_type as KnowledgeMediaType,
    content: row.content,
    sentenceCount: Number(row.sentence_count),
    createdAt: Number(row.created_at),
  };
}
