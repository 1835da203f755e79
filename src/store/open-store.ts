/** Opens Parley's database from configuration, migrates it to the latest schema and returns the storage port. */
import Database from "better-sqlite3";
import { Kysely, sql } from "kysely";
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
import { SqliteWriterThread } from "./sqlite-writer-thread.js";
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
  /**
   * For a long-running server: SQLite executes and commits every write on a worker thread's connection, and the
   * server's thread only reads (see WriterThreadSqliteDriver). Short commands write on their own thread.
   */
  backgroundWrites?: boolean;
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
  const inMemory = isInMemorySqlitePath(config.sqlitePath);
  const { database, sqlite } = await openSqlite(config.sqlitePath, {
    writerThread: options.backgroundWrites === true && !inMemory,
  });
  const store = createParleyStore(database);
  if (!options.backgroundCheckpoints || inMemory) return store;
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
  options: { writerThread: boolean },
): Promise<{ database: Kysely<ParleyDatabase>; sqlite: Database.Database }> {
  const sqlite = openSqliteDatabase(sqlitePath);
  const cached = withStatementCache(sqlite);
  const database = new Kysely<ParleyDatabase>({ dialect: new ParleySqliteDialect({ database: cached }) });
  sqlite.pragma(`busy_timeout = ${MIGRATION_BUSY_TIMEOUT_MILLISECONDS}`);
  try {
    await migrateToLatest(database);
  } catch (error) {
    await database.destroy();
    throw isBusy(error) ? lockedWhileMigrating(sqlitePath, error) : error;
  }
  // Once the schema is there, a request should fail soon rather than hang behind a stuck writer.
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MILLISECONDS}`);
  if (!options.writerThread) return { database, sqlite };
  // The schema is in place: from here on, writes go to a second connection on a thread of their own. (The
  // migrating instance is dropped, not destroyed: destroying it would close the connection that goes on reading.)
  const writer = new SqliteWriterThread(sqlitePath);
  const split = new Kysely<ParleyDatabase>({
    dialect: new ParleySqliteDialect({ database: cached, writer }),
  });
  // Kysely starts a driver on its first query, and destroying one never started does nothing: started now, the
  // writer thread closes with the store even if the store never wrote.
  await sql`select 1`.execute(split);
  return { database: split, sqlite };
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
