/** Follows and stops, through Redis, the runs another server writes. */
import { setTimeout as sleep } from "node:timers/promises";
import { AppError } from "../core/app-error.js";
import type { ParleyStore } from "../core/parley-store.js";
import type { Run } from "../core/run.js";
import { isTerminalEvent, type RunEvent } from "../core/run-event.js";
import { assertWithinRun } from "./assert-within-run.js";
import type { RedisConnection } from "./redis-connection.js";
import type { RedisEventStream } from "./redis-event-stream.js";
import { followRunElsewhere } from "./redis-run-follower.js";
import type { RedisRunStops } from "./redis-run-stops.js";

export type SharedRunsConfig = {
  connection: RedisConnection;
  events: RedisEventStream;
  stops: RedisRunStops;
};

export type RedisRunsElsewhereConfig = {
  store: ParleyStore;
  redis: SharedRunsConfig;
  onError: (error: unknown, context: string) => void;
};

/** The longest a stop asked of another server waits for the run to end before it answers with the run as it is. */
const STOP_ELSEWHERE_WAIT_MS = 30_000;
/**
 * How long a resume from an event this server cannot see yet waits for it. The server writing the run sends an
 * event to its readers and to Redis at the same moment, so a reader that moves to this server at once may be a
 * few milliseconds ahead of Redis; an id that has not appeared after this long was never sent.
 */
const CATCH_UP_WAIT_MS = 2_000;
const CATCH_UP_POLL_MS = 10;

export class RedisRunsElsewhere {
  readonly #config: RedisRunsElsewhereConfig;

  constructor(config: RedisRunsElsewhereConfig) {
    this.#config = config;
  }

  /**
   * A run another server writes (running in the database), or one it has just ended whose last events are on Redis
   * before they are in the database: followed from both. Undefined when the database's log alone has it all.
   */
  async read(
    run: Run,
    afterId: number,
    storedLastId: number,
    signal: AbortSignal | undefined,
  ): Promise<AsyncIterable<RunEvent> | null | undefined> {
    const { store, redis } = this.#config;
    const running = run.status === "running";
    // Redis away: a running run is still followed, from the database's log.
    let newest = await this.#newest(run.id);
    if (running && afterId > Math.max(storedLastId, newest?.id ?? 0))
      newest = await this.#catchUp(run.id, afterId);
    const lastId = Math.max(storedLastId, newest?.id ?? 0);
    if (!running && lastId === storedLastId) return undefined;
    // Ended, and the log has its end: the log is the record. (Its writer died with events on Redis that never
    // reached the log, and recovery ended it after the last one that had.)
    if (!running && (await this.#storedEnd(run.id, storedLastId))) return undefined;
    assertWithinRun(afterId, lastId, !running);
    if (afterId === lastId && newest && isTerminalEvent(newest)) return null;
    return followRunElsewhere({
      store,
      events: redis.events,
      connection: redis.connection,
      runId: run.id,
      afterId,
      ...(signal && { signal }),
    });
  }

  /** Asks the server writing the run to stop it, and waits (a while) for its end, as a stop here does. */
  async stop(run: Run): Promise<void> {
    const { store, redis } = this.#config;
    const [storedLastId, newest] = await Promise.all([
      store.runEvents.lastId(run.id),
      redis.events.last(run.id).catch(() => undefined),
    ]);
    if (newest && isTerminalEvent(newest)) return;
    try {
      await redis.stops.request(run.id);
    } catch (error) {
      throw new AppError(
        "stop_unavailable",
        "This reply is being written by another server, and the stop could not be passed on to it (Redis did not answer). Try again in a moment.",
        { status: 503, cause: error },
      );
    }
    // Its end is the stop done: the server writing it records the outcome before it sends the last event.
    const events = followRunElsewhere({
      store,
      events: redis.events,
      connection: redis.connection,
      runId: run.id,
      afterId: Math.max(storedLastId, newest?.id ?? 0),
      signal: AbortSignal.timeout(STOP_ELSEWHERE_WAIT_MS),
    });
    for await (const _event of events) {
      // Only the end matters here.
    }
  }

  async #newest(runId: string): Promise<RunEvent | undefined> {
    return this.#config.redis.events.last(runId).catch((error: unknown) => {
      this.#config.onError(error, `reading run ${runId} from Redis`);
      return undefined;
    });
  }

  /** The run's newest event on Redis once it is `afterId` or later, or after CATCH_UP_WAIT_MS, whichever is first. */
  async #catchUp(runId: string, afterId: number): Promise<RunEvent | undefined> {
    const deadline = Date.now() + CATCH_UP_WAIT_MS;
    let newest: RunEvent | undefined;
    do {
      await sleep(CATCH_UP_POLL_MS);
      newest = await this.#newest(runId);
    } while ((newest?.id ?? 0) < afterId && Date.now() < deadline);
    return newest;
  }

  /** Whether the run's stored log ends with its last event. */
  async #storedEnd(runId: string, storedLastId: number): Promise<boolean> {
    if (storedLastId === 0) return false;
    const [last] = await this.#config.store.runEvents.listAfter(runId, storedLastId - 1);
    return last !== undefined && isTerminalEvent(last);
  }
}
