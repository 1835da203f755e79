/** Opens Parley's database from configuration, migrates it to the latest schema and returns the storage port. */
import { Kysely } from "kysely";
import { ConfigError } from "../core/app-error.js";
import type { ParleyStore } from "../core/parley-store.js";
import { migrateToLatest } from "./migrate-to-latest.js";
import { openSqliteDatabase } from "./open-sqlite-database.js";
import type { ParleyDatabase } from "./parley-database.js";
import { ParleySqliteDialect } from "./parley-sqlite-dialect.js";
import { createParleyStore } from "./parley-store.js";
import { withStatementCache } from "./statement-cache.js";

/** SQLite in a local file by default; a PostgreSQL URL (DATABASE_URL) when several instances share state. */
export type StoreConfig = { sqlitePath: string } | { databaseUrl: string };

export async function openStore(config: StoreConfig): Promise<ParleyStore> {
  const database = "databaseUrl" in config ? openPostgres(config.databaseUrl) : openSqlite(config.sqlitePath);
  try {
    await migrateToLatest(database);
  } catch (error) {
    await database.destroy();
    throw error;
  }
  return createParleyStore(database);
}

function openSqlite(sqlitePath: string): Kysely<ParleyDatabase> {
  const sqlite = openSqliteDatabase(sqlitePath);
  return new Kysely<ParleyDatabase>({
    dialect: new ParleySqliteDialect({ database: withStatementCache(sqlite) }),
  });
}

function openPostgres(databaseUrl: string): Kysely<ParleyDatabase> {
  if (!/^postgres(ql)?:\/\//i.test(databaseUrl)) {
    throw new ConfigError(
      "DATABASE_URL must be a PostgreSQL URL such as postgres://user:password@host:5432/parley; " +
        "leave it unset to keep data in the local SQLite file.",
    );
  }
  // The schema, migrations and queries are portable; only the pg dialect wiring is missing.
  throw new ConfigError(
    "PostgreSQL support is not built yet. Unset DATABASE_URL to keep data in the local SQLite file.",
    { details: { feature: "postgresql" } },
  );
}
