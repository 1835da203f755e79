/**
 * Crash recovery with several `parley serve` instances on one PostgreSQL database: an instance ends as interrupted
 * only the replies of instances that died, never those another live instance is still writing.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { useTemporaryPostgresDatabases } from "../src/store/test-support/use-temporary-postgres-databases.js";
import { type FaultUpstream, startFaultUpstream } from "./support/fault-upstream.js";
import {
  createConversation,
  type ParleyProcess,
  startParley,
  temporaryDirectory,
} from "./support/parley-process.js";
import { faultModel, openAIProvider, writeRemoteConfig } from "./support/remote-config.js";
import { openStream, type ReceivedEvent, textOf } from "./support/sse-client.js";

/** Short intervals, so that a dead instance is found out within a test's patience. */
const HEARTBEAT_SECONDS = 0.2;
const HEARTBEAT_TIMEOUT_SECONDS = 1;
const RECOVERY_SWEEP_SECONDS = 0.25;
/** What asking for a run's status may add to the time it took to change, on a machine busy with other tests. */
const POLLING_SLACK_MS = 1000;
/** The slow model's reply: 200 "x", one every SLOW_DELTA_MS, some 8 s in all. */
const SLOW_REPLY = "x".repeat(200);
const SLOW_DELTA_MS = 40;

let upstream: FaultUpstream;
const started: ParleyProcess[] = [];

beforeAll(async () => {
  upstream = await startFaultUpstream({ slowDeltaMs: SLOW_DELTA_MS });
});

afterAll(async () => {
  await upstream.close();
});

type StoredConversation = {
  messages: { role: string; content: string; status: string; error: { code: string } | null }[];
};
type RunRecord = { status: string };

