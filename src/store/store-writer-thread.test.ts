import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { ConflictError, NotFoundError } from "../core/app-error.js";
import { executeWriteBatch, writeCommand } from "../core/write-command.js";
import { StoreWriterThread } from "./store-writer-thread.js";
import { sampleConversation, sampleMessage, sampleRun } from "./test-support/sample-records.js";
import { useTemporaryStores } from "./test-support/use-temporary-stores.js";

const stores = useTemporaryStores();
const writers: StoreWriterThread[] = [];

afterEach(async () => {
  for (const writer of writers.splice(0)) await writer.stop();
});

/** A migrated SQLite file with the server's own store on it, and a writer thread on the same file. */
async function storeAndWriter() {
  const location = await stores.newDatabase();
  const store = await stores.open(location);
  const writer = await StoreWriterThread.start(location, (writes) => executeWriteBatch(store, writes));
  writers.push(writer);
  return { location, store, writer };
}

describe("StoreWriterThread", () => {
  it("writes a batch on its own thread in one transaction, and the server's connection reads it after", async () => {
    const { store, writer } = await storeAndWriter();
    const first = sampleConversation();
    const second = sampleConversation();
    const errors = await writer.execute([
      [writeCommand("conversations", "create", first)],
      [
        writeCommand("conversations", "create", second),
        writeCommand("messages", "create", sampleMessage(second.id, { content: "hello" })),
      ],
    ]);
    expect(errors).toEqual([undefined, undefined]);
    expect((await store.conversations.get(first.id))?.id).toBe(first.id);
    expect((await store.messages.listByConversation(second.id)).map((message) => message.content)).toEqual([
      "hello",
    ]);
  });

  it("fails only the writes that failed, each with the error the store raised, and stores the rest", async () => {
    const { store, writer } = await storeAndWriter();
    const conversation = sampleConversation();
    await store.conversations.create(conversation);
    const run = sampleRun(conversation.id);
    await store.runs.create(run);
    await store.runs.end(run.id, { status: "completed", endedAt: Date.now() });
    const kept = sampleMessage(conversation.id, { content: "kept" });

    const errors = await writer.execute([
      [writeCommand("messages", "create", kept)],
      [writeCommand("messages", "create", sampleMessage("conv_that_does_not_exist"))],
      [
        writeCommand("messages", "create", sampleMessage(conversation.id, { content: "undone" })),
        {
          ...writeCommand("runs", "end", run.id, { status: "stopped", endedAt: Date.now() }),
          expect: { result: true, conflict: "The run had already ended." },
        },
      ],
    ]);
    expect(errors[0]).toBeUndefined();
    expect(errors[1]).toBeInstanceOf(NotFoundError);
    expect((errors[1] as NotFoundError).message).toContain("conv_that_does_not_exist");
    expect(errors[2]).toBeInstanceOf(ConflictError);
    expect((errors[2] as ConflictError).message).toBe("The run had already ended.");
    const stored = await store.messages.listByConversation(conversation.id);
    expect(stored.map((message) => message.content)).toEqual(["kept"]);
    expect((await store.runs.get(run.id))?.status).toBe("completed");
  });

  it("keeps the server's thread free while a batch waits for another process's write lock", async () => {
    const { location, store, writer } = await storeAndWriter();
    const before = sampleConversation();
    await store.conversations.create(before);
    const other = new Database(location);
    other.prepare("begin immediate").run();
    const waiting = sampleConversation();
    let written = false;
    const write = writer.execute([[writeCommand("conversations", "create", waiting)]]).then((errors) => {
      written = true;
      return errors;
    });

    // Timers fire and reads answer on this thread while the writer waits for the lock.
    const startedAt = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(performance.now() - startedAt).toBeLessThan(1_000);
    expect((await store.conversations.get(before.id))?.id).toBe(before.id);
    expect(written).toBe(false);

    other.prepare("commit").run();
    other.close();
    expect(await write).toEqual([undefined]);
    expect((await store.conversations.get(waiting.id))?.id).toBe(waiting.id);
  });

  it("writes the batches sent after it stopped on the fallback it was given: the server's own connection", async () => {
    const { store, writer } = await storeAndWriter();
    await writer.stop();
    const conversation = sampleConversation();
    expect(await writer.execute([[writeCommand("conversations", "create", conversation)]])).toEqual([
      undefined,
    ]);
    expect((await store.conversations.get(conversation.id))?.id).toBe(conversation.id);
  });
});
