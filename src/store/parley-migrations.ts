/** Parley's schema history, kept in code so a bundled or installed server never reads migration files from disk. */
import type { Kysely, Migration } from "kysely";

/**
 * Kysely runs these in the order of their names, so names start with a zero-padded number.
 * Never edit a migration that has shipped: add a new one.
 * Only portable column types (text, bigint, integer) so the same history builds SQLite and PostgreSQL.
 */
export const parleyMigrations: Record<string, Migration> = {
  "0001-initial-schema": {
    async up(database: Kysely<unknown>): Promise<void> {
      await database.schema
        .createTable("conversations")
        .addColumn("id", "text", (column) => column.primaryKey())
        .addColumn("title", "text", (column) => column.notNull())
        .addColumn("bot_id", "text")
        .addColumn("created_at", "bigint", (column) => column.notNull())
        .addColumn("updated_at", "bigint", (column) => column.notNull())
        .execute();
      // The conversation list is always ordered by this column.
      await database.schema
        .createIndex("conversations_updated_at")
        .on("conversations")
        .column("updated_at")
        .execute();

      await database.schema
        .createTable("messages")
        .addColumn("id", "text", (column) => column.primaryKey())
        .addColumn("conversation_id", "text", (column) =>
          column.notNull().references("conversations.id").onDelete("cascade"),
        )
        .addColumn("parent_id", "text")
        .addColumn("role", "text", (column) => column.notNull())
        .addColumn("content", "text", (column) => column.notNull())
        .addColumn("status", "text", (column) => column.notNull())
        .addColumn("model", "text")
        .addColumn("run_id", "text")
        .addColumn("finish_reason", "text")
        .addColumn("usage_json", "text")
        .addColumn("timings_json", "text")
        .addColumn("error_json", "text")
        .addColumn("created_at", "bigint", (column) => column.notNull())
        .addColumn("updated_at", "bigint", (column) => column.notNull())
        .execute();
      // Serves both "messages of a conversation, oldest first" and the cascade from conversations.
      await database.schema
        .createIndex("messages_conversation_id_created_at")
        .on("messages")
        .columns(["conversation_id", "created_at"])
        .execute();

      await database.schema
        .createTable("runs")
        .addColumn("id", "text", (column) => column.primaryKey())
        .addColumn("conversation_id", "text", (column) =>
          column.notNull().references("conversations.id").onDelete("cascade"),
        )
        .addColumn("user_message_id", "text", (column) => column.notNull())
        .addColumn("assistant_message_id", "text", (column) => column.notNull())
        .addColumn("model", "text", (column) => column.notNull())
        .addColumn("status", "text", (column) => column.notNull())
        .addColumn("created_at", "bigint", (column) => column.notNull())
        .addColumn("ended_at", "bigint")
        .execute();
      // At startup the server finds runs left `running` by a dead process.
      await database.schema.createIndex("runs_status").on("runs").column("status").execute();
      // Without it, deleting a conversation scans every run to cascade.
      await database.schema
        .createIndex("runs_conversation_id")
        .on("runs")
        .column("conversation_id")
        .execute();

      await database.schema
        .createTable("run_events")
        .addColumn("run_id", "text", (column) => column.notNull().references("runs.id").onDelete("cascade"))
        .addColumn("id", "integer", (column) => column.notNull())
        .addColumn("event", "text", (column) => column.notNull())
        .addColumn("data_json", "text", (column) => column.notNull())
        // The key makes a replayed append fail, and its index serves listAfter, lastId and the cascade.
        .addPrimaryKeyConstraint("run_events_primary_key", ["run_id", "id"])
        .execute();
    },

    async down(database: Kysely<unknown>): Promise<void> {
      await database.schema.dropTable("run_events").execute();
      await database.schema.dropTable("runs").execute();
      await database.schema.dropTable("messages").execute();
      await database.schema.dropTable("conversations").execute();
    },
  },
  "0002-message-usage-columns": {
    // Usage totals per day and model are summed in SQL, so the numbers live in columns, not only in JSON.
    // Cost is kept in nano-dollars as a bigint: exact sums, and no float column type that differs by database.
    async up(database: Kysely<unknown>): Promise<void> {
      await database.schema.alterTable("messages").addColumn("input_tokens", "integer").execute();
      await database.schema.alterTable("messages").addColumn("output_tokens", "integer").execute();
      await database.schema.alterTable("messages").addColumn("cost_nano_usd", "bigint").execute();
      await database.schema.createIndex("messages_created_at").on("messages").column("created_at").execute();
    },

    async down(database: Kysely<unknown>): Promise<void> {
      await database.schema.dropIndex("messages_created_at").execute();
      await database.schema.alterTable("messages").dropColumn("cost_nano_usd").execute();
      await database.schema.alterTable("messages").dropColumn("output_tokens").execute();
      await database.schema.alterTable("messages").dropColumn("input_tokens").execute();
    },
  },
  "0003-accounts": {
    async up(database: Kysely<unknown>): Promise<void> {
      await database.schema
        .createTable("users")
        .addColumn("id", "text", (column) => column.primaryKey())
        .addColumn("email", "text", (column) => column.notNull().unique())
        .addColumn("role", "text", (column) => column.notNull())
        .addColumn("password_hash", "text", (column) => column.notNull())
        .addColumn("requests_per_minute", "integer")
        .addColumn("tokens_per_day", "bigint")
        .addColumn("created_at", "bigint", (column) => column.notNull())
        .execute();

      await database.schema
        .createTable("sessions")
        .addColumn("token_hash", "text", (column) => column.primaryKey())
        .addColumn("user_id", "text", (column) => column.notNull().references("users.id").onDelete("cascade"))
        .addColumn("created_at", "bigint", (column) => column.notNull())
        .addColumn("expires_at", "bigint", (column) => column.notNull())
        .execute();

      await database.schema
        .createTable("api_keys")
        .addColumn("id", "text", (column) => column.primaryKey())
        .addColumn("user_id", "text", (column) => column.notNull().references("users.id").onDelete("cascade"))
        .addColumn("name", "text", (column) => column.notNull())
        .addColumn("prefix", "text", (column) => column.notNull())
        .addColumn("key_hash", "text", (column) => column.notNull().unique())
        .addColumn("created_at", "bigint", (column) => column.notNull())
        .addColumn("last_used_at", "bigint")
        .addColumn("revoked_at", "bigint")
        .execute();
      await database.schema.createIndex("api_keys_user_id").on("api_keys").column("user_id").execute();

      // Owners are plain ids, not foreign keys: single-user mode owns its conversations as "local",
      // which is no row of `users`. Conversations from before accounts belong to that local user.
      await database.schema
        .alterTable("conversations")
        .addColumn("user_id", "text", (column) => column.notNull().defaultTo("local"))
        .execute();
      await database.schema
        .createIndex("conversations_user_id_updated_at")
        .on("conversations")
        .columns(["user_id", "updated_at"])
        .execute();
      await database.schema
        .alterTable("runs")
        .addColumn("user_id", "text", (column) => column.notNull().defaultTo("local"))
        .execute();
    },

    async down(database: Kysely<unknown>): Promise<void> {
      await database.schema.alterTable("runs").dropColumn("user_id").execute();
      await database.schema.dropIndex("conversations_user_id_updated_at").execute();
      await database.schema.alterTable("conversations").dropColumn("user_id").execute();
      await database.schema.dropTable("api_keys").execute();
      await database.schema.dropTable("sessions").execute();
      await database.schema.dropTable("users").execute();
    },
  },
};
