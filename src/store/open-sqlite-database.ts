/** Opens the SQLite file Parley stores its data in, tuned for one server process that streams many small writes. */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { ConfigError } from "../core/app-error.js";

/** How long an ordinary statement waits for another process's write lock before failing with "database is locked". */
export const BUSY_TIMEOUT_MILLISECONDS = 5_000;

/** Whether the path names a database that lives in the process's memory, not a file. */
export function isInMemorySqlitePath(sqlitePath: string): boolean {
  return sqlitePath === ":memory:" || sqlitePath === "";
}

export function openSqliteDatabase(sqlitePath: string): Database.Database {
  const inMemory = isInMemorySqlitePath(sqlitePath);
  let database: Database.Database | undefined;
  try {
    // A fresh install points at data/parley.db before data/ exists; creating it beats failing the first start.
    if (!inMemory) mkdirSync(dirname(sqlitePath), { recursive: true });
    database = new Database(sqlitePath);
    // Another process (a backup, the CLI) may hold the lock for a moment; wait rather than fail at once.
    database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MILLISECONDS}`);
    // WAL lets readers go on during writes, and a killed process loses only what it had not committed.
    useWriteAheadLog(database);
    // In WAL mode NORMAL is still safe against a process crash; only a power loss can drop the last commits.
    database.pragma("synchronous = NORMAL");
    // SQLite leaves foreign keys off unless asked, and deletes cascade through them.
    database.pragma("foreign_keys = ON");
  } catch (error) {
    database?.close();
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(
      `Cannot open the SQLite database at ${JSON.stringify(sqlitePath)}: ${reason}. ` +
        "Point sqlitePath at a writable location holding a Parley database, or at a new file.",
      { cause: error },
    );
  }
  useUnicodeLower(database);
  return database;
}

/**
 * Switching a new file to WAL needs the file to itself for a moment. When several processes open a new file
 * together, SQLite may answer "database is locked" at once rather than wait (the busy timeout does not apply
 * where waiting could deadlock), so they take turns here instead.
 */
function useWriteAheadLog(database: Database.Database): void {
  const deadline = Date.now() + BUSY_TIMEOUT_MILLISECONDS;
  for (;;) {
    try {
      database.pragma("journal_mode = WAL");
      return;
    } catch (error) {
      const busy = error instanceof Database.SqliteError && error.code.startsWith("SQLITE_BUSY");
      if (!busy || Date.now() > deadline) throw error;
      // Opening is synchronous; a short blocking pause is all this waits for.
      Atomics.wait(PAUSE, 0, 0, 10 + Math.random() * 20);
    }
  }
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/**
 * SQLite's built-in lower() folds only ASCII, so "ÄRGER" would not find "ärger"; PostgreSQL's lower() folds
 * all of Unicode. Replacing it with JavaScript's keeps case-insensitive search the same in both dialects.
 */
function useUnicodeLower(database: Database.Database): void {
  database.function("lower", { deterministic: true }, (value: unknown) => {
    if (value === null) return null;
    return (typeof value === "string" ? value : String(value)).toLowerCase();
  });
}
