import { describe, expect, it } from "vitest";
import type { ParleyStore } from "../core/parley-store.js";
import { addSampleDocument, createSampleBot } from "./test-support/sample-knowledge.js";
import { storeDialects, useTemporaryStores } from "./test-support/use-temporary-stores.js";

/** A document added as the knowledge service adds it; the test needs only the document. */
async function addDocument(store: ParleyStore, botId: string, title: string, content: string) {
  return (await addSampleDocument(store, botId, title, content)).document;
}

const GUIDE =
  "The event loop runs one callback at a time. Timers fire after their delay has passed. " +
  "Microtasks run before the next macrotask. Rendering happens between tasks in a browser.";

describe.each(storeDialects)("knowledge repository on %s", (dialect) => {
  const stores = useTemporaryStores(dialect);

  it("finds the sentence that answers a question, best first, with exact offsets and its document's title", async () => {
    const store = await stores.open();
    const bot = await createSampleBot(store);
    const document = await addDocument(store, bot.id, "Event loop guide", GUIDE);
    const [best, ...rest] = await store.knowledge.search(bot.id, "When do timers fire?", 5);
    expect(best).toMatchObject({
      documentId: document.id,
      title: "Event loop guide",
      position: 1,
      text: "Timers fire after their delay has passed.",
    });
    expect(GUIDE.slice(best?.start, best?.end)).toBe(best?.text);
    expect(rest.map((sentence) => sentence.position)).not.toContain(1);
    // Stemming: "callbacks" finds "callback"; a question with no known word finds nothing.
    expect(
      (await store.knowledge.search(bot.id, "callbacks", 5)).map((sentence) => sentence.position),
    ).toEqual([0]);
    expect(await store.knowledge.search(bot.id, "quantum chromodynamics", 5)).toEqual([]);
    expect(await store.knowledge.search(bot.id, '"); drop table bots; -- NEAR AND *', 5)).toEqual([]);
  });

  it("ranks a sentence with a rare word of the question above one that repeats a common word", async () => {
    const store = await stores.open();
    const bot = await createSampleBot(store);
    await addDocument(
      store,
      bot.id,
      "Loops",
      "The loop runs, the loop waits, and the loop runs again. The loop sleeps. The loop ends. Timers fire late.",
    );
    const found = await store.knowledge.search(bot.id, "loop timers", 5);
    // The order among the loop sentences is each database's own balance of repetition against length.
    expect(found[0]?.position).toBe(3);
    expect(found.map((sentence) => sentence.position).sort()).toEqual([0, 1, 2, 3]);
    const scores = found.map((sentence) => sentence.score);
    expect(scores).toEqual([...scores].sort((a, b) => a - b));
  });

  it("finds words with or without their accents, either way round", async () => {
    const store = await stores.open();
    const bot = await createSampleBot(store);
    await addDocument(store, bot.id, "Menu", "Crème brûlée is on the menu. The cafe opens at nine.");
    expect((await store.knowledge.search(bot.id, "creme brulee", 5)).map((hit) => hit.position)).toEqual([0]);
    expect((await store.knowledge.search(bot.id, "Brûlée", 5)).map((hit) => hit.position)).toEqual([0]);
    expect((await store.knowledge.search(bot.id, "café", 5)).map((hit) => hit.position)).toEqual([1]);
  });

  it("searches one bot's documents only, and forgets a deleted document or bot", async () => {
    const store = await stores.open();
    const first = await createSampleBot(store);
    const second = await createSampleBot(store);
    const kept = await addDocument(store, first.id, "Guide", GUIDE);
    const other = await addDocument(store, second.id, "Other", "Timers are also discussed here.");
    expect((await store.knowledge.search(first.id, "timers", 5)).map((hit) => hit.documentId)).toEqual([
      kept.id,
    ]);
    expect((await store.knowledge.listByBot(second.id)).map((document) => document.id)).toEqual([other.id]);

    expect(await store.knowledge.delete(kept.id)).toBe(true);
    expect(await store.knowledge.delete(kept.id)).toBe(false);
    expect(await store.knowledge.search(first.id, "timers", 5)).toEqual([]);

    await store.bots.delete(second.id);
    expect(await store.knowledge.get(other.id)).toBeUndefined();
    expect(await store.knowledge.search(second.id, "timers", 5)).toEqual([]);
  });
});
