/** Uploaded files and their bytes in the database, and which messages carry them. */
import type { Kysely, Selectable } from "kysely";
import { ConflictError, NotFoundError } from "../core/app-error.js";
import type { FileRepository, StoredFile } from "../core/parley-store.js";
import { constraintViolationOf } from "./constraint-violation.js";
import type { FileTable, ParleyDatabase } from "./parley-database.js";
import { withinTransaction } from "./within-transaction.js";

/** Every column but the bytes. */
const RECORD_COLUMNS = [
  "files.id",
  "files.user_id",
  "files.name",
  "files.media_type",
  "files.byte_count",
  "files.width",
  "files.height",
  "files.created_at",
] as const;

export function createFileRepository(database: Kysely<ParleyDatabase>): FileRepository {
  return {
    async create(file, bytes) {
      try {
        await database
          .insertInto("files")
          .values({
            id: file.id,
            user_id: file.userId,
            name: file.name,
            media_type: file.mediaType,
            byte_count: file.bytes,
            width: file.width ?? null,
            height: file.height ?? null,
            created_at: file.createdAt,
            data: bytes,
          })
          .execute();
      } catch (error) {
        if (constraintViolationOf(error) === "unique") {
          throw new ConflictError(`File ${JSON.stringify(file.id)} already exists.`, { cause: error });
        }
        throw error;
      }
    },

    async get(id) {
      const row = await database
        .selectFrom("files")
        .select(RECORD_COLUMNS)
        .where("id", "=", id)
        .executeTakeFirst();
      return row === undefined ? undefined : toStoredFile(row);
    },

    async bytes(id) {
      const row = await database.selectFrom("files").select("data").where("id", "=", id).executeTakeFirst();
      return row?.data;
    },

    async attach(messageId, fileIds) {
      if (fileIds.length === 0) return;
      await withinTransaction(database, async (transaction) => {
        // Looked up first rather than read from a failed insert: PostgreSQL ends a transaction at any error.
        const found = await transaction.selectFrom("files").select("id").where("id", "in", fileIds).execute();
        const missing = fileIds.find((fileId) => !found.some((row) => row.id === fileId));
        if (missing !== undefined) throw new NotFoundError("File", missing);
        try {
          await transaction
            .insertInto("message_attachments")
            .values(fileIds.map((fileId, position) => ({ message_id: messageId, position, file_id: fileId })))
            .execute();
        } catch (error) {
          const violation = constraintViolationOf(error);
          if (violation === "foreign_key") throw new NotFoundError("Message", messageId);
          if (violation === "unique") {
            throw new ConflictError(`Message ${JSON.stringify(messageId)} already has attachments.`, {
              cause: error,
            });
          }
          throw error;
        }
      });
    },

    async listAttached(conversationId) {
      const rows = await database
        .selectFrom("message_attachments")
        .innerJoin("messages", "messages.id", "message_attachments.message_id")
        .innerJoin("files", "files.id", "message_attachments.file_id")
        .select([...RECORD_COLUMNS, "message_attachments.message_id"])
        .where("messages.conversation_id", "=", conversationId)
        .orderBy("message_attachments.message_id")
        .orderBy("message_attachments.position")
        .execute();
      const attached = new Map<string, StoredFile[]>();
      for (const row of rows) {
        const files = attached.get(row.message_id) ?? [];
        files.push(toStoredFile(row));
        attached.set(row.message_id, files);
      }
      return attached;
    },

    async deleteByUser(userId) {
      // A user's files hang only on their own messages, which go first; an attachment left would block the delete.
      await database
        .deleteFrom("message_attachments")
        .where("file_id", "in", database.selectFrom("files").select("id").where("user_id", "=", userId))
        .execute();
      const result = await database.deleteFrom("files").where("user_id", "=", userId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function toStoredFile(row: Omit<Selectable<FileTable>, "data">): StoredFile {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    mediaType: row.media_type,
    bytes: row.byte_count,
    ...(row.width !== null && { width: row.width }),
    ...(row.height !== null && { height: row.height }),
    createdAt: Number(row.created_at),
  };
}
