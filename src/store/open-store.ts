/** Opens Parley's database from configuration, migrates it to the latest schema and returns the storage port. */
import Database from "better-sqlite3";
import { Kysely } from "kysely";
import { AppError } from "../core/app-error.js";
import type { ParleyStore } from "../core/parley-store.js";
import { migrateToLatest } from "./migrate-to-latest.js";
import { openPostgresDatabase } from "./open-postgres-database.js";
import {
  BUSY_TIMEOUT_MILLISECONDS,
  isInMemorySqlitePath,
  openSqliteDatabase,
} from "./open-sqlite-database.js";
import type { ParleyDatabase } from "./parley-database.js";
import { ParleySqliteDialect } from "./parley-sqlite-dialect.js";
import { createParleyStore } from "./parley-store.js";
import { withStatementCache } from "./statement-cache.js";
import { WalCheckpointer } from "./wal-checkpointer.js";

/**
 * SQLite in a local file by default; a PostgreSQL URL (`database`, PARLEY_DATABASE_URL) when several instances
 * share state.
 */
export type StoreConfig = { sqlitePath: string } | { databaseUrl: string };

export type OpenStoreOptions = {
  /**
   * For a long-running server: a worker thread copies SQLite's write-ahead log into the database file, so the
   * server's thread never stops for it (see WalCheckpointer). Short commands leave it to SQLite.
   */
  backgroundCheckpoints?: boolean;
};

/**
 * How long opening waits for another process that is migrating the same file. All pending migrations run in
 * one immediate transaction, so every other process opening the file (a second server, the CLI) waits for the
 * write lock until they are done. A new file's whole schema takes some 50 ms on an idle machine, but on a loaded
 * one it has outlasted the 5 s an ordinary write waits, and a process opening the file beside it failed with
 * "database is locked". Waiting longer is safe: a process that dies mid-migration releases its lock at once
 * and its transaction rolls back, so only a live, working migration is waited for.
 */
const MIGRATION_BUSY_TIMEOUT_MILLISECONDS = 60_000;

export async function openStore(config: StoreConfig, options: OpenStoreOptions = {}): Promise<ParleyStore> {
  if ("databaseUrl" in config) return createParleyStore(await openPostgres(config.databaseUrl));
  const { database, sqlite } = await openSqlite(config.sqlitePath);
  const store = createParleyStore(database);
  if (!options.backgroundCheckpoints || isInMemorySqlitePath(config.sqlitePath)) return store;
  const checkpointer = new WalCheckpointer(sqlite, config.sqlitePath);
  return {
    ...store,
    async close() {
      // The worker's connection goes first, so that closing the last one checkpoints and removes the log.
      await checkpointer.stop();
      await store.close();
    },
  };
}

async function openSqlite(
  sqlitePath: string,
): Promise<{ database: Kysely<ParleyDatabase>; sqlite: Database.Database }> {
  const sqlite = openSqliteDatabase(sqlitePath);
  const database = new Kysely<ParleyDatabase>({
    dialect: new ParleySqliteDialect({ database: withStatementCache(sqlite) }),
  });
  sqlite.pragma(`busy_timeout = ${MIGRATION_BUSY_TIMEOUT_MILLISECONDS}`);
  try {
    await migrateToLatest(database);
  } catch (error) {
    await database.destroy();
    throw isBusy(error) ? lockedWhileMigrating(sqlitePath, error) : error;
  }
  // Once the schema is there, a request should fail soon rather than hang behind a stuck writer.
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MILLISECONDS}`);
  return { database, sqlite };
}

function isBusy(error: unknown): boolean {
  const cause = error instanceof AppError ? error.cause : error;
  return cause instanceof Database.SqliteError && cause.code.startsWith("SQLITE_BUSY");
}

function lockedWhileMigrating(sqlitePath: string, error: unknown): AppError {
  return new AppError(
    "migration_failed",
    `Another process kept the database at ${JSON.stringify(sqlitePath)} locked for over ` +
      `${MIGRATION_BUSY_TIMEOUT_MILLISECONDS / 1_000} s while this one waited to bring its schema up to date. ` +
      "Stop the other Parley process using this file, or try again once it has finished.",
    { cause: error },
  );
}

/**
 * Several instances may start together on a new database: Kysely's migrator holds a PostgreSQL advisory lock and
 * runs all pending migrations in one transaction, so one of them migrates and the others wait, then find it done.
 */
async function openPostgres(databaseUrl: string): Promise<Kysely<ParleyDatabase>> {
  const database = await openPostgresDatabase(databaseUrl);
  try {
    await migrateToLatest(database);
  } catch (error) {
    await database.destroy();
    throw error;
  }
  return database;
}
