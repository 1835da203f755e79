import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { sampleConversation } from "./test-support/sample-records.js";
import { useTemporaryStores } from "./test-support/use-temporary-stores.js";

const stores = useTemporaryStores("sqlite-writer-thread");

describe("SQLite with its writes on a writer thread", () => {
  it("keeps the server's thread free while a write waits for another process's lock: reads and timers go on", async () => {
    const location = await stores.newDatabase();
    const store = await stores.open(location);
    const before = sampleConversation();
    await store.conversations.create(before);

    // Another process (the CLI, a backup) holds the write lock.
    const other = new Database(location);
    other.prepare("begin immediate").run();
    const waiting = sampleConversation();
    const write = store.conversations.create(waiting);
    let written = false;
    void write.then(() => {
      written = true;
    });

    // On the server's thread, a timer fires on time and a read answers, while the write waits.
    const timerStarted = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(performance.now() - timerStarted).toBeLessThan(1_000);
    expect((await store.conversations.get(before.id))?.id).toBe(before.id);
    expect(written).toBe(false);

    other.prepare("commit").run();
    other.close();
    await write;
    expect((await store.conversations.get(waiting.id))?.id).toBe(waiting.id);
  });

  it("reads a transaction's own writes inside it, and shows them to others only once it commits", async () => {
    const store = await stores.open();
    const conversation = sampleConversation();
    let seenInside: string | undefined;
    let seenOutside: string | undefined;
    await store.transaction(async (transaction) => {
      await transaction.conversations.create(conversation);
      seenInside = (await transaction.conversations.get(conversation.id))?.id;
      seenOutside = (await store.conversations.get(conversation.id))?.id;
    });
    expect(seenInside).toBe(conversation.id);
    expect(seenOutside).toBeUndefined();
    expect((await store.conversations.get(conversation.id))?.id).toBe(conversation.id);
  });

  it("undoes the whole transaction when a statement in it fails, and goes on taking writes", async () => {
    const store = await stores.open();
    const first = sampleConversation();
    const failing = store.transaction(async (transaction) => {
      await transaction.conversations.create(first);
      await transaction.conversations.create(first);
    });
    await expect(failing).rejects.toThrow();
    expect(await store.conversations.get(first.id)).toBeUndefined();

    const next = sampleConversation();
    await store.conversations.create(next);
    expect((await store.conversations.get(next.id))?.id).toBe(next.id);
  });

  it("fails writes sent after the store closed, rather than leaving them waiting", async () => {
    const store = await stores.open();
    await store.close();
    await expect(store.conversations.create(sampleConversation())).rejects.toThrow();
  });
});
