/** Conversations in the database, mapped to and from the core `Conversation`. */
import { type Kysely, type Selectable, sql } from "kysely";
import { BadRequestError, ConflictError, NotFoundError } from "../core/app-error.js";
import type { Conversation } from "../core/conversation.js";
import type { ConversationListOptions, ConversationRepository } from "../core/parley-store.js";
import { constraintViolationOf } from "./constraint-violation.js";
import type { ConversationTable, ParleyDatabase } from "./parley-database.js";

export function createConversationRepository(database: Kysely<ParleyDatabase>): ConversationRepository {
  return {
    async create(conversation) {
      try {
        await database
          .insertInto("conversations")
          .values({
            id: conversation.id,
            user_id: conversation.userId,
            title: conversation.title,
            bot_id: conversation.botId,
            bot_version: conversation.botVersion,
            created_at: conversation.createdAt,
            updated_at: conversation.updatedAt,
          })
          .execute();
      } catch (error) {
        if (constraintViolationOf(error) === "unique") {
          throw new ConflictError(`Conversation ${JSON.stringify(conversation.id)} already exists.`, {
            cause: error,
          });
        }
        throw error;
      }
    },

    async get(id) {
      const row = await database
        .selectFrom("conversations")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirst();
      return row === undefined ? undefined : toConversation(row);
    },

    async list(options: ConversationListOptions) {
      let query = database
        .selectFrom("conversations")
        .selectAll("conversations")
        .where("conversations.user_id", "=", options.userId)
        // Ids are time-ordered, so they break ties between conversations touched in the same millisecond.
        .orderBy("conversations.updated_at", "desc")
        .orderBy("conversations.id", "desc");
      const text = options.query?.trim() ?? "";
      if (text !== "") {
        const pattern = containsPattern(text);
        query = query.where(({ or, exists, selectFrom }) =>
          or([
            sql<boolean>`lower(${sql.ref("conversations.title")}) like ${pattern} escape '\\'`,
            exists(
              selectFrom("messages")
                .select(sql.lit(1).as("found"))
                .whereRef("messages.conversation_id", "=", "conversations.id")
                .where(sql<boolean>`lower(${sql.ref("messages.content")}) like ${pattern} escape '\\'`),
            ),
          ]),
        );
      }
      if (options.limit !== undefined) {
        if (!Number.isSafeInteger(options.limit) || options.limit < 1) {
          throw new BadRequestError(`limit must be a positive integer; got ${String(options.limit)}.`);
        }
        query = query.limit(options.limit);
      }
      const rows = await query.execute();
      return rows.map(toConversation);
    },

    async update(id, patch) {
      const values: { title?: string; updated_at?: number } = {};
      if (patch.title !== undefined) values.title = patch.title;
      if (patch.updatedAt !== undefined) values.updated_at = patch.updatedAt;
      if (Object.keys(values).length === 0) return;
      const result = await database
        .updateTable("conversations")
        .set(values)
        .where("id", "=", id)
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) throw new NotFoundError("Conversation", id);
    },

    async delete(id) {
      // Messages, runs and run events go with it through ON DELETE CASCADE.
      const result = await database.deleteFrom("conversations").where("id", "=", id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async deleteByUser(userId) {
      const result = await database
        .deleteFrom("conversations")
        .where("user_id", "=", userId)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function toConversation(row: Selectable<ConversationTable>): Conversation {
  return {
    id: row.id,
    userId: row.user_id,
    title: row.title,
    botId: row.bot_id,
    botVersion: row.bot_version === null ? null : Number(row.bot_version),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/**
 * A LIKE pattern that finds `text` anywhere, case-insensitively: the caller compares it with lower(column).
 * The user's own %, _ and \ are escaped so "50%_off" means exactly that text.
 */
function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}
