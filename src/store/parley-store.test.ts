import { describe, expect, it } from "vitest";
import { sampleConversation, sampleMessage, sampleRun } from "./test-support/sample-records.js";
import { storeDialects, useTemporaryStores } from "./test-support/use-temporary-stores.js";

describe.each(storeDialects)("parley store transactions on %s", (dialect) => {
  const stores = useTemporaryStores(dialect);

  it("commits every write of the work together and returns its result", async () => {
    const store = await stores.open();
    const conversation = sampleConversation();
    const message = sampleMessage(conversation.id);

    const result = await store.transaction(async (transaction) => {
      await transaction.conversations.create(conversation);
      await transaction.messages.create(message);
      return "done";
    });

    expect(result).toBe("done");
    expect(await store.conversations.get(conversation.id)).toEqual(conversation);
    expect(await store.messages.get(message.id)).toEqual(message);
  });

  it("rolls back every write of the work when it throws, and passes the error on", async () => {
    const store = await stores.open();
    const kept = sampleConversation();
    await store.conversations.create(kept);
    const conversation = sampleConversation();
    const run = sampleRun(conversation.id);
    const failure = new Error("the model failed half-way");

    await expect(
      store.transaction(async (transaction) => {
        await transaction.conversations.create(conversation);
        await transaction.runs.create(run);
        await transaction.runEvents.append([
          { runId: run.id, id: 1, event: "text.delta", data: { text: "a" } },
        ]);
        await transaction.conversations.update(kept.id, { title: "changed" });
        throw failure;
      }),
    ).rejects.toBe(failure);

    expect(await store.conversations.get(conversation.id)).toBeUndefined();
    expect(await store.runs.get(run.id)).toBeUndefined();
    expect(await store.runEvents.lastId(run.id)).toBe(0);
    expect((await store.conversations.get(kept.id))?.title).toBe(kept.title);
    // The connection is free again after the rollback.
    await store.conversations.create(sampleConversation());
    expect(await store.conversations.list({ userId: "local" })).toHaveLength(2);
  });

  it("rolls back when a write inside the work breaks a constraint", async () => {
    const store = await stores.open();
    const conversation = sampleConversation();
    await expect(
      store.transaction(async (transaction) => {
        await transaction.conversations.create(conversation);
        await transaction.conversations.create(conversation);
      }),
    ).rejects.toThrow(/already exists/);
    expect(await store.conversations.get(conversation.id)).toBeUndefined();
  });

  it("turns a nested transaction into a savepoint that undoes only its own writes", async () => {
    const store = await stores.open();
    const outer = sampleConversation({ title: "outer" });
    const inner = sampleConversation({ title: "inner" });
    const innerKept = sampleConversation({ title: "inner kept" });

    await store.transaction(async (transaction) => {
      await transaction.conversations.create(outer);
      await expect(
        transaction.transaction(async (nested) => {
          await nested.conversations.create(inner);
          throw new Error("inner failure");
        }),
      ).rejects.toThrow("inner failure");
      await transaction.transaction((nested) => nested.conversations.create(innerKept));
    });

    expect(
      (await store.conversations.list({ userId: "local" })).map((conversation) => conversation.title).sort(),
    ).toEqual(["inner kept", "outer"]);
  });

  it("does not let the store of a transaction close the database", async () => {
    const store = await stores.open();
    await store.transaction(async (transaction) => {
      await expect(transaction.close()).rejects.toThrow(/close the store that opened/);
    });
    expect(await store.conversations.list({ userId: "local" })).toEqual([]);
  });
});
