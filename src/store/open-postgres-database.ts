/** Connects Parley to a PostgreSQL database through a pg pool, for instances that share their state. */
import { Kysely, PostgresDialect, sql } from "kysely";
import { ConfigError } from "../core/app-error.js";
import { nulSafePostgresPool } from "./nul-safe-postgres-pool.js";
import type { ParleyDatabase } from "./parley-database.js";

/**
 * Connections per Parley instance. A streaming reply holds one only for the moment of each write, so a few serve
 * many replies; several instances behind a load balancer multiply it, and PostgreSQL allows 100 by default.
 */
const POOL_SIZE = 10;

/** How long to wait for a connection: a server that does not answer fails the start rather than hanging it. */
const CONNECT_TIMEOUT_MILLISECONDS = 10_000;

/** Opens the pool and checks that the database answers; the schema is not touched yet. */
export async function openPostgresDatabase(databaseUrl: string): Promise<Kysely<ParleyDatabase>> {
  if (!/^postgres(ql)?:\/\/\S+$/i.test(databaseUrl)) {
    throw new ConfigError(
      `The database URL ${JSON.stringify(withoutPassword(databaseUrl))} is not a PostgreSQL URL. ` +
        "Use one such as postgres://user:password@host:5432/parley, or leave `database` (PARLEY_DATABASE_URL) " +
        "unset to keep data in the local SQLite file.",
    );
  }
  // Loaded here, not with the module: a server on SQLite never needs the driver's memory or its start-up time.
  const { default: pg } = await import("pg");
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: POOL_SIZE,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MILLISECONDS,
    application_name: "parley",
  });
  // An idle connection the server closed (a restart, a failover) would otherwise crash the process with an
  // unhandled 'error' event; the pool has already dropped it and opens a new one for the next query.
  pool.on("error", () => {});
  const database = new Kysely<ParleyDatabase>({
    dialect: new PostgresDialect({ pool: nulSafePostgresPool(pool) }),
  });
  try {
    await sql`select 1`.execute(database);
  } catch (error) {
    await database.destroy();
    throw new ConfigError(
      `Cannot connect to the PostgreSQL database at ${withoutPassword(databaseUrl)}: ${reasonOf(error)}. ` +
        "Check that the server runs and that the URL's host, port, user, password and database are right " +
        "(the database must exist: createdb parley).",
      { cause: error },
    );
  }
  return database;
}

/** "localhost" has an IPv4 and an IPv6 address: when both refuse, Node reports an AggregateError with no message. */
function reasonOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return [...new Set(error.errors.map(reasonOf))].join("; ");
  }
  return error instanceof Error && error.message !== "" ? error.message : String(error);
}

/** The URL as it may appear in logs and error messages. */
export function withoutPassword(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password !== "") url.password = "***";
    return url.toString();
  } catch {
    return databaseUrl.replace(/\/\/([^:/@]*):[^@]*@/, "//$1:***@");
  }
}
