/** Brings a database up to Parley's latest schema; a database that is already there is left untouched. */
import { type Kysely, Migrator } from "kysely";
import { AppError } from "../core/app-error.js";
import { parleyMigrations } from "./parley-migrations.js";

/** Returns the names of the migrations it applied, empty when there was nothing to do. */
export async function migrateToLatest<Database>(database: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({
    db: database,
    provider: { getMigrations: async () => parleyMigrations },
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((result) => result.status === "Error")?.migrationName;
    const reason = error instanceof Error ? error.message : String(error);
    throw new AppError(
      "migration_failed",
      failed === undefined
        ? `The database schema could not be brought up to date: ${reason}. ` +
            "If a newer Parley migrated this database, run that version or restore a backup."
        : `Database migration ${JSON.stringify(failed)} failed and was rolled back: ${reason}.`,
      { cause: error },
    );
  }
  return results.filter((result) => result.status === "Success").map((result) => result.migrationName);
}
