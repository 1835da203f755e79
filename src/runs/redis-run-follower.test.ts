import { afterEach, describe, expect, it } from "vitest";
import { useTestRedis } from "../../test/support/redis-test-server.js";
import type { ParleyStore } from "../core/parley-store.js";
import type { Run } from "../core/run.js";
import type { RunEvent } from "../core/run-event.js";
import { useTemporaryStores } from "../store/test-support/use-temporary-stores.js";
import { RedisConnection } from "./redis-connection.js";
import { RedisEventStream } from "./redis-event-stream.js";
import { followRunElsewhere } from "./redis-run-follower.js";
import { RedisRunStops } from "./redis-run-stops.js";
import { RedisRunsElsewhere } from "./redis-runs-elsewhere.js";
import { runLeftInFlight } from "./test-support/run-left-in-flight.js";

const redis = useTestRedis();
const stores = useTemporaryStores("sqlite");
const opened: RedisConnection[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((connection) => connection.close()));
});

/** The events of a run ten events long: run.start, eight deltas, run.end. */
function runEvents(runId: string): RunEvent[] {
  const deltas = Array.from(
    { length: 8 },
    (_, index): RunEvent => ({ id: index + 2, event: "text.delta", data: { text: `t${index + 2} ` } }),
  );
  return [
    {
      id: 1,
      event: "run.start",
      data: { runId, conversationId: "c", userMessageId: "u", assistantMessageId: "a", model: "m" },
    },
    ...deltas,
    {
      id: 10,
      event: "run.end",
      data: {
        finishReason: "stop",
        usage: { inputTokens: 1, outputTokens: 8 },
        timings: { ttftMs: 1, tokensPerSecond: 1 },
        model: "m",
      },
    },
  ];
}

/** A running run in the store, written by another server, and the Redis side of following it. */
async function setUp() {
  const store = await stores.open();
  const { run } = await runLeftInFlight(store, [], "inst_elsewhere");
  const connection = await RedisConnection.open(redis.url(), () => {});
  opened.push(connection);
  const events = new RedisEventStream({ connection, onError: (error) => expect.fail(String(error)) });
  return { store, run, connection, events, all: runEvents(run.id) };
}

async function store(storeOf: ParleyStore, run: Run, events: RunEvent[]) {
  await storeOf.runEvents.append(events.map((event) => ({ ...event, runId: run.id })));
}

async function toRedis(events: RedisEventStream, run: Run, sent: RunEvent[]) {
  for (const event of sent) events.append(run.id, event);
  await events.flush();
}

async function collect(events: AsyncIterable<RunEvent>): Promise<RunEvent[]> {
  const received: RunEvent[] = [];
  for await (const event of events) received.push(event);
  return received;
}

const ids = (events: readonly RunEvent[]) => events.map((event) => event.id);

describe("following a run another server writes", () => {
  it("sends each event once and in order where the log and the stream overlap, and follows the stream to the end", async () => {
    const { store: runStore, run, connection, events, all } = await setUp();
    await store(runStore, run, all.slice(0, 5));
    await toRedis(events, run, all.slice(2, 7));

    const following = collect(
      followRunElsewhere({ store: runStore, events, connection, runId: run.id, afterId: 2 }),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The rest comes while it waits on the stream.
    await toRedis(events, run, all.slice(7));

    const received = await following;
    expect(ids(received)).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    expect(received).toEqual(all.slice(2));
  });

  it("fills an event the stream lacks (it never reached Redis) from the log once the log has it", async () => {
    const { store: runStore, run, connection, events, all } = await setUp();
    await toRedis(events, run, [...all.slice(0, 3), ...all.slice(4)]);
    await store(runStore, run, all.slice(0, 2));

    const following = collect(
      followRunElsewhere({ store: runStore, events, connection, runId: run.id, afterId: 0 }),
    );
    // The log is written a little behind the stream.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await store(runStore, run, all.slice(2, 4));

    expect(ids(await following)).toEqual(ids(all));
  });

  it("stops following, rather than waiting for ever, when the run has ended and its last event reaches neither", async () => {
    const { store: runStore, run, connection, events, all } = await setUp();
    await toRedis(events, run, all.slice(0, 5));
    await runStore.runs.update(run.id, { status: "interrupted", endedAt: Date.now() });

    const received = await collect(
      followRunElsewhere({
        store: runStore,
        events,
        connection,
        runId: run.id,
        afterId: 0,
        blockMs: 50,
        endedGraceMs: 200,
      }),
    );
    expect(ids(received)).toEqual([1, 2, 3, 4, 5]);
  });

  it("carries the run on from the database's log, to its end, while reading the stream fails", async () => {
    const { store: runStore, run, connection, events, all } = await setUp();
    await store(runStore, run, all.slice(0, 4));
    // A key that is no stream: every read of it fails, as reads do while Redis is away.
    await connection.client.set(`parley:run:${run.id}`, "not a stream");

    const following = collect(
      followRunElsewhere({ store: runStore, events, connection, runId: run.id, afterId: 1, blockMs: 50 }),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    await store(runStore, run, all.slice(4));

    expect(await following).toEqual(all.slice(1));
  });

  it("ends at once when the client leaves, closing the read blocked for it", async () => {
    const { store: runStore, run, connection, events, all } = await setUp();
    await toRedis(events, run, all.slice(0, 2));
    const left = new AbortController();
    const received: RunEvent[] = [];
    const following = (async () => {
      for await (const event of followRunElsewhere({
        store: runStore,
        events,
        connection,
        runId: run.id,
        afterId: 0,
        signal: left.signal,
      })) {
        received.push(event);
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const leftAt = Date.now();
    left.abort();
    await following;
    expect(Date.now() - leftAt).toBeLessThan(500);
    expect(ids(received)).toEqual([1, 2]);
  });
});

describe("resuming on this server a run another server writes", () => {
  function elsewhere(runStore: ParleyStore, connection: RedisConnection, events: RedisEventStream) {
    return new RedisRunsElsewhere({
      store: runStore,
      redis: { connection, events, stops: new RedisRunStops(connection) },
      onError: (error) => expect.fail(String(error)),
    });
  }

  it("follows a reader who saw an event before Redis had it, from just after that event", async () => {
    const { store: runStore, run, connection, events, all } = await setUp();
    await toRedis(events, run, all.slice(0, 4));
    // The writer sent event 5 to its reader a moment before Redis had it, and the reader came here at once.
    setTimeout(() => void toRedis(events, run, all.slice(4)), 50);
    const followed = await elsewhere(runStore, connection, events).read(run, 5, 0, undefined);
    expect(ids(await collect(followed as AsyncIterable<RunEvent>))).toEqual([6, 7, 8, 9, 10]);
  });

  it("refuses, after a moment, a resume from an event the run never sent", async () => {
    const { store: runStore, run, connection, events, all } = await setUp();
    await toRedis(events, run, all.slice(0, 4));
    await expect(elsewhere(runStore, connection, events).read(run, 40, 0, undefined)).rejects.toMatchObject({
      code: "invalid_last_event_id",
    });
  });
});
