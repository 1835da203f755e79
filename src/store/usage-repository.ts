/**
 * The usage ledger: one row per user, UTC day and model, added to as replies end and embeddings requests are
 * answered (each counted apart, their tokens together). Quota checks and usage pages read a few rows, never the
 * day's messages.
 */
import type { Kysely } from "kysely";
import type { UsageRepository } from "../core/parley-store.js";
import type { ParleyDatabase } from "./parley-database.js";

const DAY_MS = 86_400_000;
/** Cost is kept in nano-dollars as a bigint: exact sums, and no float column type that differs by database. */
const NANO_USD_PER_USD = 1e9;

export function createUsageRepository(database: Kysely<ParleyDatabase>): UsageRepository {
  return {
    async record(entry) {
      const embeddings = entry.kind === "embeddings";
      const row = {
        user_id: entry.userId,
        day_number: dayNumberOf(entry.at),
        model: entry.model,
        replies: embeddings ? 0 : 1,
        embedding_requests: embeddings ? 1 : 0,
        input_tokens: entry.inputTokens,
        output_tokens: entry.outputTokens,
        cache_read_tokens: entry.cacheReadTokens ?? 0,
        cache_write_tokens: entry.cacheWriteTokens ?? 0,
        cost_nano_usd: Math.round(entry.costUsd * NANO_USD_PER_USD),
      };
      await database
        .insertInto("usage_daily")
        .values(row)
        .onConflict((conflict) =>
          conflict.columns(["user_id", "day_number", "model"]).doUpdateSet((update) => ({
            replies: update("usage_daily.replies", "+", row.replies),
            embedding_requests: update("usage_daily.embedding_requests", "+", row.embedding_requests),
            input_tokens: update("usage_daily.input_tokens", "+", row.input_tokens),
            output_tokens: update("usage_daily.output_tokens", "+", row.output_tokens),
            cache_read_tokens: update("usage_daily.cache_read_tokens", "+", row.cache_read_tokens),
            cache_write_tokens: update("usage_daily.cache_write_tokens", "+", row.cache_write_tokens),
            cost_nano_usd: update("usage_daily.cost_nano_usd", "+", row.cost_nano_usd),
          })),
        )
        .execute();
      if (entry.apiKeyId !== undefined) {
        const keyRow = {
          api_key_id: entry.apiKeyId,
          day_number: row.day_number,
          tokens: entry.inputTokens + entry.outputTokens,
        };
        await database
          .insertInto("key_usage_daily")
          .values(keyRow)
          .onConflict((conflict) =>
            conflict.columns(["api_key_id", "day_number"]).doUpdateSet((update) => ({
              tokens: update("key_usage_daily.tokens", "+", keyRow.tokens),
            })),
          )
          .execute();
      }
    },

    async totals({ from, to, userId }) {
      const rows = await database
        .selectFrom("usage_daily")
        .select((expression) => [
          "day_number",
          "model",
          expression.fn.sum<number | string>("replies").as("replies"),
          expression.fn.sum<number | string>("embedding_requests").as("embedding_requests"),
          expression.fn.sum<number | string>("input_tokens").as("input_tokens"),
          expression.fn.sum<number | string>("output_tokens").as("output_tokens"),
          expression.fn.sum<number | string>("cache_read_tokens").as("cache_read_tokens"),
          expression.fn.sum<number | string>("cache_write_tokens").as("cache_write_tokens"),
          expression.fn.sum<number | string>("cost_nano_usd").as("cost_nano_usd"),
        ])
        .where("day_number", ">=", dayNumberOf(from))
        .where("day_number", "<", Math.ceil(to / DAY_MS))
        .$if(userId !== undefined, (query) => query.where("user_id", "=", userId as string))
        .groupBy(["day_number", "model"])
        .orderBy("day_number")
        .orderBy("model")
        .execute();
      return rows.map((row) => ({
        day: new Date(Number(row.day_number) * DAY_MS).toISOString().slice(0, 10),
        model: row.model,
        replies: Number(row.replies),
        embeddingRequests: Number(row.embedding_requests),
        inputTokens: Number(row.input_tokens),
        outputTokens: Number(row.output_tokens),
        cacheReadTokens: Number(row.cache_read_tokens),
        cacheWriteTokens: Number(row.cache_write_tokens),
        costUsd: Number(row.cost_nano_usd) / NANO_USD_PER_USD,
      }));
    },

    async tokensOnDay(userId, at) {
      // Cache reads and writes are within the input tokens, and count toward quotas as any input does.
      const row = await database
        .selectFrom("usage_daily")
        .select((expression) =>
          expression.fn
            .sum<number | string>(expression("input_tokens", "+", expression.ref("output_tokens")))
            .as("tokens"),
        )
        .where("user_id", "=", userId)
        .where("day_number", "=", dayNumberOf(at))
        .executeTakeFirst();
      return Number(row?.tokens ?? 0);
    },

    async deleteByUser(userId) {
      await database
        .deleteFrom("key_usage_daily")
        .where("api_key_id", "in", database.selectFrom("api_keys").select("id").where("user_id", "=", userId))
        .execute();
      await database.deleteFrom("usage_daily").where("user_id", "=", userId).execute();
    },

    async keyTokensOnDay(apiKeyId, at) {
      const row = await database
        .selectFrom("key_usage_daily")
        .select("tokens")
        .where("api_key_id", "=", apiKeyId)
        .where("day_number", "=", dayNumberOf(at))
        .executeTakeFirst();
      return Number(row?.tokens ?? 0);
    },
  };
}

function dayNumberOf(at: number): number {
  return Math.floor(at / DAY_MS);
}
