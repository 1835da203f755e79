/**
 * Follows a run that another server is writing: its events from the database's event log, then from its Redis
 * stream as they come, until its last event. The two overlap (the log is written a few milliseconds behind the
 * stream) and each may lack some (the stream keeps only the newest, and events sent while Redis was away never
 * reach it): the follower keeps a cursor, takes the next event from whichever has it, and so sends each one once,
 * in order.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { ParleyStore } from "../core/parley-store.js";
import { isTerminalEvent, type RunEvent } from "../core/run-event.js";
import type { RedisConnection } from "./redis-connection.js";
import type { RedisEventStream } from "./redis-event-stream.js";

/** How long one read waits on the stream before the follower looks at the database instead. */
const BLOCK_MS = 1_000;
/** A pause before looking again when the next event is in neither place yet, or Redis failed. */
const RETRY_MS = 100;
/**
 * How long after the database says the run ended the follower waits for its last event. A server writes the outcome
 * before it sends the last events, so they come within moments; none this long after means they never will (the
 * run was ended by recovery with events the stream has and the log had not), and the stream ends without them.
 */
const ENDED_GRACE_MS = 3_000;

export type FollowRunConfig = {
  store: ParleyStore;
  events: RedisEventStream;
  connection: RedisConnection;
  runId: string;
  afterId: number;
  signal?: AbortSignal;
  /** How long one read waits on the stream before looking at the database; a second unless a test is impatient. */
  blockMs?: number;
  /** How long after the run ended to wait for its last event; 3 s unless a test is impatient. */
  endedGraceMs?: number;
};

export async function* followRunElsewhere(config: FollowRunConfig): AsyncGenerator<RunEvent> {
  const { store, events, connection, runId, signal } = config;
  const blockMs = config.blockMs ?? BLOCK_MS;
  const endedGraceMs = config.endedGraceMs ?? ENDED_GRACE_MS;
  let cursor = config.afterId;
  let endedAt: number | undefined;

  // The log first: most of a long run is there, and the oldest events may have left the stream.
  for (const event of await store.runEvents.listAfter(runId, cursor)) {
    yield withoutRunId(event);
    cursor = event.id;
    if (isTerminalEvent(event)) return;
  }
  let reader: Awaited<ReturnType<RedisConnection["dedicated"]>> | undefined;
  // A client that leaves ends the read blocked on its behalf at once, not a block later.
  const onAbort = () => {
    if (reader) connection.release(reader);
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    while (!signal?.aborted) {
      let batch: RunEvent[] = [];
      let failed = false;
      try {
        reader ??= await connection.dedicated(blockMs);
        batch = await events.read(reader, runId, cursor, blockMs);
      } catch {
        if (signal?.aborted) return;
        // Redis away: the database's log carries the run on, a flush behind, until Redis answers again.
        if (reader) connection.release(reader);
        reader = undefined;
        failed = true;
      }
      let gap = false;
      for (const event of batch) {
        if (event.id <= cursor) continue;
        if (event.id !== cursor + 1) {
          gap = true;
          break;
        }
        yield event;
        cursor = event.id;
        if (isTerminalEvent(event)) return;
      }
      if (batch.length > 0 && !gap) continue;

      // Nothing new for a while, a gap in the stream, or Redis failing: the log may have what is next.
      const stored = await store.runEvents.listAfter(runId, cursor);
      for (const event of stored) {
        yield withoutRunId(event);
        cursor = event.id;
        if (isTerminalEvent(event)) return;
      }
      if (stored.length > 0) continue;
      const run = await store.runs.get(runId);
      if (run?.status !== "running") {
        endedAt ??= Date.now();
        if (Date.now() - endedAt > endedGraceMs) return;
      }
      if (gap || failed) await sleep(RETRY_MS, undefined, { signal }).catch(() => {});
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
    if (reader) connection.release(reader);
  }
}

function withoutRunId(event: RunEvent & { runId?: string }): RunEvent {
  const { runId: _runId, ...rest } = event;
  return rest as RunEvent;
}
