import { describe, expect, it } from "vitest";
import { ConflictError, NotFoundError } from "../core/app-error.js";
import type { Message } from "../core/message.js";
import { sampleConversation, sampleMessage } from "./test-support/sample-records.js";
import { storeDialects, useTemporaryStores } from "./test-support/use-temporary-stores.js";

describe.each(storeDialects)("message repository on %s", (dialect) => {
  const stores = useTemporaryStores(dialect);

  it("stores every field of a message and reads it back unchanged", async () => {
    const store = await stores.open();
    const conversation = sampleConversation();
    await store.conversations.create(conversation);
    const full: Message = sampleMessage(conversation.id, {
      role: "assistant",
      content: 'Multi-line\nreply with "quotes" and emoji 🦜',
      status: "incomplete",
      model: "tiny",
      runId: "run_1",
      finishReason: "length",
      usage: { inputTokens: 12, outputTokens: 26, costUsd: 0.000_12 },
      timings: { ttftMs: 41, tokensPerSecond: null },
      error: { code: "upstream_error", message: "The engine went away" },
      citations: [
        {
          documentId: "doc_1",
          title: "Guide",
          start: 27,
          end: 45,
          citedText: "Timers fire later.",
          marker: "S1",
        },
        { documentId: "doc_2", title: "Notes «β»", start: 0, end: 4, citedText: "Loop" },
      ],
      createdAt: 1_700_000_000_123,
      updatedAt: 1_700_000_000_456,
    });
    const bare = sampleMessage(conversation.id);
    await store.messages.create(full);
    await store.messages.create(bare);

    expect(await store.messages.get(full.id)).toEqual(full);
    expect(await store.messages.get(bare.id)).toEqual(bare);
    expect(await store.messages.get("msg_missing")).toBeUndefined();
  });

  it("keeps a tree of messages through parentId, listed oldest first", async () => {
    const store = await stores.open();
    const conversation = sampleConversation();
    await store.conversations.create(conversation);
    const root = sampleMessage(conversation.id, { content: "question", createdAt: 1 });
    const firstAnswer = sampleMessage(conversation.id, {
      role: "assistant",
      parentId: root.id,
      content: "answer one",
      createdAt: 2,
    });
    const regenerated = sampleMessage(conversation.id, {
      role: "assistant",
      parentId: root.id,
      content: "answer two",
      createdAt: 4,
    });
    const followUp = sampleMessage(conversation.id, {
      parentId: firstAnswer.id,
      content: "why?",
      createdAt: 3,
    });
    // Inserted out of order on purpose: the listing order comes from createdAt, not from insertion.
    for (const message of [regenerated, root, followUp, firstAnswer]) await store.messages.create(message);
    await store.messages.create(sampleMessage((await otherConversation()).id));

    const messages = await store.messages.listByConversation(conversation.id);
    expect(messages.map((message) => message.content)).toEqual([
      "question",
      "answer one",
      "why?",
      "answer two",
    ]);
    const childrenOf = (id: string) =>
      messages.filter((message) => message.parentId === id).map((message) => message.content);
    expect(childrenOf(root.id)).toEqual(["answer one", "answer two"]);
    expect(childrenOf(firstAnswer.id)).toEqual(["why?"]);
    expect(messages.find((message) => message.parentId === null)?.id).toBe(root.id);

    async function otherConversation() {
      const other = sampleConversation();
      await store.conversations.create(other);
      return other;
    }
  });

  it("applies a patch to only the fields it names, and can clear a field with null", async () => {
    const store = await stores.open();
    const conversation = sampleConversation();
    await store.conversations.create(conversation);
    const streaming = sampleMessage(conversation.id, {
      role: "assistant",
      content: "",
      status: "streaming",
      model: "tiny",
      error: { code: "x", message: "earlier failure" },
      createdAt: 10,
      updatedAt: 10,
    });
    await store.messages.create(streaming);

    await store.messages.update(streaming.id, { content: "abc", updatedAt: 11 });
    await store.messages.update(streaming.id, {
      content: "abcdefghijklmnopqrstuvwxyz",
      status: "complete",
      finishReason: "stop",
      usage: { inputTokens: 5, outputTokens: 26 },
      timings: { ttftMs: 12, tokensPerSecond: 300 },
      error: null,
      updatedAt: 12,
    });
    await store.messages.update(streaming.id, {});

    expect(await store.messages.get(streaming.id)).toEqual({
      ...streaming,
      content: "abcdefghijklmnopqrstuvwxyz",
      status: "complete",
      finishReason: "stop",
      usage: { inputTokens: 5, outputTokens: 26 },
      timings: { ttftMs: 12, tokensPerSecond: 300 },
      error: null,
      updatedAt: 12,
    });
  });

  it("keeps the citations a run's final update gives its reply, an empty list included, and lists them", async () => {
    const store = await stores.open();
    const conversation = sampleConversation();
    await store.conversations.create(conversation);
    const cited = sampleMessage(conversation.id, { role: "assistant", status: "streaming", createdAt: 1 });
    const uncited = sampleMessage(conversation.id, { role: "assistant", status: "streaming", createdAt: 2 });
    const plain = sampleMessage(conversation.id, { role: "assistant", status: "streaming", createdAt: 3 });
    for (const message of [cited, uncited, plain]) await store.messages.create(message);
    const citation = {
      documentId: "doc_1",
      title: "Guide",
      start: 27,
      end: 45,
      citedText: "Timers fire later.",
      marker: "S1",
    };

    await store.messages.update(cited.id, { status: "complete", citations: [citation] });
    await store.messages.update(uncited.id, { status: "complete", citations: [] });
    await store.messages.update(plain.id, { status: "complete" });
    // A later patch that does not name citations leaves them alone.
    await store.messages.update(cited.id, { content: "Timers fire later [S1]." });

    const listed = await store.messages.listByConversation(conversation.id);
    expect(listed.map((message) => message.citations)).toEqual([[citation], [], undefined]);
    expect(listed[2]).not.toHaveProperty("citations");
    expect(await store.messages.get(cited.id)).toMatchObject({
      content: "Timers fire later [S1].",
      citations: [citation],
    });
  });

  it("deletes messages with their attachments, not their files, and counts those it found", async () => {
    const store = await stores.open();
    const conversation = sampleConversation();
    await store.conversations.create(conversation);
    const first = sampleMessage(conversation.id, { id: "msg_1" });
    const second = sampleMessage(conversation.id, { id: "msg_2", parentId: first.id });
    const kept = sampleMessage(conversation.id, { id: "msg_3", parentId: first.id });
    for (const message of [first, second, kept]) await store.messages.create(message);
    const file = {
      id: "file_1",
      userId: conversation.userId,
      name: "a.png",
      mediaType: "image/png",
      bytes: 1,
    };
    await store.files.create({ ...file, createdAt: 1 }, new Uint8Array([1]));
    await store.files.attach(second.id, [file.id]);

    expect(await store.messages.delete([second.id, "msg_missing"])).toBe(1);
    expect(await store.messages.delete([])).toBe(0);
    expect((await store.messages.listByConversation(conversation.id)).map((m) => m.id)).toEqual([
      first.id,
      kept.id,
    ]);
    expect((await store.files.listAttached(conversation.id)).size).toBe(0);
    expect(await store.files.get(file.id)).toMatchObject({ id: file.id });
  });

  it("refuses a duplicate id, a missing conversation and an update of a missing message", async () => {
    const store = await stores.open();
    const conversation = sampleConversation();
    await store.conversations.create(conversation);
    const message = sampleMessage(conversation.id);
    await store.messages.create(message);

    await expect(store.messages.create(message)).rejects.toBeInstanceOf(ConflictError);
    await expect(store.messages.create(sampleMessage("conv_missing"))).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.messages.update("msg_missing", { content: "x" })).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});
