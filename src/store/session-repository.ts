/** Browser sessions in the database, by the hash of their token. */
import type { Kysely, Selectable } from "kysely";
import type { SessionRepository } from "../core/parley-store.js";
import type { Session } from "../core/session.js";
import type { ParleyDatabase, SessionTable } from "./parley-database.js";

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
          user_agent: session.userAgent,
          address: session.address,
          last_used_at: session.lastUsedAt,
        })
        .execute();
    },

    async get(tokenHash) {
      const row = await database
        .selectFrom("sessions")
        .selectAll()
        .where("token_hash", "=", tokenHash)
        .executeTakeFirst();
      return row === undefined ? undefined : sessionOf(row);
    },

    async listByUser(userId, now) {
      const rows = await database
        .selectFrom("sessions")
        .selectAll()
        .where("user_id", "=", userId)
        .where("expires_at", ">", now)
        .orderBy("created_at", "desc")
        .orderBy("token_hash")
        .execute();
      return rows.map(sessionOf);
    },

    async delete(tokenHash) {
      await database.deleteFrom("sessions").where("token_hash", "=", tokenHash).execute();
    },

    async deleteOfUser(userId, tokenHash) {
      const result = await database
        .deleteFrom("sessions")
        .where("token_hash", "=", tokenHash)
        .where("user_id", "=", userId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
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

    async touch(tokenHash, at) {
      await database
        .updateTable("sessions")
        .set({ last_used_at: at })
        .where("token_hash", "=", tokenHash)
        .execute();
    },

    async deleteExpired(now) {
      const result = await database.deleteFrom("sessions").where("expires_at", "<=", now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function sessionOf(row: Selectable<SessionTable>): Session {
  return {
    tokenHash: row.token_hash,
    userId: row.user_id,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
    userAgent: row.user_agent,
    address: row.address,
  };
}
