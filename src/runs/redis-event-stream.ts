/**
 * Live runs' events on Redis, one stream per run, so that a server other than the one writing a run can follow it
 * as it is written. Each entry's stream id is `<event id>-0`: the stream keeps the run's order, a read after an
 * event id is a read after that stream id, and an event sent twice is refused by Redis rather than stored twice.
 */
import type { Redis } from "ioredis";
import { isTerminalEvent, type RunEvent } from "../core/run-event.js";
import type { RedisConnection } from "./redis-connection.js";

const KEY_PREFIX = "parley:run:";
/** Entries a stream keeps (about): a follower finds older events in the database's event log. */
const MAX_LENGTH = 10_000;
/** Events wait this long to go out together: one round trip for every live run's events of the moment. */
const BATCH_MS = 5;
/** How long a finished run's stream stays for followers still catching up; after that the database has it all. */
const ENDED_TTL_MS = 3_600_000;
/** A run whose server died never ends on Redis; its stream goes away after this anyway. */
const LIVE_TTL_MS = 86_400_000;
/** The most entries one read returns. */
const READ_COUNT = 1_000;

export type RedisEventStreamConfig = {
  connection: RedisConnection;
  /** Told when events could not be sent; followers then find them in the database's event log. */
  onError: (error: unknown) => void;
};

type Pending = { runId: string; event: RunEvent };

export class RedisEventStream {
  readonly #config: RedisEventStreamConfig;
  #pending: Pending[] = [];
  #timer: NodeJS.Timeout | undefined;
  #sending: Promise<void> = Promise.resolve();

  constructor(config: RedisEventStreamConfig) {
    this.#config = config;
  }

  /** Adds an event of a live run; it goes out with the others of the next few milliseconds, never blocking. */
  append(runId: string, event: RunEvent): void {
    this.#pending.push({ runId, event });
    this.#timer ??= setTimeout(() => void this.flush(), BATCH_MS);
  }

  /** Sends everything appended so far; resolves once Redis has it (or refused it, which is reported). */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length > 0) this.#sending = this.#send(batch);
    return this.#sending;
  }

  /** Every event of the run that Redis still holds, in order; empty when its stream has expired. */
  async all(runId: string): Promise<RunEvent[]> {
    const entries = await this.#config.connection.client.xrange(keyOf(runId), "-", "+");
    return entries.map(eventOf);
  }

  /** The run's newest event on Redis; undefined when it has none (or its stream has expired). */
  async last(runId: string): Promise<RunEvent | undefined> {
    const entries = await this.#config.connection.client.xrevrange(keyOf(runId), "+", "-", "COUNT", 1);
    return entries.map(eventOf)[0];
  }

  /**
   * The run's events after `afterId`, waiting up to `blockMs` on the dedicated `connection` for one to come when
   * there are none yet; empty when none came.
   */
  async read(connection: Redis, runId: string, afterId: number, blockMs: number): Promise<RunEvent[]> {
    const answer = await connection.xread(
      "COUNT",
      READ_COUNT,
      "BLOCK",
      blockMs,
      "STREAMS",
      keyOf(runId),
      `${afterId}-0`,
    );
    return answer?.[0]?.[1].map(eventOf) ?? [];
  }

  async #send(batch: Pending[]): Promise<void> {
    const pipeline = this.#config.connection.client.pipeline();
    const ended = new Map<string, boolean>();
    for (const { runId, event } of batch) {
      pipeline.xadd(
        keyOf(runId),
        "MAXLEN",
        "~",
        MAX_LENGTH,
        `${event.id}-0`,
        "event",
        event.event,
        "data",
        JSON.stringify(event.data),
      );
      ended.set(runId, (ended.get(runId) ?? false) || isTerminalEvent(event));
    }
    for (const [runId, hasEnded] of ended)
      pipeline.pexpire(keyOf(runId), hasEnded ? ENDED_TTL_MS : LIVE_TTL_MS);
    try {
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([error]) => error !== null);
      if (failed) this.#config.onError(failed[0]);
    } catch (error) {
      this.#config.onError(error);
    }
  }
}

function keyOf(runId: string): string {
  return `${KEY_PREFIX}${runId}`;
}

function eventOf([streamId, fields]: [string, string[]]): RunEvent {
  const values = new Map<string, string>();
  for (let index = 0; index + 1 < fields.length; index += 2) {
    values.set(fields[index] as string, fields[index + 1] as string);
  }
  return {
    id: Number(streamId.slice(0, streamId.indexOf("-"))),
    event: values.get("event"),
    data: JSON.parse(values.get("data") ?? "null"),
  } as RunEvent;
}
