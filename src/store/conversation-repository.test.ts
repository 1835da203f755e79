import { describe, expect, it } from "vitest";
import { ConflictError, NotFoundError } from "../core/app-error.js";
import { sampleConversation, sampleMessage, sampleRun } from "./test-support/sample-records.js";
import { storeDialects, useTemporaryStores } from "./test-support/use-temporary-stores.js";

describe.each(storeDialects)("conversation repository on %s", (dialect) => {
  const stores = useTemporaryStores(dialect);

  it("stores a conversation and reads it back unchanged", async () => {
    const store = await stores.open();
    const conversation = sampleConversation({ title: "Trip to Lisbon", botId: "bot_travel" });
    await store.conversations.create(conversation);
    expect(await store.conversations.get(conversation.id)).toEqual(conversation);
    expect(await store.conversations.get("conv_missing")).toBeUndefined();
  });

  it("updates the title and updatedAt, and refuses a duplicate id or a missing conversation", async () => {
    const store = await stores.open();
    const conversation = sampleConversation({ createdAt: 1_000, updatedAt: 1_000 });
    await store.conversations.create(conversation);
    await store.conversations.update(conversation.id, { title: "Renamed", updatedAt: 2_000 });
    expect(await store.conversations.get(conversation.id)).toEqual({
      ...conversation,
      title: "Renamed",
      updatedAt: 2_000,
    });
    await expect(store.conversations.create(conversation)).rejects.toBeInstanceOf(ConflictError);
    await expect(store.conversations.update("conv_missing", { title: "x" })).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it("lists newest first by updatedAt and honours the limit", async () => {
    const store = await stores.open();
    const old = sampleConversation({ title: "old", createdAt: 1, updatedAt: 1_000 });
    const newest = sampleConversation({ title: "newest", createdAt: 2, updatedAt: 3_000 });
    const middle = sampleConversation({ title: "middle", createdAt: 3, updatedAt: 2_000 });
    for (const conversation of [old, newest, middle]) await store.conversations.create(conversation);

    expect(
      (await store.conversations.list({ userId: "local" })).map((conversation) => conversation.title),
    ).toEqual(["newest", "middle", "old"]);
    expect(
      (await store.conversations.list({ userId: "local", limit: 2 })).map(
        (conversation) => conversation.title,
      ),
    ).toEqual(["newest", "middle"]);

    await store.conversations.update(old.id, { updatedAt: 4_000 });
    expect((await store.conversations.list({ userId: "local" }))[0]?.id).toBe(old.id);
  });

  it("searches titles and message text case-insensitively", async () => {
    const store = await stores.open();
    const byTitle = sampleConversation({ title: "Quarterly BUDGET review", updatedAt: 3 });
    const byMessage = sampleConversation({ title: "Untitled", updatedAt: 2 });
    const unrelated = sampleConversation({ title: "Holiday plans", updatedAt: 1 });
    for (const conversation of [byTitle, byMessage, unrelated])
      await store.conversations.create(conversation);
    await store.messages.create(sampleMessage(byMessage.id, { content: "Can you check my budget sheet?" }));
    // Two matching messages must not list the conversation twice.
    await store.messages.create(sampleMessage(byMessage.id, { content: "The Budget again" }));
    await store.messages.create(sampleMessage(unrelated.id, { content: "Beaches in Portugal" }));

    const titles = async (query: string) =>
      (await store.conversations.list({ userId: "local", query })).map((conversation) => conversation.title);
    expect(await titles("budget")).toEqual(["Quarterly BUDGET review", "Untitled"]);
    expect(await titles("QUARTERLY")).toEqual(["Quarterly BUDGET review"]);
    expect(await titles("portugal")).toEqual(["Holiday plans"]);
    expect(await titles("nothing like this")).toEqual([]);
    expect(await titles("   ")).toHaveLength(3);
  });

  it("treats %, _ and \\ in a query as plain text, not as LIKE wildcards", async () => {
    const store = await stores.open();
    const percent = sampleConversation({ title: "Save 50% now", updatedAt: 4 });
    const underscore = sampleConversation({ title: "rename file_name.ts", updatedAt: 3 });
    const decoy = sampleConversation({ title: "Save 500 now, filename", updatedAt: 2 });
    const backslash = sampleConversation({ title: "Untitled", updatedAt: 1 });
    for (const conversation of [percent, underscore, decoy, backslash]) {
      await store.conversations.create(conversation);
    }
    await store.messages.create(sampleMessage(backslash.id, { content: "C:\\Users\\parley" }));

    const titles = async (query: string) =>
      (await store.conversations.list({ userId: "local", query })).map((conversation) => conversation.title);
    expect(await titles("50%")).toEqual(["Save 50% now"]);
    expect(await titles("%")).toEqual(["Save 50% now"]);
    expect(await titles("file_name")).toEqual(["rename file_name.ts"]);
    expect(await titles("_")).toEqual(["rename file_name.ts"]);
    expect(await titles("50%_")).toEqual([]);
    expect(await titles("\\users")).toEqual(["Untitled"]);
  });

  it("matches letters beyond ASCII regardless of case, as PostgreSQL's lower() does", async () => {
    const store = await stores.open();
    await store.conversations.create(sampleConversation({ title: "ÄRGER mit Übersetzungen" }));
    expect(await store.conversations.list({ userId: "local", query: "ärger" })).toHaveLength(1);
    expect(await store.conversations.list({ userId: "local", query: "ÜBERSETZUNGEN" })).toHaveLength(1);
  });

  it("stores text holding a NUL character instead of failing; PostgreSQL, which cannot hold one, keeps U+FFFD", async () => {
    const store = await stores.open();
    const conversation = sampleConversation({ title: "before\u0000after" });
    await store.conversations.create(conversation);
    const stored = dialect === "postgres" ? "before\uFFFDafter" : conversation.title;
    expect((await store.conversations.get(conversation.id))?.title).toBe(stored);
  });

  it("deletes a conversation with its messages, runs and run events", async () => {
    const store = await stores.open();
    const doomed = sampleConversation();
    const kept = sampleConversation();
    await store.conversations.create(doomed);
    await store.conversations.create(kept);
    const question = sampleMessage(doomed.id);
    const run = sampleRun(doomed.id, { userMessageId: question.id });
    const keptRun = sampleRun(kept.id);
    await store.messages.create(question);
    await store.messages.create(sampleMessage(kept.id));
    await store.runs.create(run);
    await store.runs.create(keptRun);
    await store.runEvents.append([
      { runId: run.id, id: 1, event: "text.delta", data: { text: "a" } },
      { runId: keptRun.id, id: 1, event: "text.delta", data: { text: "b" } },
    ]);

    expect(await store.conversations.delete(doomed.id)).toBe(true);

    expect(await store.conversations.get(doomed.id)).toBeUndefined();
    expect(await store.messages.get(question.id)).toBeUndefined();
    expect(await store.messages.listByConversation(doomed.id)).toEqual([]);
    expect(await store.runs.get(run.id)).toBeUndefined();
    expect(await store.runEvents.listAfter(run.id, 0)).toEqual([]);
    expect(await store.runEvents.lastId(run.id)).toBe(0);
    // The other conversation is untouched.
    expect(await store.messages.listByConversation(kept.id)).toHaveLength(1);
    expect(await store.runEvents.lastId(keptRun.id)).toBe(1);

    expect(await store.conversations.delete(doomed.id)).toBe(false);
    expect(await store.conversations.delete("conv_never_existed")).toBe(false);
  });
});
