/**
 * For tests of a migration: a database of either kind brought up to an earlier migration, written to as the Parley of
 * that time would have, then closed, for the store to open and migrate the rest of the way.
 */
import { Kysely, Migrator } from "kysely";
import { openPostgresDatabase } from "../open-postgres-database.js";
import { openSqliteDatabase } from "../open-sqlite-database.js";
import { parleyMigrations } from "../parley-migrations.js";
import { ParleySqliteDialect } from "../parley-sqlite-dialect.js";
import type { StoreDialect } from "./use-temporary-stores.js";

export async function writeAtMigration(
  dialect: StoreDialect,
  location: string,
  migration: string,
  write: (database: Kysely<unknown>) => Promise<unknown>,
): Promise<void> {
  // Untyped: the schema is that of the earlier migration, not today's ParleyDatabase.
  const database: Kysely<unknown> =
    dialect === "postgres"
      ? ((await openPostgresDatabase(location)) as unknown as Kysely<unknown>)
      : new Kysely<unknown>({ dialect: new ParleySqliteDialect({ database: openSqliteDatabase(location) }) });
  try {
    const migrator = new Migrator({
      db: database,
      provider: { getMigrations: async () => parleyMigrations },
    });
    const { error } = await migrator.migrateTo(migration);
    if (error) throw error;
    await write(database);
  } finally {
    await database.destroy();
  }
}
