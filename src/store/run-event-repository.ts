/** The event log of runs in the database: appended while a reply streams, replayed when a client resumes. */
import type { Insertable, Kysely } from "kysely";
import { ConflictError, NotFoundError } from "../core/app-error.js";
import type { RunEventRepository, StoredRunEvent } from "../core/parley-store.js";
import { constraintViolationOf } from "./constraint-violation.js";
import type { ParleyDatabase, RunEventTable } from "./parley-database.js";

/**
 * Rows per INSERT. Four parameters a row keeps a statement far below SQLite's 32766 and pg's 65535
 * parameter limits; a live run appends a handful of events at a time, so this only splits bulk copies.
 */
const ROWS_PER_INSERT = 1_000;

export function createRunEventRepository(database: Kysely<ParleyDatabase>): RunEventRepository {
  return {
    async append(events) {
      if (events.length === 0) return;
      const rows = events.map(toRow);
      try {
        if (rows.length <= ROWS_PER_INSERT) {
          // One statement is atomic on its own: no transaction round trips on the streaming hot path.
          await database.insertInto("run_events").values(rows).execute();
        } else if (database.isTransaction) {
          await insertInChunks(database, rows);
        } else {
          await database.transaction().execute((transaction) => insertInChunks(transaction, rows));
        }
      } catch (error) {
        const violation = constraintViolationOf(error);
        if (violation === "unique") {
          throw new ConflictError(
            `Run events were already stored under some of these ids (${describe(events)}); ` +
              "event ids must grow within a run.",
            { cause: error },
          );
        }
        if (violation === "foreign_key") {
          throw new NotFoundError("Run", [...new Set(events.map((event) => event.runId))].join(", "));
        }
        throw error;
      }
    },

    async listAfter(runId, afterId) {
      const rows = await database
        .selectFrom("run_events")
        .select(["id", "event", "data_json"])
        .where("run_id", "=", runId)
        .where("id", ">", afterId)
        .orderBy("id")
        .execute();
      return rows.map(
        (row) => ({ runId, id: row.id, event: row.event, data: JSON.parse(row.data_json) }) as StoredRunEvent,
      );
    },

    async lastId(runId) {
      const row = await database
        .selectFrom("run_events")
        .select((expression) => expression.fn.max("id").as("last_id"))
        .where("run_id", "=", runId)
        .executeTakeFirst();
      return Number(row?.last_id ?? 0);
    },
  };
}

function toRow(event: StoredRunEvent): Insertable<RunEventTable> {
  return { run_id: event.runId, id: event.id, event: event.event, data_json: JSON.stringify(event.data) };
}

async function insertInChunks(
  database: Kysely<ParleyDatabase>,
  rows: readonly Insertable<RunEventTable>[],
): Promise<void> {
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    await database
      .insertInto("run_events")
      .values(rows.slice(start, start + ROWS_PER_INSERT))
      .execute();
  }
}

function describe(events: readonly StoredRunEvent[]): string {
  const first = events[0];
  const last = events[events.length - 1];
  if (first === undefined || last === undefined) return "none";
  return first === last
    ? `run ${first.runId} id ${first.id}`
    : `run ${first.runId} ids ${first.id}..${last.id}`;
}
