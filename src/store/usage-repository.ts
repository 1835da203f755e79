/** Token and cost totals of assistant replies, summed by the database per UTC day and model. */
import { type Kysely, sql } from "kysely";
import type { UsageRepository } from "../core/parley-store.js";
import type { ParleyDatabase } from "./parley-database.js";

const DAY_MS = 86_400_000;

export function createUsageRepository(database: Kysely<ParleyDatabase>): UsageRepository {
  return {
    async totals({ from, to, userId }) {
      // Integer division of a bigint by an integer truncates in SQLite and PostgreSQL alike.
      const dayNumber = sql<number | string>`created_at / ${sql.lit(DAY_MS)}`;
      const rows = await database
        .selectFrom("messages")
        .select([
          dayNumber.as("day_number"),
          "model",
          (expression) => expression.fn.countAll<number | string>().as("replies"),
          (expression) => expression.fn.sum<number | string>("input_tokens").as("input_tokens"),
          (expression) => expression.fn.sum<number | string>("output_tokens").as("output_tokens"),
          (expression) => expression.fn.sum<number | string | null>("cost_nano_usd").as("cost_nano_usd"),
        ])
        .where("role", "=", "assistant")
        .where("input_tokens", "is not", null)
        .where("created_at", ">=", from)
        .where("created_at", "<", to)
        .$if(userId !== undefined, (query) =>
          query.where("conversation_id", "in", (subquery) =>
            subquery
              .selectFrom("conversations")
              .select("id")
              .where("user_id", "=", userId as string),
          ),
        )
        .groupBy([dayNumber, "model"])
        .orderBy("day_number")
        .orderBy("model")
        .execute();
      return rows.map((row) => ({
        day: new Date(Number(row.day_number) * DAY_MS).toISOString().slice(0, 10),
        model: row.model ?? "unknown",
        replies: Number(row.replies),
        inputTokens: Number(row.input_tokens),
        outputTokens: Number(row.output_tokens),
        costUsd: Number(row.cost_nano_usd ?? 0) / 1e9,
      }));
    },
  };
}
