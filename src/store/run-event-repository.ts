/** The event log of runs in the database: appended while a reply streams, replayed when a client resumes. */
import type { Insertable, Kysely } from "kysely";
import { ConflictError, NotFoundError } from "../core/app-error.js";
import { foldTextDelta } from "../core/fold-text-delta.js";
import type { AppendedRunEvent, RunEventRepository, StoredRunEvent } from "../core/parley-store.js";
import { constraintViolationOf } from "./constraint-violation.js";
import type { ParleyDatabase, RunEventTable } from "./parley-database.js";

/**
 * Consecutive text deltas of a run are stored as one row under this event name (as StoredTextDeltas names them):
 * its id is the last delta's, and its data the texts in order, so every delta keeps its own id when replayed. A
 * streaming reply then costs a row per write of the event log, not a row per token.
 */
const MERGED_DELTAS = "text.delta[]";

/**
 * Rows per INSERT. Four parameters a row keeps a statement far below SQLite's 32766 and pg's 65535
 * parameter limits; a live run appends a handful of events at a time, so this only splits bulk copies.
 */
const ROWS_PER_INSERT = 1_000;

export function createRunEventRepository(database: Kysely<ParleyDatabase>): RunEventRepository {
  return {
    async append(events) {
      if (events.length === 0) return;
      const rows = toRows(events);
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
      return rows.flatMap((row) => fromRow(runId, afterId, row));
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

function toRows(events: readonly AppendedRunEvent[]): Insertable<RunEventTable>[] {
  // Consecutive deltas of a run fold into one row (ids stay recoverable from the last one's).
  const entries: AppendedRunEvent[] = [];
  for (const event of events) {
    if (event.event === "text.delta") foldTextDelta(entries, event);
    // A folded entry is copied, as a delta after it may grow it: the caller's stays as it was.
    else entries.push(event.event === MERGED_DELTAS ? { ...event, texts: [...event.texts] } : event);
  }
  return entries.map((entry) =>
    entry.event === MERGED_DELTAS
      ? deltasRow(entry.runId, entry.id, entry.texts)
      : { run_id: entry.runId, id: entry.id, event: entry.event, data_json: JSON.stringify(entry.data) },
  );
}

/** One delta is stored as the event it is; more as one row of their texts, under the last one's id. */
function deltasRow(runId: string, lastId: number, texts: readonly string[]): Insertable<RunEventTable> {
  return texts.length === 1
    ? { run_id: runId, id: lastId, event: "text.delta", data_json: JSON.stringify({ text: texts[0] }) }
    : { run_id: runId, id: lastId, event: MERGED_DELTAS, data_json: JSON.stringify(texts) };
}

function fromRow(
  runId: string,
  afterId: number,
  row: { id: number; event: string; data_json: string },
): StoredRunEvent[] {
  const data: unknown = JSON.parse(row.data_json);
  if (row.event !== MERGED_DELTAS) return [{ runId, id: row.id, event: row.event, data } as StoredRunEvent];
  const texts = data as string[];
  const firstId = row.id - texts.length + 1;
  return texts
    .map((text, offset) => ({ runId, id: firstId + offset, event: "text.delta" as const, data: { text } }))
    .filter((event) => event.id > afterId);
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

function describe(events: readonly AppendedRunEvent[]): string {
  const first = events[0];
  const last = events[events.length - 1];
  if (first === undefined || last === undefined) return "none";
  const firstId = first.event === MERGED_DELTAS ? first.id - first.texts.length + 1 : first.id;
  return firstId === last.id
    ? `run ${first.runId} id ${firstId}`
    : `run ${first.runId} ids ${firstId}..${last.id}`;
}
