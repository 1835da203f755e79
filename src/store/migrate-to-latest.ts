/** Brings a database up to Parley's latest schema; a database that is already there is left untouched. */
import { type Kysely, Migrator } from "kysely";
import { AppError } from "../core/app-error.js";
import { parleyMigrations } from "./parley-migrations.js";

/**
 * Returns the names of the migrations it applied, empty when there was nothing to do. Each migration runs in a
 * transaction, which needs a dialect with transactional DDL: ParleySqliteDialect or PostgreSQL.
 */
export async function migrateToLatest<Database>(database: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({
    db: database,
    provider: { getMigrations: async () => parleyMigrations },
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((result) => result.status === "Error")?.migrationName;
    const reason = error instanceof Error ? error.message : String(error);
    throw new AppError("migration_failed", describeFailure(failed, reason), { cause: error });
  }
  return results.filter((result) => result.status === "Success").map((result) => result.migrationName);
}

function describeFailure(failedMigration: string | undefined, reason: string): string {
  if (failedMigration !== undefined) {
    return `Database migration ${JSON.stringify(failedMigration)} failed and was rolled back: ${reason}.`;
  }
  // Kysely's words when the database holds migrations this code does not know.
  if (reason.includes("previously executed migration")) {
    return (
      `The database was migrated by a different version of Parley (${reason}). ` +
      "Run the Parley version that last used it, or restore a backup."
    );
  }
  return `The database schema could not be brought up to date: ${reason}.`;
}
