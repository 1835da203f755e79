import { describe, expect, it } from "vitest";
import { NotFoundError } from "../../core/app-error.js";
import { newId } from "../../core/ids.js";
import type { ParleyStore } from "../../core/parley-store.js";
import { addTestUser } from "../../store/test-support/add-test-user.js";
import { sampleApiKey, sampleSession } from "../../store/test-support/sample-credentials.js";
import { addSampleDocument, createSampleBot } from "../../store/test-support/sample-knowledge.js";
import { sampleConversation, sampleMessage, sampleRun } from "../../store/test-support/sample-records.js";
import { storeDialects, useTemporaryStores } from "../../store/test-support/use-temporary-stores.js";
import { deleteAccount } from "./accounts.js";

/** A user with everything an account can own: a conversation with a reply, its events and an attached file, a key, a
 * session, usage, a private bot with knowledge and a bot shared with everyone. */
async function userWithEverything(store: ParleyStore, userId: string) {
  await addTestUser(store, userId);
  const conversation = sampleConversation({ userId });
  await store.conversations.create(conversation);
  const message = sampleMessage(conversation.id);
  await store.messages.create(message);
  const run = sampleRun(conversation.id, { userId, userMessageId: message.id });
  await store.runs.create(run);
  await store.runEvents.append([
    { runId: run.id, id: 1, event: "text.delta", data: { text: "Hi" } },
    { runId: run.id, id: 2, event: "text.delta", data: { text: " there" } },
  ]);
  const file = {
    id: newId("file"),
    userId,
    name: "photo.png",
    mediaType: "image/png",
    bytes: 2,
    createdAt: 1,
  };
  await store.files.create(file, new Uint8Array([1, 2]));
  await store.files.attach(message.id, [file.id]);
  const key = sampleApiKey(userId, `key_${userId}`);
  await store.apiKeys.create(key);
  await store.sessions.create(sampleSession(`session_${userId}`, userId));
  const now = Date.now();
  await store.usage.record({
    userId,
    apiKeyId: key.id,
    model: "tiny",
    at: now,
    inputTokens: 10,
    outputTokens: 5,
    costUsd: 0,
  });
  const privateBot = await createSampleBot(store);
  const sharedBot = await createSampleBot(store);
  // Sample bots are made for "local": both become this user's, and one is shared with everyone.
  await store.bots.reassign("local", userId, ["private"]);
  await store.bots.saveVersion(
    sharedBot.id,
    { ...sharedBot, visibility: "everyone" },
    { expectedVersion: sharedBot.version, savedBy: userId, at: 2 },
  );
  const { document } = await addSampleDocument(store, privateBot.id, "Notes", "A fact. Another fact.");
  return { conversation, message, run, file, key, now, privateBot, sharedBot, document };
}

describe.each(storeDialects)("deleting an account on %s", (dialect) => {
  const stores = useTemporaryStores(dialect);

  it("takes everything the user owned, passes their shared bots on, and leaves other users' things alone", async () => {
    const store = await stores.open();
    await addTestUser(store, "heir");
    const gone = await userWithEverything(store, "leaver");
    const kept = await userWithEverything(store, "stayer");

    expect(await deleteAccount(store, "leaver", "heir")).toEqual({
      conversations: 1,
      files: 1,
      bots: 1,
      botsPassedOn: 1,
    });

    expect(await store.users.get("leaver")).toBeUndefined();
    expect(await store.sessions.get("session_leaver")).toBeUndefined();
    expect(await store.apiKeys.getByHash("hash-of-key_leaver")).toBeUndefined();
    expect(await store.conversations.get(gone.conversation.id)).toBeUndefined();
    expect(await store.messages.get(gone.message.id)).toBeUndefined();
    expect(await store.runs.get(gone.run.id)).toBeUndefined();
    expect(await store.runEvents.listAfter(gone.run.id, 0)).toEqual([]);
    expect(await store.files.get(gone.file.id)).toBeUndefined();
    expect(await store.usage.tokensOnDay("leaver", gone.now)).toBe(0);
    expect(await store.usage.keyTokensOnDay(gone.key.id, gone.now)).toBe(0);
    expect(await store.bots.get(gone.privateBot.id)).toBeUndefined();
    expect(await store.knowledge.get(gone.document.id)).toBeUndefined();
    expect(await store.bots.get(gone.sharedBot.id)).toMatchObject({
      ownerId: "heir",
      visibility: "everyone",
    });

    expect(await store.users.get("stayer")).toBeDefined();
    expect(await store.sessions.get("session_stayer")).toBeDefined();
    expect(await store.apiKeys.getByHash("hash-of-key_stayer")).toBeDefined();
    expect(await store.messages.listByConversation(kept.conversation.id)).toHaveLength(1);
    expect(await store.runEvents.listAfter(kept.run.id, 0)).toHaveLength(2);
    expect(await store.files.get(kept.file.id)).toBeDefined();
    expect(await store.usage.tokensOnDay("stayer", kept.now)).toBe(15);
    expect(await store.usage.keyTokensOnDay(kept.key.id, kept.now)).toBe(15);
    expect(await store.bots.get(kept.privateBot.id)).toMatchObject({ ownerId: "stayer" });
    expect(await store.knowledge.get(kept.document.id)).toBeDefined();
  });

  it("refuses an account that does not exist, changing nothing", async () => {
    const store = await stores.open();
    await addTestUser(store, "heir");
    await expect(deleteAccount(store, "nobody", "heir")).rejects.toBeInstanceOf(NotFoundError);
    expect(await store.users.get("heir")).toBeDefined();
  });
});
