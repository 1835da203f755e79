/** API keys in the database: found by the hash of the key, listed, limited and revoked per user. */
import type { Kysely, Selectable, Updateable } from "kysely";
import type { ApiKey } from "../core/api-key.js";
import type { ApiKeyRepository } from "../core/parley-store.js";
import { fromJsonColumn, toJsonColumn } from "./json-column.js";
import type { ApiKeyTable, ParleyDatabase } from "./parley-database.js";

export function createApiKeyRepository(database: Kysely<ParleyDatabase>): ApiKeyRepository {
  return {
    async create(key) {
      await database
        .insertInto("api_keys")
        .values({
          id: key.id,
          user_id: key.userId,
          name: key.name,
          prefix: key.prefix,
          key_hash: key.keyHash,
          created_at: key.createdAt,
          last_used_at: key.lastUsedAt,
          revoked_at: key.revokedAt,
          expires_at: key.expiresAt,
          requests_per_minute: key.requestsPerMinute,
          tokens_per_day: key.tokensPerDay,
          models_json: toJsonColumn(key.models),
        })
        .execute();
    },

    async getByHash(keyHash) {
      const row = await database
        .selectFrom("api_keys")
        .selectAll()
        .where("key_hash", "=", keyHash)
        .executeTakeFirst();
      return row === undefined ? undefined : toApiKey(row);
    },

    async listByUser(userId) {
      const rows = await database
        .selectFrom("api_keys")
        .selectAll()
        .where("user_id", "=", userId)
        .orderBy("created_at")
        .orderBy("id")
        .execute();
      return rows.map(toApiKey);
    },

    async revoke(userId, id, at) {
      const result = await database
        .updateTable("api_keys")
        .set({ revoked_at: at })
        .where("id", "=", id)
        .where("user_id", "=", userId)
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async setLimits(userId, id, limits) {
      const values: Updateable<ApiKeyTable> = {};
      if (limits.requestsPerMinute !== undefined) values.requests_per_minute = limits.requestsPerMinute;
      if (limits.tokensPerDay !== undefined) values.tokens_per_day = limits.tokensPerDay;
      if (Object.keys(values).length > 0) {
        await database
          .updateTable("api_keys")
          .set(values)
          .where("id", "=", id)
          .where("user_id", "=", userId)
          .where("revoked_at", "is", null)
          .execute();
      }
      const row = await database
        .selectFrom("api_keys")
        .selectAll()
        .where("id", "=", id)
        .where("user_id", "=", userId)
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      return row === undefined ? undefined : toApiKey(row);
    },

    async touch(id, at) {
      await database.updateTable("api_keys").set({ last_used_at: at }).where("id", "=", id).execute();
    },
  };
}

function toApiKey(row: Selectable<ApiKeyTable>): ApiKey {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    prefix: row.prefix,
    keyHash: row.key_hash,
    createdAt: Number(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    requestsPerMinute: row.requests_per_minute,
    tokensPerDay: row.tokens_per_day === null ? null : Number(row.tokens_per_day),
    models: fromJsonColumn<string[]>(row.models_json),
  };
}
