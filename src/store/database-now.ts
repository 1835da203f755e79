/** The database server's clock, in epoch milliseconds, as an SQL expression for either dialect. */
import { type Kysely, PostgresAdapter, type RawBuilder, sql } from "kysely";

/**
 * Instances on several machines compare each other's heartbeats; stamping and reading them by the one clock of
 * the database keeps a machine whose clock is off from looking dead to the others, or alive when it is not.
 */
export function databaseNow<Database>(database: Kysely<Database>): RawBuilder<number> {
  return database.getExecutor().adapter instanceof PostgresAdapter
    ? // clock_timestamp(), not now(): now() stays at the start of the transaction.
      sql<number>`cast(floor(extract(epoch from clock_timestamp()) * 1000) as bigint)`
    : // julianday 2440587.5 is 1970-01-01T00:00Z; 'now' has millisecond precision.
      sql<number>`cast((julianday('now') - 2440587.5) * 86400000 as integer)`;
}

/** `databaseNow` minus `milliseconds`: the moment before which a heartbeat is stale. */
export function databaseNowMinus<Database>(
  database: Kysely<Database>,
  milliseconds: number,
): RawBuilder<number> {
  // A whole number, so PostgreSQL takes it as a bigint like the column it is compared with.
  return sql<number>`(${databaseNow(database)} - ${Math.round(milliseconds)})`;
}
