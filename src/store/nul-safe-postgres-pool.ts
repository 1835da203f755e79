/** pg's pool as Kysely's PostgreSQL dialect takes it, able to store text that holds NUL characters. */
import type { PostgresPool, PostgresPoolClient } from "kysely";
import type pg from "pg";

/**
 * PostgreSQL's text cannot hold U+0000, and refuses the whole statement ("invalid byte sequence"), where SQLite
 * keeps it. A NUL in a message, a title or a model's reply would then fail its request with a 500, or lose a reply
 * at its final write. Each one in a text parameter is stored as U+FFFD instead: one UTF-16 unit for another, so
 * citation offsets into a document still hold. JSON columns need nothing: JSON.stringify writes it as "\u0000".
 */
export function nulSafePostgresPool(pool: pg.Pool): PostgresPool {
  // Kysely keeps its connection objects per client, so each client keeps its one wrapper.
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  return {
    async connect() {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (wrapper === undefined) {
        wrapper = {
          // Kysely's other form, with a cursor, is used only when the dialect is given a cursor class.
          query: ((sqlText: string, parameters: readonly unknown[]) =>
            client.query(sqlText, parameters.map(withoutNul))) as unknown as PostgresPoolClient["query"],
          release: (destroy?: boolean) => client.release(destroy),
        };
        wrappers.set(client, wrapper);
      }
      return wrapper;
    },
    end: () => pool.end(),
  };
}

function withoutNul(value: unknown): unknown {
  return typeof value === "string" && value.includes("\u0000") ? value.replaceAll("\u0000", "\uFFFD") : value;
}
