/**
 * Bots' knowledge documents in the database, their sentences, BM25-ranked full-text search over them (each
 * database's own, see knowledge-text-index.ts), and their sentences' vectors from an embedding model with
 * similarity search.
 */
import { type Kysely, PostgresAdapter, type Selectable, sql } from "kysely";
import type { KnowledgeDocument, KnowledgeMediaType, KnowledgeSentence } from "../core/knowledge.js";
import { cosineSimilarity, type SimilarSentence } from "../core/knowledge-embedding.js";
import type { KnowledgeRepository } from "../core/parley-store.js";
import { fromFloat32Column, toFloat32Column } from "./float32-column.js";
import { type KnowledgeTextIndex, queryTerms } from "./knowledge-text-index.js";
import type { KnowledgeDocumentTable, ParleyDatabase } from "./parley-database.js";
import { postgresKnowledgeTextIndex } from "./postgres-knowledge-text-index.js";
import { sqliteKnowledgeTextIndex } from "./sqlite-knowledge-text-index.js";
import { withinTransaction } from "./within-transaction.js";

/** Leaves out the empty vectors (of `knowledge_embeddings as e`) that record sentences the model refused. */
const hasVector = sql<boolean>`length(e.vector) > 0`;

/** Rows per insert of vectors: well under SQLite's limit of bound parameters. */
const EMBEDDINGS_PER_INSERT = 200;

/** Rows per insert of sentences (four parameters each); on PostgreSQL, each insert is a round trip. */
const SENTENCES_PER_INSERT = 1_000;

export function createKnowledgeRepository(database: Kysely<ParleyDatabase>): KnowledgeRepository {
  const textIndex: KnowledgeTextIndex =
    database.getExecutor().adapter instanceof PostgresAdapter
      ? postgresKnowledgeTextIndex
      : sqliteKnowledgeTextIndex;
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
        for (let start = 0; start < sentences.length; start += SENTENCES_PER_INSERT) {
          await transaction
            .insertInto("knowledge_sentences")
            .values(
              sentences.slice(start, start + SENTENCES_PER_INSERT).map((sentence) => ({
                document_id: document.id,
                position: sentence.position,
                start_offset: sentence.start,
                end_offset: sentence.end,
              })),
            )
            .execute();
        }
        await textIndex.add(
          transaction,
          sentences.map((sentence) => ({
            botId: document.botId,
            documentId: document.id,
            position: sentence.position,
            text: sentence.text,
          })),
        );
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
      // Its sentences go through ON DELETE CASCADE, their index entries with them (a trigger on SQLite).
      const result = await database.deleteFrom("knowledge_documents").where("id", "=", id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async search(botId, query, limit) {
      return textIndex.search(database, botId, queryTerms(query), limit);
    },

    async addEmbeddings(documentId, model, embeddings) {
      await withinTransaction(database, async (transaction) => {
        // Embedding takes a while: a document deleted meanwhile has no sentences left to give vectors to.
        const document = await transaction
          .selectFrom("knowledge_documents")
          .select("id")
          .where("id", "=", documentId)
          .executeTakeFirst();
        if (!document) return;
        for (let start = 0; start < embeddings.length; start += EMBEDDINGS_PER_INSERT) {
          await transaction
            .insertInto("knowledge_embeddings")
            .values(
              embeddings.slice(start, start + EMBEDDINGS_PER_INSERT).map((embedding) => ({
                document_id: documentId,
                position: embedding.position,
                model,
                vector: toFloat32Column(embedding.vector),
              })),
            )
            .onConflict((conflict) =>
              conflict
                .columns(["document_id", "position", "model"])
                .doUpdateSet((update) => ({ vector: update.ref("excluded.vector") })),
            )
            .execute();
        }
      });
    },

    async hasEmbeddings(botId, model) {
      const row = await database
        .selectFrom("knowledge_embeddings as e")
        .innerJoin("knowledge_documents as d", "d.id", "e.document_id")
        .select("e.position")
        .where("d.bot_id", "=", botId)
        .where("e.model", "=", model)
        .where(hasVector)
        .limit(1)
        .executeTakeFirst();
      return row !== undefined;
    },

    async searchSimilar(botId, model, vector, limit) {
      // Every vector of the bot is compared: exact, and fast enough for the thousands of sentences a bot's files
      // hold. A vector index (sqlite-vec, pgvector) is the step up when bots hold millions.
      const rows = await database
        .selectFrom("knowledge_embeddings as e")
        .innerJoin("knowledge_documents as d", "d.id", "e.document_id")
        .innerJoin("knowledge_sentences as s", (join) =>
          join.onRef("s.document_id", "=", "e.document_id").onRef("s.position", "=", "e.position"),
        )
        .select(["e.document_id", "e.position", "e.vector", "s.start_offset", "s.end_offset"])
        .where("d.bot_id", "=", botId)
        .where("e.model", "=", model)
        .where(hasVector)
        .execute();
      const best = rows
        .map((row) => ({ row, similarity: cosineSimilarity(vector, fromFloat32Column(row.vector)) }))
        .sort(
          (a, b) =>
            b.similarity - a.similarity ||
            a.row.document_id.localeCompare(b.row.document_id) ||
            Number(a.row.position) - Number(b.row.position),
        )
        .slice(0, limit);
      const documents = await documentsById(
        database,
        best.map(({ row }) => row.document_id),
      );
      return best.flatMap(({ row, similarity }): SimilarSentence[] => {
        const document = documents.get(row.document_id);
        return document ? [{ ...sentenceIn(document, row), title: document.title, similarity }] : [];
      });
    },

    async listUnembedded(model, limit) {
      const rows = await database
        .selectFrom("knowledge_sentences as s")
        .innerJoin("knowledge_documents as d", "d.id", "s.document_id")
        .select(["s.document_id", "s.position", "s.start_offset", "s.end_offset"])
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom("knowledge_embeddings as e")
                .select("e.position")
                .whereRef("e.document_id", "=", "s.document_id")
                .whereRef("e.position", "=", "s.position")
                .where("e.model", "=", model),
            ),
          ),
        )
        .orderBy("d.created_at")
        .orderBy("d.id")
        .orderBy("s.position")
        .limit(limit)
        .execute();
      const documents = await documentsById(
        database,
        rows.map((row) => row.document_id),
      );
      return rows.flatMap((row): KnowledgeSentence[] => {
        const document = documents.get(row.document_id);
        return document ? [sentenceIn(document, row)] : [];
      });
    },

    async deleteOtherEmbeddings(model) {
      const result = await database
        .deleteFrom("knowledge_embeddings")
        .where("model", "<>", model)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

/** The titles and texts of the documents with these ids (each read once), for the sentences they hold. */
async function documentsById(
  database: Kysely<ParleyDatabase>,
  ids: readonly string[],
): Promise<Map<string, { title: string; content: string }>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await database
    .selectFrom("knowledge_documents")
    .select(["id", "title", "content"])
    .where("id", "in", unique)
    .execute();
  return new Map(rows.map((row) => [row.id, { title: row.title, content: row.content }]));
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

/** A sentence's row with its text cut from its document, which the offsets index. */
function sentenceIn(
  document: { content: string },
  row: { document_id: string; position: unknown; start_offset: unknown; end_offset: unknown },
): KnowledgeSentence {
  const start = Number(row.start_offset);
  const end = Number(row.end_offset);
  return {
    documentId: row.document_id,
    position: Number(row.position),
    start,
    end,
    text: document.content.slice(start, end),
  };
}
