/** better-sqlite3 behind Kysely's SqliteDatabase interface, keeping prepared statements for reuse by SQL text. */
import type BetterSqlite3 from "better-sqlite3";
import type { SqliteDatabase } from "kysely";

/**
 * Kysely's SQLite driver prepares every query anew. Parley runs the same few statements many times a second
 * while replies stream (event appends, resumes), so preparing each one once pays off. The cache is a small
 * LRU because multi-row inserts produce one SQL text per row count.
 *
 * Reusing a statement is safe here: Kysely holds SQLite's single connection for the whole of each query,
 * so no statement is ever run while another run of it is still being read.
 */
export function withStatementCache(database: BetterSqlite3.Database, capacity = 256): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    prepare(sqlText) {
      const cached = statements.get(sqlText);
      if (cached !== undefined) {
        // Re-inserting moves it to the end, so the first key is always the least recently used.
        statements.delete(sqlText);
        statements.set(sqlText, cached);
        return cached;
      }
      const statement = database.prepare(sqlText);
      statements.set(sqlText, statement);
      if (statements.size > capacity) {
        const leastRecentlyUsed = statements.keys().next().value;
        if (leastRecentlyUsed !== undefined) statements.delete(leastRecentlyUsed);
      }
      return statement;
    },
    close() {
      statements.clear();
      database.close();
    },
  };
}
