import { describe, expect, it } from "vitest";
import { addSampleDocument, createSampleBot } from "./test-support/sample-knowledge.js";
import { storeDialects, useTemporaryStores } from "./test-support/use-temporary-stores.js";

const GUIDE =
  "The event loop runs one callback at a time. Timers fire after their delay has passed. " +
  "Microtasks run before the next macrotask.";

function vector(...values: number[]): Float32Array {
  return Float32Array.from(values);
}

describe.each(storeDialects)("knowledge embeddings in the store on %s", (dialect) => {
  const stores = useTemporaryStores(dialect);

  async function countEmbeddingRows(location: string): Promise<number> {
    const [row] = await stores.query(location, "select count(*) as count from knowledge_embeddings");
    return Number(row?.count);
  }

  it("stores one float32 vector per sentence and model, and finds the bot's sentences most similar first", async () => {
    const location = await stores.newDatabase();
    const store = await stores.open(location);
    const bot = await createSampleBot(store);
    const other = await createSampleBot(store);
    const { document } = await addSampleDocument(store, bot.id, "Event loop guide", GUIDE);
    const { document: elsewhere } = await addSampleDocument(
      store,
      other.id,
      "Other",
      "Timers are elsewhere too.",
    );
    await store.knowledge.addEmbeddings(document.id, "embed-a", [
      { position: 0, vector: vector(1, 0, 0) },
      { position: 1, vector: vector(0.6, 0.8, 0) },
      { position: 2, vector: vector(0, 0, 1) },
    ]);
    await store.knowledge.addEmbeddings(elsewhere.id, "embed-a", [{ position: 0, vector: vector(0, 1, 0) }]);
    // Another model's vectors live in another space and are not searched with this one's.
    await store.knowledge.addEmbeddings(document.id, "embed-b", [{ position: 2, vector: vector(0, 1, 0) }]);
    expect(await countEmbeddingRows(location)).toBe(5);

    const found = await store.knowledge.searchSimilar(bot.id, "embed-a", vector(0, 2, 0), 2);
    expect(found.map((sentence) => [sentence.position, sentence.similarity])).toEqual([
      [1, expect.closeTo(0.8, 6)],
      [0, 0],
    ]);
    expect(found[0]).toMatchObject({
      documentId: document.id,
      title: "Event loop guide",
      text: "Timers fire after their delay has passed.",
    });
    expect(GUIDE.slice(found[0]?.start, found[0]?.end)).toBe(found[0]?.text);
    expect(
      (await store.knowledge.searchSimilar(bot.id, "embed-b", vector(0, 1, 0), 5)).map((hit) => hit.position),
    ).toEqual([2]);
    expect(await store.knowledge.searchSimilar(bot.id, "embed-c", vector(0, 1, 0), 5)).toEqual([]);
    expect(await store.knowledge.hasEmbeddings(bot.id, "embed-a")).toBe(true);
    expect(await store.knowledge.hasEmbeddings(bot.id, "embed-c")).toBe(false);
    expect(await store.knowledge.hasEmbeddings((await createSampleBot(store)).id, "embed-a")).toBe(false);
  });

  it("replaces a sentence's vector when it is embedded again, and drops the vectors with their document", async () => {
    const location = await stores.newDatabase();
    const store = await stores.open(location);
    const bot = await createSampleBot(store);
    const { document } = await addSampleDocument(store, bot.id, "Guide", GUIDE);
    await store.knowledge.addEmbeddings(document.id, "embed", [{ position: 0, vector: vector(1, 0) }]);
    await store.knowledge.addEmbeddings(document.id, "embed", [{ position: 0, vector: vector(0, 1) }]);
    expect(await countEmbeddingRows(location)).toBe(1);
    const [only] = await store.knowledge.searchSimilar(bot.id, "embed", vector(0, 1), 5);
    expect(only?.similarity).toBeCloseTo(1, 6);

    await store.knowledge.delete(document.id);
    expect(await countEmbeddingRows(location)).toBe(0);
    // Vectors that come back after their document was deleted are dropped, not an error.
    await store.knowledge.addEmbeddings(document.id, "embed", [{ position: 0, vector: vector(1, 0) }]);
    expect(await countEmbeddingRows(location)).toBe(0);
  });

  it("lists the sentences a model has not embedded yet, oldest document first and in order", async () => {
    const store = await stores.open();
    const bot = await createSampleBot(store);
    const first = await addSampleDocument(store, bot.id, "First", GUIDE);
    const second = await addSampleDocument(
      store,
      bot.id,
      "Second",
      "Replicas live in three zones. Backups run nightly.",
    );
    await store.knowledge.addEmbeddings(first.document.id, "embed", [{ position: 1, vector: vector(1) }]);

    const missing = await store.knowledge.listUnembedded("embed", 10);
    expect(missing.map((sentence) => [sentence.documentId, sentence.position, sentence.text])).toEqual([
      [first.document.id, 0, "The event loop runs one callback at a time."],
      [first.document.id, 2, "Microtasks run before the next macrotask."],
      [second.document.id, 0, "Replicas live in three zones."],
      [second.document.id, 1, "Backups run nightly."],
    ]);
    expect((await store.knowledge.listUnembedded("embed", 2)).map((sentence) => sentence.position)).toEqual([
      0, 2,
    ]);
    expect(await store.knowledge.listUnembedded("other-model", 100)).toHaveLength(5);
  });

  it("keeps an empty vector as a sentence the model refused: listed as unembedded no more, and never searched", async () => {
    const store = await stores.open();
    const bot = await createSampleBot(store);
    const { document } = await addSampleDocument(store, bot.id, "Guide", GUIDE);
    await store.knowledge.addEmbeddings(document.id, "embed", [
      { position: 0, vector: new Float32Array(0) },
      { position: 1, vector: vector(1, 0) },
    ]);
    expect((await store.knowledge.listUnembedded("embed", 10)).map((sentence) => sentence.position)).toEqual([
      2,
    ]);
    expect(
      (await store.knowledge.searchSimilar(bot.id, "embed", vector(1, 0), 5)).map((hit) => hit.position),
    ).toEqual([1]);

    // A bot whose only rows are refusals has nothing to search by meaning.
    const refusedOnly = await createSampleBot(store);
    const { document: refused } = await addSampleDocument(store, refusedOnly.id, "Long", "One sentence.");
    await store.knowledge.addEmbeddings(refused.id, "embed", [{ position: 0, vector: new Float32Array(0) }]);
    expect(await store.knowledge.hasEmbeddings(refusedOnly.id, "embed")).toBe(false);
    expect(await store.knowledge.searchSimilar(refusedOnly.id, "embed", vector(1, 0), 5)).toEqual([]);
  });

  it("deletes the vectors (and refusals) of every other space, and none of the space in use", async () => {
    const location = await stores.newDatabase();
    const store = await stores.open(location);
    const bot = await createSampleBot(store);
    const { document } = await addSampleDocument(store, bot.id, "Guide", GUIDE);
    await store.knowledge.addEmbeddings(document.id, "embed@model-a", [
      { position: 0, vector: vector(1, 0) },
      { position: 1, vector: new Float32Array(0) },
    ]);
    await store.knowledge.addEmbeddings(document.id, "embed", [{ position: 0, vector: vector(0, 1) }]);
    await store.knowledge.addEmbeddings(document.id, "embed@model-b", [
      { position: 0, vector: vector(0, 1) },
      { position: 2, vector: vector(1, 1) },
    ]);

    expect(await store.knowledge.deleteOtherEmbeddings("embed@model-b")).toBe(3);
    const rows = await stores.query(
      location,
      "select model, position from knowledge_embeddings order by position",
    );
    expect(rows.map((row) => [row.model, Number(row.position)])).toEqual([
      ["embed@model-b", 0],
      ["embed@model-b", 2],
    ]);
    expect(await store.knowledge.deleteOtherEmbeddings("embed@model-b")).toBe(0);
    expect(await store.knowledge.hasEmbeddings(bot.id, "embed@model-b")).toBe(true);
  });
});