describe("parley serve instances sharing a PostgreSQL database", () => {
  const databases = useTemporaryPostgresDatabases();

  afterAll(async () => {
    await Promise.all(started.splice(0).map((parley) => parley.stop("SIGKILL")));
  });

  /** An instance on `databaseUrl` with a data directory of its own, serving the fault upstream's models. */
  async function startInstance(databaseUrl: string, models = upstream): Promise<ParleyProcess> {
    const dataDir = temporaryDirectory();
    writeRemoteConfig(dataDir, {
      providers: [
        openAIProvider("upstream", models, [faultModel("slow", "slow@long"), faultModel("ok", "ok@quick")]),
      ],
      // Long enough for the 8 s reply however loaded the machine: it is cut by a kill, never by a timeout.
      failover: { idleTimeoutMs: 10_000 },
      runs: {
        heartbeatSeconds: HEARTBEAT_SECONDS,
        heartbeatTimeoutSeconds: HEARTBEAT_TIMEOUT_SECONDS,
        recoverySweepSeconds: RECOVERY_SWEEP_SECONDS,
      },
    });
    const parley = await startParley({ dataDir, env: { PARLEY_DATABASE_URL: databaseUrl } });
    started.push(parley);
    return parley;
  }

  /** Starts a slow reply on `parley` and reads its first `count` events. */
  async function startSlowReply(parley: ParleyProcess, count: number) {
    const conversationId = await createConversation(parley);
    const stream = await openStream(`${parley.url}/api/conversations/${conversationId}/messages`, {
      method: "POST",
      body: JSON.stringify({ content: "write slowly", model: "slow" }),
    });
    const head = await stream.events({ stopAfter: count });
    return { conversationId, runId: head[0]?.data.runId as string, head };
  }

  /**
   * Waits until `reader`, another instance (it reads the run from the database), has the run's first `count`
   * events. The event log trails the stream by its flush window, and by more on a loaded machine: what the client
   * saw must be stored before its writer is cut off, for the test to ask that recovery keeps all of it.
   */
  async function untilStored(reader: ParleyProcess, runId: string, count: number) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const stored = await (
        await openStream(`${reader.url}/api/runs/${runId}/events`, { lastEventId: 0 })
      ).events();
      if (stored.length >= count) return;
      if (Date.now() > deadline) throw new Error(`${stored.length} of ${count} events stored after 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async function waitForStatus(parley: ParleyProcess, runId: string, status: string, timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const run = await parley.json<RunRecord>(`/api/runs/${runId}`);
      if (run.status === status) return;
      if (Date.now() > deadline) {
        throw new Error(`run ${runId} is still ${run.status} after ${timeoutMs} ms, not ${status}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function expectInterruptedWithPersistedText(
    parley: ParleyProcess,
    conversationId: string,
    runId: string,
    received: ReceivedEvent[],
  ) {
    const conversation = await parley.json<StoredConversation>(`/api/conversations/${conversationId}`);
    const reply = conversation.messages.find((message) => message.role === "assistant");
    expect(reply).toMatchObject({ status: "interrupted", error: { code: "interrupted" } });
    // Everything the client saw had reached the event log before the writer was cut off (see untilStored).
    expect(reply?.content.length).toBeGreaterThanOrEqual(textOf(received).length);
    expect(reply?.content.length).toBeLessThan(SLOW_REPLY.length);
    expect(SLOW_REPLY.startsWith(reply?.content ?? "!")).toBe(true);
    const replay = await (
      await openStream(`${parley.url}/api/runs/${runId}/events`, { lastEventId: 0 })
    ).events();
    expect(replay.map((event) => event.id)).toEqual(replay.map((_, index) => index + 1));
    expect(replay.filter((event) => event.event === "run.error")).toHaveLength(1);
    expect(replay.at(-1)).toMatchObject({ event: "run.error", data: { code: "interrupted" } });
    expect(textOf(replay)).toBe(reply?.content);
  }

  it("leaves a reply another instance is writing alone: it streams on through the newcomer's start and sweeps, and completes", async () => {
    const databaseUrl = await databases.create();
    // A reply of some 20 s: still being written however long the newcomer takes to start on a loaded machine (the
    // file's 8 s reply was once over before the newcomer's first sweeps had been waited for).
    const slower = await startFaultUpstream({ slowDeltaMs: 100 });
    onTestFinished(() => slower.close());
    const first = await startInstance(databaseUrl, slower);
    const { conversationId, runId, head } = await startSlowReply(first, 5);

    const second = await startInstance(databaseUrl, slower);
    // Several sweeps of the newcomer, over more than the heartbeat timeout, while the reply is still being written.
    await new Promise((resolve) => setTimeout(resolve, (HEARTBEAT_TIMEOUT_SECONDS + 0.5) * 1000));
    expect(await second.json<RunRecord>(`/api/runs/${runId}`)).toMatchObject({ status: "running" });

    const rest = await (
      await openStream(`${first.url}/api/runs/${runId}/events`, { lastEventId: head.length })
    ).events();
    const all = [...head, ...rest];
    expect(all.map((event) => event.id)).toEqual(all.map((_, index) => index + 1));
    expect(all.at(-1)).toMatchObject({ event: "run.end", data: { finishReason: "stop" } });
    expect(textOf(all)).toBe(SLOW_REPLY);

    const stored = await second.json<StoredConversation>(`/api/conversations/${conversationId}`);
    expect(stored.messages.find((message) => message.role === "assistant")).toMatchObject({
      status: "complete",
      content: SLOW_REPLY,
    });
    expect(await second.json<RunRecord>(`/api/runs/${runId}`)).toMatchObject({ status: "completed" });
    expect(second.logs.some((line) => line.includes("ended replies left in flight"))).toBe(false);
  });

  it("ends the reply of an instance killed with SIGKILL as interrupted, with its persisted text, within the heartbeat timeout", async () => {
    const databaseUrl = await databases.create();
    const first = await startInstance(databaseUrl);
    const second = await startInstance(databaseUrl);
    const { conversationId, runId, head } = await startSlowReply(first, 20);
    await untilStored(second, runId, head.length);

    await first.stop("SIGKILL");
    // The first sweep after the kill ends it (a process of this machine is known dead at once, one elsewhere once
    // its heartbeat is stale): within the timeout and a sweep, plus what polling takes on a loaded machine.
    await waitForStatus(
      second,
      runId,
      "interrupted",
      (HEARTBEAT_TIMEOUT_SECONDS + RECOVERY_SWEEP_SECONDS) * 1000 + POLLING_SLACK_MS,
    );
    await expectInterruptedWithPersistedText(second, conversationId, runId, head);
    expect(second.logs.some((line) => line.includes("ended replies left in flight"))).toBe(true);

    // The survivor goes on answering.
    const next = await (
      await openStream(`${second.url}/api/conversations/${conversationId}/messages`, {
        method: "POST",
        body: JSON.stringify({ content: "still there?", model: "ok" }),
      })
    ).events();
    expect(textOf(next)).toBe("Hello from ok@quick.");
  });

  it("ends the reply of an instance that stopped beating but whose process lingers (frozen) once its heartbeat is stale", async () => {
    const databaseUrl = await databases.create();
    const first = await startInstance(databaseUrl);
    const second = await startInstance(databaseUrl);
    const { conversationId, runId, head } = await startSlowReply(first, 20);
    await untilStored(second, runId, head.length);

    // A frozen process still exists, so only its silence tells the other instance it is gone.
    first.child.kill("SIGSTOP");
    try {
      await waitForStatus(second, runId, "interrupted", (HEARTBEAT_TIMEOUT_SECONDS + 5) * 1000);
      await expectInterruptedWithPersistedText(second, conversationId, runId, head);
    } finally {
      await first.stop("SIGKILL");
    }
  });

  it("removes an instance that shut down cleanly from the database, leaving no reply to recover", async () => {
    const databaseUrl = await databases.create();
    const first = await startInstance(databaseUrl);
    const conversationId = await createConversation(first);
    await (
      await openStream(`${first.url}/api/conversations/${conversationId}/messages`, {
        method: "POST",
        body: JSON.stringify({ content: "quick", model: "ok" }),
      })
    ).events();
    expect(await instanceIds(databaseUrl)).toHaveLength(1);
    await first.stop("SIGTERM");
    expect(await first.exited).toBe(0);
    expect(await instanceIds(databaseUrl)).toEqual([]);

    const second = await startInstance(databaseUrl);
    const stored = await second.json<StoredConversation>(`/api/conversations/${conversationId}`);
    expect(stored.messages.map((message) => message.status)).toEqual(["complete", "complete"]);
    expect(second.logs.some((line) => line.includes("ended replies left in flight"))).toBe(false);
  });
});

async function instanceIds(databaseUrl: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>("select id from instances order by id");
    return rows.map((row) => row.id);
  } finally {
    await client.end();
  }
}
