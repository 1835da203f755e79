import { describe, expect, it } from "vitest";
import type { ParleyStore, StoredRunEvent } from "../core/parley-store.js";
import { sampleConversation, sampleMessage, sampleRun } from "../store/test-support/sample-records.js";
import { useTemporaryStores } from "../store/test-support/use-temporary-stores.js";
import { BatchedWrites } from "./batched-writes.js";
import { EventLog } from "./event-log.js";

const stores = useTemporaryStores();

async function storeWithRun(): Promise<{ store: ParleyStore; runId: string; conversationId: string }> {
  const store = await stores.open();
  const { runId, conversationId } = await createRun(store);
  return { store, runId, conversationId };
}

async function createRun(store: ParleyStore): Promise<{ runId: string; conversationId: string }> {
  const conversation = sampleConversation();
  await store.conversations.create(conversation);
  const user = sampleMessage(conversation.id, { role: "user" });
  const assistant = sampleMessage(conversation.id, { role: "assistant", parentId: user.id });
  await store.messages.create(user);
  await store.messages.create(assistant);
  const run = sampleRun(conversation.id, { userMessageId: user.id, assistantMessageId: assistant.id });
  await store.runs.create(run);
  return { runId: run.id, conversationId: conversation.id };
}

const delta = (runId: string, id: number): StoredRunEvent => ({
  runId,
  id,
  event: "text.delta",
  data: { text: String(id) },
});

describe("EventLog", () => {
  it("writes added events on its own within the flush window, batched", async () => {
    const { store, runId } = await storeWithRun();
    const errors: unknown[] = [];
    const log = new EventLog({
      writes: new BatchedWrites(store),
      flushMs: 20,
      onError: (error) => errors.push(error),
    });
    for (let id = 1; id <= 5; id++) log.add(delta(runId, id));
    expect(await store.runEvents.lastId(runId)).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect((await store.runEvents.listAfter(runId, 0)).map((event) => event.id)).toEqual([1, 2, 3, 4, 5]);
    expect(errors).toEqual([]);
  });

  it("flushRun stores one run's events at once and leaves the other runs' to their window", async () => {
    const store = await stores.open();
    const ending = await createRun(store);
    const going = await createRun(store);
    const log = new EventLog({ writes: new BatchedWrites(store), flushMs: 10_000, onError: () => {} });
    for (let id = 1; id <= 3; id++) {
      log.add(delta(ending.runId, id));
      log.add(delta(going.runId, id));
    }
    await log.flushRun(ending.runId);
    expect((await store.runEvents.listAfter(ending.runId, 0)).map((event) => event.id)).toEqual([1, 2, 3]);
    expect(await store.runEvents.lastId(going.runId)).toBe(0);
    await log.flush();
    expect((await store.runEvents.listAfter(going.runId, 0)).map((event) => event.id)).toEqual([1, 2, 3]);
  });

  it("keeps order across overlapping flushes and stores everything by the last one", async () => {
    const { store, runId } = await storeWithRun();
    const log = new EventLog({ writes: new BatchedWrites(store), flushMs: 1000, onError: () => {} });
    const flushes: Promise<void>[] = [];
    for (let id = 1; id <= 50; id++) {
      log.add(delta(runId, id));
      if (id % 7 === 0) flushes.push(log.flush());
    }
    await Promise.all([...flushes, log.flush()]);
    const stored = await store.runEvents.listAfter(runId, 0);
    expect(stored.map((event) => event.id)).toEqual(Array.from({ length: 50 }, (_, index) => index + 1));
    expect(stored[9]).toMatchObject({ event: "text.delta", data: { text: "10" } });
  });

  it("writes the events of all live runs in one batch, and drops only those of a run deleted meanwhile", async () => {
    const { store, runId, conversationId } = await storeWithRun();
    const { runId: other } = await createRun(store);
    const errors: unknown[] = [];
    const log = new EventLog({
      writes: new BatchedWrites(store),
      flushMs: 5,
      onError: (error) => errors.push(error),
    });
    await store.conversations.delete(conversationId);
    log.add(delta(runId, 1));
    log.add(delta(other, 1));
    log.add(delta(other, 2));
    await log.flush();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(errors).toEqual([]);
    expect(await store.runEvents.lastId(runId)).toBe(0);
    expect(await store.runEvents.lastId(other)).toBe(2);
  });

  it("hands back one run's unwritten events for its caller to write, and still writes the other runs'", async () => {
    const { store, runId } = await storeWithRun();
    const { runId: other } = await createRun(store);
    const log = new EventLog({ writes: new BatchedWrites(store), flushMs: 10_000, onError: () => {} });
    log.add(delta(runId, 1));
    log.add(delta(other, 1));
    log.add(delta(runId, 2));
    expect(log.take(runId)).toEqual([{ runId, id: 2, event: "text.delta[]", texts: ["1", "2"] }]);
    expect(log.take(runId)).toEqual([]);
    await log.flush();
    expect(await store.runEvents.lastId(runId)).toBe(0);
    expect(await store.runEvents.lastId(other)).toBe(1);
  });

  it("keeps a batch whose write failed, and stores it with what came after on the next flush", async () => {
    const { store, runId } = await storeWithRun();
    const { runId: other } = await createRun(store);
    // The database refuses one write, as a busy one may; every other write goes through.
    const writes = new (class extends BatchedWrites {
      refusals = 1;
      override write(...args: Parameters<BatchedWrites["write"]>): Promise<void> {
        if (this.refusals-- > 0) return Promise.reject(new Error("database is locked"));
        return super.write(...args);
      }
    })(store);
    const errors: unknown[] = [];
    const log = new EventLog({ writes, flushMs: 10_000, onError: (error) => errors.push(error) });
    log.add(delta(runId, 1));
    log.add(delta(other, 1));
    await log.flush();
    expect(errors).toHaveLength(1);
    expect(await store.runEvents.lastId(runId)).toBe(0);
    log.add(delta(runId, 2));
    log.add(delta(other, 2));
    await log.flush();
    for (const id of [runId, other]) {
      expect((await store.runEvents.listAfter(id, 0)).map((event) => event.id)).toEqual([1, 2]);
    }
    expect(log.take(runId)).toEqual([]);
  });

  it("folds each run's consecutive deltas into one entry per window, and an event between them starts a new one", async () => {
    const { store, runId } = await storeWithRun();
    const log = new EventLog({ writes: new BatchedWrites(store), flushMs: 10_000, onError: () => {} });
    for (let id = 1; id <= 3; id++) log.add(delta(runId, id));
    const usage = { runId, id: 4, event: "usage", data: { inputTokens: 2, outputTokens: 4 } } as const;
    log.add(usage);
    log.add(delta(runId, 5));
    await log.flush();
    // A delta after a flush is not added to an entry already handed to the store.
    log.add(delta(runId, 6));
    log.add(delta(runId, 7));
    expect(log.take(runId)).toEqual([{ runId, id: 7, event: "text.delta[]", texts: ["6", "7"] }]);
    expect(await store.runEvents.listAfter(runId, 0)).toEqual([
      delta(runId, 1),
      delta(runId, 2),
      delta(runId, 3),
      usage,
      delta(runId, 5),
    ]);
  });
});
