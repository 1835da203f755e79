/** Browser sessions in the database, by the hash of their token. */
import type { Kysely } from "kysely";
import type { SessionRepository } from "../core/parley-store.js";
import type { ParleyDatabase } from "./parley-database.js";

export function createSessionRepository(database: Kysely<ParleyDatabase>): SessionRepository {
  return {
    async create(session) {
      await database
        .insertInto("sessions")
        .values({
          token_hash: session.tokenHash,
          user_id: session.userId,
          created_at: session.createdAt,
          expires_at: session.expiresAt,
        })
        .execute();
    },

    async get(tokenHash) {
      const row = await database
        .selectFrom("sessions")
        .selectAll()
        .where("token_hash", "=", tokenHash)
        .executeTakeFirst();
      return row === undefined
        ? undefined
        : {
            tokenHash: row.token_hash,
            userId: row.user_id,
            createdAt: Number(row.created_at),
            expiresAt: Number(row.expires_at),
          };
    },

    async delete(tokenHash) {
      await database.deleteFrom("sessions").where("token_hash", "=", tokenHash).execute();
    },

    async deleteByUser(userId, exceptTokenHash) {
      const result = await database
        .deleteFrom("sessions")
        .where("user_id", "=", userId)
        .$if(exceptTokenHash !== undefined, (query) =>
          query.where("token_hash", "!=", exceptTokenHash as string),
        )
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async deleteExpired(now) {
      const result = await database.deleteFrom("sessions").where("expires_at", "<=", now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
