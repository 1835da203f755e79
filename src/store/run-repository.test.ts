import { describe, expect, it } from "vitest";
import { ConflictError, NotFoundError } from "../core/app-error.js";
import { sampleConversation, sampleRun } from "./test-support/sample-records.js";
import { storeDialects, useTemporaryStores } from "./test-support/use-temporary-stores.js";

describe.each(storeDialects)("run repository on %s", (dialect) => {
  const stores = useTemporaryStores(dialect);

  it("stores a run, reads it back, and patches its status and end", async () => {
    const store = await stores.open();
    const conversation = sampleConversation();
    await store.conversations.create(conversation);
    const run = sampleRun(conversation.id, { createdAt: 1_700_000_000_000 });
    await store.runs.create(run);
    expect(await store.runs.get(run.id)).toEqual(run);
    expect(await store.runs.get("run_missing")).toBeUndefined();

    await store.runs.update(run.id, { status: "completed", endedAt: 1_700_000_000_900 });
    expect(await store.runs.get(run.id)).toEqual({ ...run, status: "completed", endedAt: 1_700_000_000_900 });
  });

  it("lists runs by status, oldest first", async () => {
    const store = await stores.open();
    const conversation = sampleConversation();
    await store.conversations.create(conversation);
    const later = sampleRun(conversation.id, { createdAt: 2 });
    const earlier = sampleRun(conversation.id, { createdAt: 1 });
    const done = sampleRun(conversation.id, { status: "completed", createdAt: 3, endedAt: 4 });
    for (const run of [later, earlier, done]) await store.runs.create(run);

    expect(await store.runs.listByStatus("running")).toEqual([earlier, later]);
    expect(await store.runs.listByStatus("completed")).toEqual([done]);
    expect(await store.runs.listByStatus("interrupted")).toEqual([]);
  });

  it("deletes a run with its events, and says false for one that is not there", async () => {
    const store = await stores.open();
    const conversation = sampleConversation();
    await store.conversations.create(conversation);
    const run = sampleRun(conversation.id);
    const other = sampleRun(conversation.id);
    for (const each of [run, other]) await store.runs.create(each);
    const delta = (runId: string) => ({ runId, id: 1, event: "text.delta" as const, data: { text: "Hi" } });
    await store.runEvents.append([delta(run.id), delta(other.id)]);

    expect(await store.runs.delete(run.id)).toBe(true);
    expect(await store.runs.delete(run.id)).toBe(false);
    expect(await store.runs.get(run.id)).toBeUndefined();
    expect(await store.runEvents.lastId(run.id)).toBe(0);
    expect(await store.runEvents.lastId(other.id)).toBe(1);
  });

  it("refuses a duplicate id, a missing conversation and an update of a missing run", async () => {
    const store = await stores.open();
    const conversation = sampleConversation();
    await store.conversations.create(conversation);
    const run = sampleRun(conversation.id);
    await store.runs.create(run);

    await expect(store.runs.create(run)).rejects.toBeInstanceOf(ConflictError);
    await expect(store.runs.create(sampleRun("conv_missing"))).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.runs.update("run_missing", { status: "failed" })).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});
