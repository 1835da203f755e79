/** Parley's schema history, kept in code so a bundled or installed server never reads migration files from disk. */
import { type Kysely, type Migration, SqliteAdapter, sql } from "kysely";

/**
 * Kysely runs these in the order of their names, so names start with a zero-padded number.
 * Never edit a migration that has shipped: add a new one.
 * Only portable column types (text, bigint, integer) so the same history builds SQLite and PostgreSQL; where a
 * database needs its own kind (bytes, full-text search), the migration asks which one it runs on.
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
  "0004-bots": {
    async up(database: Kysely<unknown>): Promise<void> {
      await database.schema
        .createTable("bots")
        .addColumn("id", "text", (column) => column.primaryKey())
        // A plain id like conversations.user_id: built-in bots belong to "parley", which is no row of `users`.
        .addColumn("owner_id", "text", (column) => column.notNull())
        // Slugs name bots across users (`bot:<slug>` on the compatible APIs), so they are unique everywhere.
        .addColumn("slug", "text", (column) => column.notNull().unique())
        .addColumn("visibility", "text", (column) => column.notNull())
        // Seeding looks built-in bots up by key; unique, so two servers starting together seed each once.
        .addColumn("built_in", "text", (column) => column.unique())
        .addColumn("version", "integer", (column) => column.notNull())
        .addColumn("created_at", "bigint", (column) => column.notNull())
        .addColumn("updated_at", "bigint", (column) => column.notNull())
        .execute();
      await database.schema.createIndex("bots_owner_id").on("bots").column("owner_id").execute();
      await database.schema.createIndex("bots_visibility").on("bots").column("visibility").execute();

      await database.schema
        .createTable("bot_versions")
        .addColumn("bot_id", "text", (column) => column.notNull().references("bots.id").onDelete("cascade"))
        .addColumn("version", "integer", (column) => column.notNull())
        .addColumn("slug", "text", (column) => column.notNull())
        .addColumn("visibility", "text", (column) => column.notNull())
        .addColumn("name", "text", (column) => column.notNull())
        .addColumn("description", "text", (column) => column.notNull())
        .addColumn("avatar", "text", (column) => column.notNull())
        .addColumn("instructions", "text", (column) => column.notNull())
        .addColumn("settings_json", "text", (column) => column.notNull())
        .addColumn("saved_by", "text", (column) => column.notNull())
        .addColumn("created_at", "bigint", (column) => column.notNull())
        // The key makes two saves racing for the same next version fail loudly instead of both landing.
        .addPrimaryKeyConstraint("bot_versions_primary_key", ["bot_id", "version"])
        .execute();

      // Not a foreign key: a conversation outlives its bot, and keeps saying which one it was.
      await database.schema.alterTable("conversations").addColumn("bot_version", "integer").execute();

      await database.schema
        .createTable("knowledge_documents")
        .addColumn("id", "text", (column) => column.primaryKey())
        .addColumn("bot_id", "text", (column) => column.notNull().references("bots.id").onDelete("cascade"))
        .addColumn("title", "text", (column) => column.notNull())
        .addColumn("media_type", "text", (column) => column.notNull())
        .addColumn("content", "text", (column) => column.notNull())
        .addColumn("sentence_count", "integer", (column) => column.notNull())
        .addColumn("created_at", "bigint", (column) => column.notNull())
        .execute();
      await database.schema
        .createIndex("knowledge_documents_bot_id")
        .on("knowledge_documents")
        .column("bot_id")
        .execute();
      await database.schema
        .createTable("knowledge_sentences")
        .addColumn("document_id", "text", (column) =>
          column.notNull().references("knowledge_documents.id").onDelete("cascade"),
        )
        .addColumn("position", "integer", (column) => column.notNull())
        .addColumn("start_offset", "integer", (column) => column.notNull())
        .addColumn("end_offset", "integer", (column) => column.notNull())
        .addPrimaryKeyConstraint("knowledge_sentences_primary_key", ["document_id", "position"])
        .execute();
      // Full-text search is the one part each database does its own way: SQLite's FTS5 (BM25 ranking, Porter
      // stemming so "loops" finds "loop"), PostgreSQL a tsvector with a GIN index (english stemming), both in a
      // table named knowledge_sentences_fts with the sentence's text, bot and key (see knowledge-text-index.ts).
      if (database.getExecutor().adapter instanceof SqliteAdapter) {
        await sql`create virtual table knowledge_sentences_fts using fts5(
          text, bot_id unindexed, document_id unindexed, position unindexed,
          tokenize = 'porter unicode61 remove_diacritics 2'
        )`.execute(database);
        // A virtual table takes no part in ON DELETE CASCADE, so a trigger keeps it in step, also when a bot goes.
        await sql`create trigger knowledge_documents_delete_fts after delete on knowledge_documents
          begin delete from knowledge_sentences_fts where document_id = old.id; end`.execute(database);
      } else {
        // This branch was added with the PostgreSQL store, before any PostgreSQL database existed to have run 0004.
        await database.schema
          .createTable("knowledge_sentences_fts")
          .addColumn("document_id", "text", (column) => column.notNull())
          .addColumn("position", "integer", (column) => column.notNull())
          .addColumn("bot_id", "text", (column) => column.notNull())
          .addColumn("text", "text", (column) => column.notNull())
          // Written by the repository from the text with its accents removed, as FTS5's remove_diacritics does.
          .addColumn("search", sql`tsvector`, (column) => column.notNull())
          .addPrimaryKeyConstraint("knowledge_sentences_fts_primary_key", ["document_id", "position"])
          // A real table, so the sentence's own cascade removes its entry, also when the document or bot goes.
          .addForeignKeyConstraint(
            "knowledge_sentences_fts_sentence",
            ["document_id", "position"],
            "knowledge_sentences",
            ["document_id", "position"],
            (constraint) => constraint.onDelete("cascade"),
          )
          .execute();
        await sql`create index knowledge_sentences_fts_search on knowledge_sentences_fts using gin (search)`.execute(
          database,
        );
        await database.schema
          .createIndex("knowledge_sentences_fts_bot_id")
          .on("knowledge_sentences_fts")
          .column("bot_id")
          .execute();
      }
    },

    async down(database: Kysely<unknown>): Promise<void> {
      if (database.getExecutor().adapter instanceof SqliteAdapter) {
        await sql`drop trigger knowledge_documents_delete_fts`.execute(database);
        await sql`drop table knowledge_sentences_fts`.execute(database);
      } else {
        await database.schema.dropTable("knowledge_sentences_fts").execute();
      }
      await database.schema.dropTable("knowledge_sentences").execute();
      await database.schema.dropTable("knowledge_documents").execute();
      await database.schema.alterTable("conversations").dropColumn("bot_version").execute();
      await database.schema.dropTable("bot_versions").execute();
      await database.schema.dropTable("bots").execute();
    },
  },
  "0005-files": {
    async up(database: Kysely<unknown>): Promise<void> {
      // The bytes live in the database, not as files under the data dir: images are capped at a few MB, and
      // one store keeps a file's record and bytes in one transaction (no orphan or half-written file after a
      // crash), in one backup, and reachable from every instance once the store is PostgreSQL.
      const bytesType = database.getExecutor().adapter instanceof SqliteAdapter ? "blob" : "bytea";
      await database.schema
        .createTable("files")
        .addColumn("id", "text", (column) => column.primaryKey())
        // A plain id like conversations.user_id: single-user mode's "local" is no row of `users`.
        .addColumn("user_id", "text", (column) => column.notNull())
        .addColumn("name", "text", (column) => column.notNull())
        .addColumn("media_type", "text", (column) => column.notNull())
        .addColumn("byte_count", "integer", (column) => column.notNull())
        .addColumn("width", "integer")
        .addColumn("height", "integer")
        .addColumn("created_at", "bigint", (column) => column.notNull())
        // Last, so a query for the record alone never reads the bytes' overflow pages.
        .addColumn("data", bytesType, (column) => column.notNull())
        .execute();
      await database.schema.createIndex("files_user_id").on("files").column("user_id").execute();

      await database.schema
        .createTable("message_attachments")
        .addColumn("message_id", "text", (column) =>
          column.notNull().references("messages.id").onDelete("cascade"),
        )
        .addColumn("position", "integer", (column) => column.notNull())
        .addColumn("file_id", "text", (column) => column.notNull().references("files.id"))
        // The key serves listing a message's attachments and the cascade from messages.
        .addPrimaryKeyConstraint("message_attachments_primary_key", ["message_id", "position"])
        .execute();
      // Without it, the foreign-key check of deleting a file scans every attachment.
      await database.schema
        .createIndex("message_attachments_file_id")
        .on("message_attachments")
        .column("file_id")
        .execute();
    },

    async down(database: Kysely<unknown>): Promise<void> {
      await database.schema.dropTable("message_attachments").execute();
      await database.schema.dropTable("files").execute();
    },
  },
  "0006-message-citations": {
    // A bot's reply keeps the citations its run sent, so a reloaded conversation shows them without replaying the
    // run's events. JSON text: read whole with the message, never queried.
    async up(database: Kysely<unknown>): Promise<void> {
      await database.schema.alterTable("messages").addColumn("citations_json", "text").execute();
      // Replies written before this column kept their citations only in their runs' event logs: copied over once,
      // in the order they were sent (each assistant message has exactly one run).
      const { rows } = await sql<{ message_id: string; data_json: string }>`
        select runs.assistant_message_id as message_id, run_events.data_json
        from run_events join runs on runs.id = run_events.run_id
        where run_events.event = 'citation'
        order by run_events.run_id, run_events.id`.execute(database);
      const citationsByMessage = new Map<string, unknown[]>();
      for (const row of rows) {
        const citations = citationsByMessage.get(row.message_id) ?? [];
        citations.push(JSON.parse(row.data_json));
        citationsByMessage.set(row.message_id, citations);
      }
      for (const [messageId, citations] of citationsByMessage) {
        await sql`update messages set citations_json = ${JSON.stringify(citations)} where id = ${messageId}`.execute(
          database,
        );
      }
    },

    async down(database: Kysely<unknown>): Promise<void> {
      await database.schema.alterTable("messages").dropColumn("citations_json").execute();
    },
  },
  "0007-knowledge-embeddings": {
    // A vector per sentence and embedding model, as float32 bytes. The model is part of the key: after
    // knowledge.embeddingModel changes, the old model's vectors are never compared with the new one's.
    async up(database: Kysely<unknown>): Promise<void> {
      const bytesType = database.getExecutor().adapter instanceof SqliteAdapter ? "blob" : "bytea";
      await database.schema
        .createTable("knowledge_embeddings")
        .addColumn("document_id", "text", (column) => column.notNull())
        .addColumn("position", "integer", (column) => column.notNull())
        .addColumn("model", "text", (column) => column.notNull())
        .addColumn("vector", bytesType, (column) => column.notNull())
        .addPrimaryKeyConstraint("knowledge_embeddings_primary_key", ["document_id", "position", "model"])
        // Deleting a document deletes its sentences, and they their vectors.
        .addForeignKeyConstraint(
          "knowledge_embeddings_sentence",
          ["document_id", "position"],
          "knowledge_sentences",
          ["document_id", "position"],
          (constraint) => constraint.onDelete("cascade"),
        )
        .execute();
    },

    async down(database: Kysely<unknown>): Promise<void> {
      await database.schema.dropTable("knowledge_embeddings").execute();
    },
  },
  "0008-run-instances": {
    // Several servers share one PostgreSQL database, so a run left `running` may be another live server's reply
    // rather than a crash's leftover. Each server process records itself with a heartbeat, and each run the
    // process writing it: recovery ends only runs whose process has stopped beating. The same schema serves
    // SQLite, where the one process restarting after its crash finds its earlier life's runs orphaned.
    async up(database: Kysely<unknown>): Promise<void> {
      // A table of instances, not a heartbeat column on runs: one write per process every few seconds, however
      // many replies it streams, and none on the rows the replies themselves are writing.
      await database.schema
        .createTable("instances")
        .addColumn("id", "text", (column) => column.primaryKey())
        // Where the process runs: an instance on the same machine sees at once that it died (a restart after a
        // crash, the one server of a SQLite file), others when its heartbeat goes stale.
        .addColumn("pid_namespace", "text")
        .addColumn("pid", "integer", (column) => column.notNull())
        .addColumn("started_at", "bigint", (column) => column.notNull())
        .addColumn("last_seen_at", "bigint", (column) => column.notNull())
        .execute();
      // Not a foreign key: a run outlives the process that wrote it, whose row is removed when it stops. Runs
      // from before this migration have none, and count as orphaned when still `running`.
      await database.schema.alterTable("runs").addColumn("instance_id", "text").execute();
    },

    async down(database: Kysely<unknown>): Promise<void> {
      await database.schema.alterTable("runs").dropColumn("instance_id").execute();
      await database.schema.dropTable("instances").execute();
    },
  },
  "0009-usage-daily": {
    // Usage was summed from the day's messages on every quota check: a cost that grew with the day's replies,
    // blind to exchanges not stored and undone by deleting a conversation. A ledger by user, day and model is
    // added to as each reply ends and read in a few rows. The replies stored so far are carried over.
    async up(database: Kysely<unknown>): Promise<void> {
      await database.schema
        .createTable("usage_daily")
        .addColumn("user_id", "text", (column) => column.notNull())
        .addColumn("day_number", "integer", (column) => column.notNull())
        .addColumn("model", "text", (column) => column.notNull())
        .addColumn("replies", "bigint", (column) => column.notNull())
        .addColumn("input_tokens", "bigint", (column) => column.notNull())
        .addColumn("output_tokens", "bigint", (column) => column.notNull())
        .addColumn("cost_nano_usd", "bigint", (column) => column.notNull())
        .addPrimaryKeyConstraint("usage_daily_primary_key", ["user_id", "day_number", "model"])
        .execute();
      // Integer division of a bigint by an integer truncates in SQLite and PostgreSQL alike.
      await sql`
        INSERT INTO usage_daily (user_id, day_number, model, replies, input_tokens, output_tokens, cost_nano_usd)
        SELECT c.user_id, m.created_at / 86400000, COALESCE(m.model, 'unknown'), COUNT(*),
               SUM(m.input_tokens), SUM(COALESCE(m.output_tokens, 0)), SUM(COALESCE(m.cost_nano_usd, 0))
        FROM messages m JOIN conversations c ON c.id = m.conversation_id
        WHERE m.role = 'assistant' AND m.input_tokens IS NOT NULL
        GROUP BY c.user_id, m.created_at / 86400000, COALESCE(m.model, 'unknown')
      `.execute(database);
    },

    async down(database: Kysely<unknown>): Promise<void> {
      await database.schema.dropTable("usage_daily").execute();
    },
  },
  "0010-api-key-limits": {
    // A key can be held to less than its user may use; its daily quota reads a ledger of its own, by key and day.
    async up(database: Kysely<unknown>): Promise<void> {
      await database.schema.alterTable("api_keys").addColumn("requests_per_minute", "integer").execute();
      await database.schema.alterTable("api_keys").addColumn("tokens_per_day", "bigint").execute();
      await database.schema
        .createTable("key_usage_daily")
        .addColumn("api_key_id", "text", (column) => column.notNull())
        .addColumn("day_number", "integer", (column) => column.notNull())
        .addColumn("tokens", "bigint", (column) => column.notNull())
        .addPrimaryKeyConstraint("key_usage_daily_primary_key", ["api_key_id", "day_number"])
        .execute();
    },

    async down(database: Kysely<unknown>): Promise<void> {
      await database.schema.dropTable("key_usage_daily").execute();
      await database.schema.alterTable("api_keys").dropColumn("tokens_per_day").execute();
      await database.schema.alterTable("api_keys").dropColumn("requests_per_minute").execute();
    },
  },
  "0011-user-disabled": {
    // An admin can disable an account (someone who left the team) without deleting what it wrote.
    async up(database: Kysely<unknown>): Promise<void> {
      await database.schema.alterTable("users").addColumn("disabled_at", "bigint").execute();
    },

    async down(database: Kysely<unknown>): Promise<void> {
      await database.schema.alterTable("users").dropColumn("disabled_at").execute();
    },
  },
  "0012-session-details": {
    // A user lists their sessions and ends those they do not know: each says which browser and address signed in.
    async up(database: Kysely<unknown>): Promise<void> {
      await database.schema.alterTable("sessions").addColumn("user_agent", "text").execute();
      await database.schema.alterTable("sessions").addColumn("address", "text").execute();
    },

    async down(database: Kysely<unknown>): Promise<void> {
      await database.schema.alterTable("sessions").dropColumn("address").execute();
      await database.schema.alterTable("sessions").dropColumn("user_agent").execute();
    },
  },

  "0013-session-last-use": {
    // A session list says when each was last used, not only when it signed in, so a forgotten one stands out.
    async up(database: Kysely<unknown>): Promise<void> {
      await database.schema.alterTable("sessions").addColumn("last_used_at", "bigint").execute();
    },

    async down(database: Kysely<unknown>): Promise<void> {
      await database.schema.alterTable("sessions").dropColumn("last_used_at").execute();
    },
  },

  "0014-api-key-expiry": {
    // A key can be made to stop working by itself, for access meant to last a while only.
    async up(database: Kysely<unknown>): Promise<void> {
      await database.schema.alterTable("api_keys").addColumn("expires_at", "bigint").execute();
    },

    async down(database: Kysely<unknown>): Promise<void> {
      await database.schema.alterTable("api_keys").dropColumn("expires_at").execute();
    },
  },

  "0015-message-tool-calls": {
    // An exchange with tools keeps the calls an assistant message made, and which call a tool message answers.
    // JSON text: read whole with the message, never queried.
    async up(database: Kysely<unknown>): Promise<void> {
      await database.schema.alterTable("messages").addColumn("tool_calls_json", "text").execute();
      await database.schema.alterTable("messages").addColumn("tool_call_id", "text").execute();
    },

    async down(database: Kysely<unknown>): Promise<void> {
      await database.schema.alterTable("messages").dropColumn("tool_call_id").execute();
      await database.schema.alterTable("messages").dropColumn("tool_calls_json").execute();
    },
  },

  "0016-usage-embedding-requests": {
    // Embeddings requests were counted as replies. From now on they have a count of their own; the rows of the
    // past cannot be told apart (the ledger does not say which models embed), so they stay as they were.
    async up(database: Kysely<unknown>): Promise<void> {
      await database.schema
        .alterTable("usage_daily")
        .addColumn("embedding_requests", "bigint", (column) => column.notNull().defaultTo(0))
        .execute();
    },

    async down(database: Kysely<unknown>): Promise<void> {
      await database.schema.alterTable("usage_daily").dropColumn("embedding_requests").execute();
    },
  },

  "0017-api-key-models": {
    // A key can be held to some models. JSON text: read whole with the key, never queried; null is every model.
    async up(database: Kysely<unknown>): Promise<void> {
      await database.schema.alterTable("api_keys").addColumn("models_json", "text").execute();
    },

    async down(database: Kysely<unknown>): Promise<void> {
      await database.schema.alterTable("api_keys").dropColumn("models_json").execute();
    },
  },

  "0018-usage-cache-tokens": {
    // Of a day's input tokens, those the prompt cache served and those written to it (five-minute and hour-long
    // writes together: their prices differ, but the cost is already reckoned per reply), so a team sees what its
    // cache saved. The rows of the past did not keep them: 0, as for a server whose models cache nothing.
    async up(database: Kysely<unknown>): Promise<void> {
      await database.schema
        .alterTable("usage_daily")
        .addColumn("cache_read_tokens", "bigint", (column) => column.notNull().defaultTo(0))
        .execute();
      await database.schema
        .alterTable("usage_daily")
        .addColumn("cache_write_tokens", "bigint", (column) => column.notNull().defaultTo(0))
        .execute();
    },

    async down(database: Kysely<unknown>): Promise<void> {
      await database.schema.alterTable("usage_daily").dropColumn("cache_write_tokens").execute();
      await database.schema.alterTable("usage_daily").dropColumn("cache_read_tokens").execute();
    },
  },
};
