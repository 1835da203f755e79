import { describe, expect, it } from "vitest";
import type { ParleyStore } from "../core/parley-store.js";
import { writeCommand } from "../core/write-command.js";
import { sampleConversation, sampleMessage } from "../store/test-support/sample-records.js";
import { useTemporaryStores } from "../store/test-support/use-temporary-stores.js";
import { BatchedWrites } from "./batched-writes.js";

const stores = useTemporaryStores();

/** The real store, counting the transactions it is asked for. */
function counting(store: ParleyStore): { store: ParleyStore; transactions: () => number } {
  let transactions = 0;
  const counted = new Proxy(store, {
    get(target, property, receiver) {
      if (property === "transaction") {
        return (work: Parameters<ParleyStore["transaction"]>[0]) => {
          transactions++;
          return target.transaction(work);
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
  return { store: counted, transactions: () => transactions };
}

describe("BatchedWrites", () => {
  it("commits the writes asked for in the same turn together, in one transaction", async () => {
    const { store, transactions } = counting(await stores.open());
    const writes = new BatchedWrites(store);
    const conversations = [sampleConversation(), sampleConversation(), sampleConversation()];
    await Promise.all(
      conversations.map((conversation) =>
        writes.write([writeCommand("conversations", "create", conversation)]),
      ),
    );
    expect(transactions()).toBe(1);
    for (const conversation of conversations) {
      expect(await store.conversations.get(conversation.id)).toMatchObject({ id: conversation.id });
    }

    // A later turn starts a new batch.
    await writes.write([
      writeCommand("conversations", "update", conversations[0]?.id ?? "", { title: "Renamed" }),
    ]);
    expect(transactions()).toBe(2);
    expect((await store.conversations.get(conversations[0]?.id ?? ""))?.title).toBe("Renamed");
  });

  it("under a steady stream of writes, commits at most once per interval and loses none", async () => {
    const { store, transactions } = counting(await stores.open());
    const writes = new BatchedWrites(store, { minCommitIntervalMs: 20 });
    const conversations = Array.from({ length: 30 }, () => sampleConversation());
    const startedAt = performance.now();
    const written: Promise<void>[] = [];
    for (const conversation of conversations) {
      written.push(writes.write([writeCommand("conversations", "create", conversation)]));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await Promise.all(written);
    const elapsedMs = performance.now() - startedAt;
    // One commit at once, then at most one per 20 ms: far fewer than one per write.
    expect(transactions()).toBeLessThanOrEqual(Math.ceil(elapsedMs / 20) + 1);
    expect(transactions()).toBeLessThan(conversations.length / 2);
    for (const conversation of conversations) {
      expect(await store.conversations.get(conversation.id)).toMatchObject({ id: conversation.id });
    }
  });

  it("never holds back a write a client waits on, and takes along the writes waiting to be spaced", async () => {
    const { store, transactions } = counting(await stores.open());
    const writes = new BatchedWrites(store, { minCommitIntervalMs: 60_000 });
    await writes.write([writeCommand("conversations", "create", sampleConversation())]);
    const spaced = sampleConversation();
    const waited = writes.write([writeCommand("conversations", "create", spaced)]);
    const prompt = sampleConversation();
    await writes.write([writeCommand("conversations", "create", prompt)], { promptly: true });
    // Both went in the prompt write's batch, a minute before the spacing would have let the first one go.
    await waited;
    expect(transactions()).toBe(2);
    expect(await store.conversations.get(spaced.id)).toMatchObject({ id: spaced.id });
    expect(await store.conversations.get(prompt.id)).toMatchObject({ id: prompt.id });
  });

  it("fails only the write that failed: the others in its batch are stored", async () => {
    const store = await stores.open();
    const writes = new BatchedWrites(store);
    const conversation = sampleConversation();
    const orphan = sampleMessage("conv_that_does_not_exist", { role: "user" });
    const results = await Promise.allSettled([
      writes.write([writeCommand("conversations", "create", conversation)]),
      writes.write([
        writeCommand(
          "messages",
          "create",
          sampleMessage(conversation.id, { role: "user", content: "kept?" }),
        ),
        writeCommand("messages", "create", orphan),
      ]),
      writes.write([
        writeCommand("messages", "create", sampleMessage(conversation.id, { role: "user", content: "kept" })),
      ]),
    ]);
    expect(results.map((result) => result.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    const stored = await store.messages.listByConversation(conversation.id);
    // The failed write is undone whole, its first message included.
    expect(stored.map((message) => message.content)).toEqual(["kept"]);
  });
});
