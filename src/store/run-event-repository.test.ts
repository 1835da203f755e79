import { describe, expect, it } from "vitest";
import { ConflictError, NotFoundError } from "../core/app-error.js";
import type { ParleyStore, StoredRunEvent } from "../core/parley-store.js";
import { sampleConversation, sampleRun } from "./test-support/sample-records.js";
import { storeDialects, useTemporaryStores } from "./test-support/use-temporary-stores.js";

function textDeltas(runId: string, firstId: number, count: number): StoredRunEvent[] {
  return Array.from({ length: count }, (_, index) => ({
    runId,
    id: firstId + index,
    event: "text.delta" as const,
    data: { text: String.fromCharCode(97 + ((firstId + index) % 26)) },
  }));
}

describe.each(storeDialects)("run event repository on %s", (dialect) => {
  const stores = useTemporaryStores(dialect);

  async function storeWithRun(): Promise<{ store: ParleyStore; runId: string; location: string }> {
    const location = await stores.newDatabase();
    const store = await stores.open(location);
    const conversation = sampleConversation();
    await store.conversations.create(conversation);
    const run = sampleRun(conversation.id);
    await store.runs.create(run);
    return { store, runId: run.id, location };
  }

  it("appends events and replays those after an id, in order, with their data intact", async () => {
    const { store, runId } = await storeWithRun();
    const start: StoredRunEvent = {
      runId,
      id: 1,
      event: "run.start",
      data: {
        runId,
        conversationId: "conv_1",
        userMessageId: "msg_1",
        assistantMessageId: "msg_2",
        model: "tiny",
      },
    };
    const end: StoredRunEvent = {
      runId,
      id: 5,
      event: "run.end",
      data: {
        finishReason: "stop",
        usage: { inputTokens: 3, outputTokens: 3, costUsd: 0 },
        timings: { ttftMs: 8, tokensPerSecond: null },
        model: "tiny",
      },
    };
    expect(await store.runEvents.lastId(runId)).toBe(0);
    expect(await store.runEvents.listAfter(runId, 0)).toEqual([]);

    await store.runEvents.append([start]);
    await store.runEvents.append(textDeltas(runId, 2, 3));
    await store.runEvents.append([end]);
    await store.runEvents.append([]);

    const all = await store.runEvents.listAfter(runId, 0);
    expect(all).toEqual([start, ...textDeltas(runId, 2, 3), end]);
    expect((await store.runEvents.listAfter(runId, 3)).map((event) => event.id)).toEqual([4, 5]);
    expect(await store.runEvents.listAfter(runId, 5)).toEqual([]);
    expect(await store.runEvents.lastId(runId)).toBe(5);
  });

  it("keeps the logs of different runs apart", async () => {
    const { store, runId } = await storeWithRun();
    const conversation = sampleConversation();
    await store.conversations.create(conversation);
    const other = sampleRun(conversation.id);
    await store.runs.create(other);
    await store.runEvents.append([...textDeltas(runId, 1, 3), ...textDeltas(other.id, 1, 7)]);

    expect(await store.runEvents.lastId(runId)).toBe(3);
    expect(await store.runEvents.lastId(other.id)).toBe(7);
    expect((await store.runEvents.listAfter(runId, 0)).every((event) => event.runId === runId)).toBe(true);
  });

  it("rejects an append that repeats stored events and stores none of that append", async () => {
    const { store, runId } = await storeWithRun();
    await store.runEvents.append(textDeltas(runId, 1, 3));
    await store.runEvents.append([
      { runId, id: 4, event: "usage", data: { inputTokens: 1, outputTokens: 3 } },
    ]);

    await expect(store.runEvents.append(textDeltas(runId, 1, 3))).rejects.toBeInstanceOf(ConflictError);
    await expect(
      store.runEvents.append([{ runId, id: 4, event: "usage", data: { inputTokens: 1, outputTokens: 3 } }]),
    ).rejects.toThrow(/already stored/);
    expect(await store.runEvents.lastId(runId)).toBe(4);
    expect((await store.runEvents.listAfter(runId, 0)).map((event) => event.id)).toEqual([1, 2, 3, 4]);
  });

  it("stores consecutive deltas as one row yet replays each under its own id, from any point", async () => {
    const { store, runId, location } = await storeWithRun();
    await store.runEvents.append([
      ...textDeltas(runId, 1, 4),
      { runId, id: 5, event: "usage", data: { inputTokens: 1, outputTokens: 4 } },
    ]);
    await store.runEvents.append(textDeltas(runId, 6, 1));
    const rows = await stores.query(
      location,
      "SELECT id, event FROM run_events WHERE run_id = ? ORDER BY id",
      [runId],
    );
    expect(rows).toEqual([
      { id: 4, event: "text.delta[]" },
      { id: 5, event: "usage" },
      { id: 6, event: "text.delta" },
    ]);
    for (let afterId = 0; afterId <= 6; afterId++) {
      const replayed = await store.runEvents.listAfter(runId, afterId);
      expect(replayed.map((event) => event.id)).toEqual([1, 2, 3, 4, 5, 6].filter((id) => id > afterId));
    }
    expect(await store.runEvents.listAfter(runId, 2)).toEqual([
      ...textDeltas(runId, 3, 2),
      { runId, id: 5, event: "usage", data: { inputTokens: 1, outputTokens: 4 } },
      ...textDeltas(runId, 6, 1),
    ]);
  });

  it("stores folded deltas as the deltas they stand for, one entry of one text as a plain delta", async () => {
    const { store, runId, location } = await storeWithRun();
    await store.runEvents.append([
      { runId, id: 3, event: "text.delta[]", texts: ["b", "c", "d"] },
      { runId, id: 4, event: "usage", data: { inputTokens: 1, outputTokens: 4 } },
      { runId, id: 5, event: "text.delta[]", texts: ["f"] },
    ]);
    const rows = await stores.query(
      location,
      "SELECT id, event FROM run_events WHERE run_id = ? ORDER BY id",
      [runId],
    );
    expect(rows).toEqual([
      { id: 3, event: "text.delta[]" },
      { id: 4, event: "usage" },
      { id: 5, event: "text.delta" },
    ]);
    expect(await store.runEvents.listAfter(runId, 1)).toEqual([
      ...textDeltas(runId, 2, 2),
      { runId, id: 4, event: "usage", data: { inputTokens: 1, outputTokens: 4 } },
      ...textDeltas(runId, 5, 1),
    ]);
    // Appended twice, an entry clashes with itself, and the error names every id it stands for.
    await expect(
      store.runEvents.append([{ runId, id: 3, event: "text.delta[]", texts: ["b", "c", "d"] }]),
    ).rejects.toThrow(/ids 1\.\.3/);
  });

  it("appends a batch larger than one INSERT takes, all or nothing", async () => {
    const { store, runId } = await storeWithRun();
    await store.runEvents.append(textDeltas(runId, 1, 2_500));
    expect(await store.runEvents.lastId(runId)).toBe(2_500);
    expect((await store.runEvents.listAfter(runId, 2_490)).map((event) => event.id)).toEqual([
      2_491, 2_492, 2_493, 2_494, 2_495, 2_496, 2_497, 2_498, 2_499, 2_500,
    ]);

    // The duplicate sits in the last chunk, after two chunks that would have gone in.
    const clashing = [...textDeltas(runId, 2_501, 2_400), ...textDeltas(runId, 2_500, 1)];
    await expect(store.runEvents.append(clashing)).rejects.toBeInstanceOf(ConflictError);
    expect(await store.runEvents.lastId(runId)).toBe(2_500);
  });

  it("refuses events of a run that does not exist", async () => {
    const { store } = await storeWithRun();
    await expect(store.runEvents.append(textDeltas("run_missing", 1, 1))).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});
