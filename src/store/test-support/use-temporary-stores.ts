/**
 * Test support: stores on real databases that are thrown away after the test file: SQLite files in a temporary
 * directory, or fresh PostgreSQL databases on the test server.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, afterEach } from "vitest";
import type { ParleyStore } from "../../core/parley-store.js";
import { openStore } from "../open-store.js";
import { useTemporaryPostgresDatabases } from "./use-temporary-postgres-databases.js";

export type StoreDialect = "sqlite" | "postgres";

/** Every database the store runs on, for `describe.each(storeDialects)("... on %s", (dialect) => ...)`. */
export const storeDialects: readonly StoreDialect[] = ["sqlite", "postgres"];

export type TemporaryStores = {
  dialect: StoreDialect;
  /** Where a new, empty database is: a file path on SQLite, a URL on PostgreSQL. Pass it to `open`. */
  newDatabase(): Promise<string>;
  /** A new SQLite file path, for tests of SQLite itself. */
  databasePath(): string;
  /** Opens a store on `location` (a path or URL from `newDatabase`), or on a new database. */
  open(location?: string): Promise<ParleyStore>;
  /**
   * Runs SQL on a connection of its own, beside the store, to look at rows as the database holds them. Parameters
   * are `?` in either dialect; numbers come back as the driver gives them (pg: a count or bigint is a string).
   */
  query(location: string, sqlText: string, parameters?: unknown[]): Promise<Record<string, unknown>[]>;
};

/**
 * Call once at the top of a test file, or of a `describe` per dialect. Every store is closed after each test
 * (closing twice is harmless), and the databases are removed after the file.
 */
export function useTemporaryStores(dialect: StoreDialect = "sqlite"): TemporaryStores {
  const directory = mkdtempSync(join(tmpdir(), "parley-store-"));
  const postgres = dialect === "postgres" ? useTemporaryPostgresDatabases() : undefined;
  const openStores = new Set<ParleyStore>();
  let count = 0;
  const databasePath = () => join(directory, `test-${++count}.db`);
  const newDatabase = async () => (postgres === undefined ? databasePath() : postgres.create());

  afterEach(async () => {
    for (const store of openStores) await store.close();
    openStores.clear();
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  return {
    dialect,
    newDatabase,
    databasePath,
    async open(location) {
      const at = location ?? (await newDatabase());
      const store = await openStore(dialect === "postgres" ? { databaseUrl: at } : { sqlitePath: at });
      openStores.add(store);
      return store;
    },
    async query(location, sqlText, parameters = []) {
      if (dialect === "sqlite") {
        const database = new Database(location, { readonly: true });
        try {
          return database.prepare(sqlText).all(...parameters) as Record<string, unknown>[];
        } finally {
          database.close();
        }
      }
      const client = new pg.Client({ connectionString: location });
      await client.connect();
      try {
        let index = 0;
        const { rows } = await client.query(
          sqlText.replace(/\?/g, () => `$${++index}`),
          parameters,
        );
        return rows;
      } finally {
        await client.end();
      }
    },
  };
}
