/** Runs repository work that writes several rows all together, in the caller's transaction or a new one. */
import type { Kysely } from "kysely";
import type { ParleyDatabase } from "./parley-database.js";

/**
 * Inside `work`, read and write only through the database it is given: SQLite has one connection, which the
 * transaction holds, so a query through the outer database would wait for the transaction to end, forever (on
 * PostgreSQL it would run outside the transaction, on another connection).
 */
export function withinTransaction<T>(
  database: Kysely<ParleyDatabase>,
  work: (transaction: Kysely<ParleyDatabase>) => Promise<T>,
): Promise<T> {
  return database.isTransaction ? work(database) : database.transaction().execute(work);
}
