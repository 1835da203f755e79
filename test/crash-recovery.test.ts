import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { childProcessesOf, isAlive } from "./support/child-processes.js";
import {
  createConversation,
  type ParleyProcess,
  startParley,
  temporaryDirectory,
} from "./support/parley-process.js";
import { ALPHABET, openStream, postMessage, textOf } from "./support/sse-client.js";
import { writeTestModels } from "./support/test-models.js";
import { waitUntil } from "./support/wait-until.js";

const LOOP_TEXT = `${ALPHABET}\n`.repeat(200);
const started: ParleyProcess[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((parley) => parley.stop("SIGKILL")));
});

async function start(dataDir: string) {
  const parley = await startParley({ dataDir });
  started.push(parley);
  return parley;
}

/**
 * Waits until the server's event log, read from its database file, holds the run's events up to `lastId`. The log
 * trails the stream by its flush window, and by more on a loaded machine: what the client saw must be stored before
 * the server is killed, for the test to ask that the restart keeps all of it.
 */
async function untilStored(dataDir: string, runId: string, lastId: number) {
  const database = new Database(path.join(dataDir, "parley.db"), { readonly: true, fileMustExist: true });
  try {
    // A run's text deltas are stored merged, a row for several, under the id of the last.
    const storedUpTo = database.prepare<[string], { id: number | null }>(
      "SELECT max(id) AS id FROM run_events WHERE run_id = ?",
    );
    const deadline = Date.now() + 10_000;
    while ((storedUpTo.get(runId)?.id ?? 0) < lastId) {
      if (Date.now() > deadline) throw new Error(`run ${runId} was not stored up to event ${lastId} in 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    database.close();
  }
}

type StoredConversation = {
  title: string;
  messages: { role: string; content: string; status: string; error: { code: string } | null }[];
};

describe("a server killed with SIGKILL in the middle of a reply", () => {
  it("restarts with every conversation intact and the reply in flight interrupted with its persisted text", async () => {
    const dataDir = temporaryDirectory();
    await writeTestModels(dataDir);
    const first = await start(dataDir);

    const finished = await createConversation(first, "Finished before the crash");
    await (await postMessage(first, finished, { content: "complete me", model: "tiny" })).events();

    const inFlight = await createConversation(first);
    const stream = await postMessage(first, inFlight, { content: "keep going", model: "tiny-loop" });
    const received = await stream.events({ stopAfter: 60 });
    const runId = received[0]?.data.runId as string;
    await untilStored(dataDir, runId, received.at(-1)?.id as number);
    const engines = childProcessesOf(first.child.pid as number);
    await first.stop("SIGKILL");
    // An engine whose server died must not live on as an orphan holding memory and a port.
    await waitUntil(() => engines.every((engine) => !isAlive(engine.pid)), {
      timeoutMs: 5_000,
      what: "every engine process gone",
    });

    const second = await start(dataDir);
    const kept = await second.json<StoredConversation>(`/api/conversations/${finished}`);
    expect(kept.title).toBe("Finished before the crash");
    expect(kept.messages.map((message) => [message.role, message.content, message.status])).toEqual([
      ["user", "complete me", "complete"],
      ["assistant", ALPHABET, "complete"],
    ]);

    const crashed = await second.json<StoredConversation>(`/api/conversations/${inFlight}`);
    const reply = crashed.messages.find((message) => message.role === "assistant");
    expect(reply?.status).toBe("interrupted");
    expect(reply?.error?.code).toBe("interrupted");
    expect(reply?.content.length).toBeGreaterThanOrEqual(textOf(received).length);
    expect(LOOP_TEXT.startsWith(reply?.content ?? "!")).toBe(true);

    const replay = await (
      await openStream(`${second.url}/api/runs/${runId}/events`, { lastEventId: 0 })
    ).events();
    expect(replay.map((event) => event.id)).toEqual(replay.map((_, index) => index + 1));
    expect(replay.at(-1)).toMatchObject({ event: "run.error", data: { code: "interrupted" } });
    expect(textOf(replay)).toBe(reply?.content);
    expect(await second.json<{ status: string }>(`/api/runs/${runId}`)).toMatchObject({
      status: "interrupted",
    });

    // The restarted server answers new messages in the same conversation.
    const next = await (await postMessage(second, inFlight, { content: "again", model: "tiny" })).events();
    expect(textOf(next)).toBe(ALPHABET);
  });
});

describe("an engine killed with SIGKILL in the middle of a reply", () => {
  it("ends the run with run.error, keeps the partial text, restarts the engine and answers the next message", async () => {
    const dataDir = temporaryDirectory();
    await writeTestModels(dataDir);
    const parley = await start(dataDir);
    const conversationId = await createConversation(parley);
    const stream = await postMessage(parley, conversationId, { content: "run long", model: "tiny-loop" });
    const firstEvents = await stream.events({ stopAfter: 30 });
    const runId = firstEvents[0]?.data.runId as string;
    const loopEngine = childProcessesOf(parley.child.pid as number).find((child) =>
      child.commandLine.includes("tiny-loop.gguf"),
    );
    expect(loopEngine).toBeDefined();
    process.kill(loopEngine?.pid as number, "SIGKILL");

    const rest = await (
      await openStream(`${parley.url}/api/runs/${runId}/events`, { lastEventId: 30 })
    ).events();
    const last = rest.at(-1);
    expect(last?.event).toBe("run.error");
    expect(last?.data.retryable).toBe(true);
    const conversation = await parley.json<StoredConversation>(`/api/conversations/${conversationId}`);
    const reply = conversation.messages.find((message) => message.role === "assistant");
    expect(reply?.status).toBe("incomplete");
    expect(reply?.content).toBe(textOf([...firstEvents, ...rest]));
    expect(reply?.content.length).toBeGreaterThan(0);

    // The supervisor may hear of the kill after the run did: wait for a new engine process, then for it to be ready.
    const deadline = Date.now() + 30_000;
    const restarted = () =>
      childProcessesOf(parley.child.pid as number).some(
        (child) => child.commandLine.includes("tiny-loop.gguf") && child.pid !== loopEngine?.pid,
      );
    while (!restarted() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(restarted()).toBe(true);
    await parley.waitForModelsReady(30_000);
    const { models } = await parley.json<{ models: { id: string; status: { state: string } }[] }>(
      "/api/models",
    );
    expect(models.find((model) => model.id === "tiny-loop")?.status.state).toBe("ready");
    const next = await (
      await postMessage(parley, conversationId, { content: "once more", model: "tiny-loop" })
    ).events({
      stopAfter: 10,
    });
    expect(textOf(next).startsWith("abcdefg")).toBe(true);
  });
});

describe("a server asked to stop with SIGTERM", () => {
  it("lets the running reply finish, refuses new ones, and exits cleanly", async () => {
    const dataDir = temporaryDirectory();
    // A grace long enough for the reply to finish even on a loaded machine.
    await writeTestModels(dataDir, { shutdownGraceSeconds: 120 });
    const parley = await start(dataDir);
    const conversationId = await createConversation(parley);
    const stream = await postMessage(parley, conversationId, { content: "finish me", model: "tiny-loop" });
    const head = await stream.events({ stopAfter: 3 });
    const runId = head[0]?.data.runId as string;
    const follower = await openStream(`${parley.url}/api/runs/${runId}/events`, { lastEventId: 3 });
    parley.child.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 100));
    const refused = await parley.api(`/api/conversations/${conversationId}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ content: "too late", model: "tiny" }),
    });
    expect(refused.status).toBe(503);
    const rest = await follower.events();
    expect(rest.at(-1)).toMatchObject({ event: "run.end", data: { finishReason: "length" } });
    expect(await parley.exited).toBe(0);

    const restarted = await start(dataDir);
    const conversation = await restarted.json<StoredConversation>(`/api/conversations/${conversationId}`);
    expect(conversation.messages.find((message) => message.role === "assistant")?.status).toBe("complete");
  });
});

describe("a server whose shutdown grace runs out", () => {
  it("ends the reply still running as interrupted, keeping its text, and exits cleanly", async () => {
    const dataDir = temporaryDirectory();
    await writeTestModels(dataDir, { shutdownGraceSeconds: 0 });
    const parley = await start(dataDir);
    const conversationId = await createConversation(parley);
    const stream = await postMessage(parley, conversationId, {
      content: "too long to wait for",
      model: "tiny-loop",
    });
    const head = await stream.events({ stopAfter: 3 });
    const follower = await openStream(`${parley.url}/api/runs/${head[0]?.data.runId}/events`, {
      lastEventId: 3,
    });
    parley.child.kill("SIGTERM");
    const rest = await follower.events();
    expect(rest.at(-1)).toMatchObject({ event: "run.error", data: { code: "interrupted" } });
    expect(await parley.exited).toBe(0);

    const restarted = await start(dataDir);
    const conversation = await restarted.json<StoredConversation>(`/api/conversations/${conversationId}`);
    const reply = conversation.messages.find((message) => message.role === "assistant");
    expect(reply?.status).toBe("interrupted");
    expect(reply?.content).toBe(textOf([...head, ...rest]));
  });
});
