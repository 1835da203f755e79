import { describe, expect, it } from "vitest";
import { NotFoundError } from "../core/app-error.js";
import { newId } from "../core/ids.js";
import type { StoredFile } from "../core/parley-store.js";
import { sampleConversation, sampleMessage } from "./test-support/sample-records.js";
import { storeDialects, useTemporaryStores } from "./test-support/use-temporary-stores.js";

function sampleFile(overrides: Partial<StoredFile> = {}): StoredFile {
  return {
    id: newId("file"),
    userId: "local",
    name: "photo.png",
    mediaType: "image/png",
    bytes: 4,
    width: 640,
    height: 480,
    createdAt: 1_700_000_000_000,
    ...overrides,
  };
}

describe.each(storeDialects)("file repository on %s", (dialect) => {
  const stores = useTemporaryStores(dialect);

  it("stores a file's record and bytes and reads each back unchanged", async () => {
    const store = await stores.open();
    const file = sampleFile();
    const bytes = new Uint8Array([0x89, 0x50, 0x00, 0xff]);
    await store.files.create(file, bytes);
    // A file whose size is not known has none, rather than `undefined` fields.
    const { width: _width, height: _height, ...sizeless } = sampleFile();
    await store.files.create(sizeless, new Uint8Array([1]));

    expect(await store.files.get(file.id)).toEqual(file);
    expect(await store.files.get(sizeless.id)).toEqual(sizeless);
    expect(Buffer.from((await store.files.bytes(file.id)) as Uint8Array)).toEqual(Buffer.from(bytes));
    expect(await store.files.get("file_missing")).toBeUndefined();
    expect(await store.files.bytes("file_missing")).toBeUndefined();
  });

  it("lists a conversation's attachments by message, in the order they were attached", async () => {
    const store = await stores.open();
    const conversation = sampleConversation();
    await store.conversations.create(conversation);
    const first = sampleMessage(conversation.id);
    const second = sampleMessage(conversation.id, { parentId: first.id });
    for (const message of [first, second]) await store.messages.create(message);
    const [a, b, c] = [sampleFile({ name: "a.png" }), sampleFile({ name: "b.png" }), sampleFile()];
    for (const file of [a, b, c]) await store.files.create(file, new Uint8Array([1, 2]));
    await store.files.attach(first.id, [b.id, a.id]);
    await store.files.attach(second.id, [b.id]);

    const attached = await store.files.listAttached(conversation.id);
    expect(attached.get(first.id)?.map((file) => file.name)).toEqual(["b.png", "a.png"]);
    expect(attached.get(second.id)).toEqual([b]);
    expect(attached.size).toBe(2);
    expect((await store.files.listAttached(sampleConversation().id)).size).toBe(0);
  });

  it("refuses to attach an unknown file or to an unknown message, and attaches nothing then", async () => {
    const store = await stores.open();
    const conversation = sampleConversation();
    await store.conversations.create(conversation);
    const message = sampleMessage(conversation.id);
    await store.messages.create(message);
    const file = sampleFile();
    await store.files.create(file, new Uint8Array([1]));

    await expect(store.files.attach(message.id, [file.id, "file_missing"])).rejects.toThrow(
      new NotFoundError("File", "file_missing"),
    );
    await expect(store.files.attach("msg_missing", [file.id])).rejects.toThrow(
      new NotFoundError("Message", "msg_missing"),
    );
    expect((await store.files.listAttached(conversation.id)).size).toBe(0);
  });

  it("forgets a message's attachments with its conversation, and keeps the files", async () => {
    const store = await stores.open();
    const conversation = sampleConversation();
    await store.conversations.create(conversation);
    const message = sampleMessage(conversation.id);
    await store.messages.create(message);
    const file = sampleFile();
    await store.files.create(file, new Uint8Array([1]));
    await store.files.attach(message.id, [file.id]);

    expect(await store.conversations.delete(conversation.id)).toBe(true);
    expect((await store.files.listAttached(conversation.id)).size).toBe(0);
    expect(await store.files.get(file.id)).toEqual(file);
  });
});
