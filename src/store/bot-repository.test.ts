import { describe, expect, it } from "vitest";
import { ConflictError, NotFoundError } from "../core/app-error.js";
import type { Bot } from "../core/bot.js";
import { newId } from "../core/ids.js";
import { sampleConversation } from "./test-support/sample-records.js";
import { storeDialects, useTemporaryStores } from "./test-support/use-temporary-stores.js";

function sampleBot(overrides: Partial<Bot> = {}): Bot {
  return {
    id: newId("bot"),
    ownerId: "user_alice",
    slug: `bot-${Math.random().toString(36).slice(2, 10)}`,
    name: "Helper",
    description: "Helps.",
    avatar: "🤖",
    instructions: "Be helpful.",
    conversationStarters: ["Hi"],
    model: null,
    tier: "balanced",
    temperature: 0.4,
    tools: [],
    visibility: "private",
    version: 1,
    builtIn: null,
    createdAt: 1_000,
    updatedAt: 1_000,
    ...overrides,
  };
}

describe.each(storeDialects)("bot repository on %s", (dialect) => {
  const stores = useTemporaryStores(dialect);

  it("stores a bot as version 1 and reads it back by id, slug and version", async () => {
    const store = await stores.open();
    const bot = sampleBot({ slug: "helper" });
    await store.bots.create(bot, "user_alice");
    expect(await store.bots.get(bot.id)).toEqual(bot);
    expect(await store.bots.getBySlug("helper")).toEqual(bot);
    const { id, ownerId, builtIn, updatedAt, version, ...definition } = bot;
    expect(await store.bots.getVersion(bot.id, 1)).toEqual({
      ...definition,
      botId: id,
      version: 1,
      savedBy: "user_alice",
      createdAt: 1_000,
    });
    expect(await store.bots.get("bot_missing")).toBeUndefined();
  });

  it("refuses a second bot with a taken slug or built-in key, leaving nothing half-written", async () => {
    const store = await stores.open();
    await store.bots.create(sampleBot({ slug: "taken", builtIn: "code-tutor" }), "parley");
    const clash = sampleBot({ slug: "taken" });
    await expect(store.bots.create(clash, "user_alice")).rejects.toBeInstanceOf(ConflictError);
    await expect(store.bots.create(sampleBot({ builtIn: "code-tutor" }), "parley")).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect(await store.bots.get(clash.id)).toBeUndefined();
    expect(await store.bots.listVersions(clash.id)).toEqual([]);
  });

  it("saves every change as the next version, keeps the old ones, and refuses a stale save", async () => {
    const store = await stores.open();
    const bot = sampleBot();
    await store.bots.create(bot, "user_alice");
    const saved = await store.bots.saveVersion(
      bot.id,
      { ...bot, name: "Helper 2", slug: "helper-two", visibility: "everyone", conversationStarters: [] },
      { expectedVersion: 1, savedBy: "user_alice", at: 2_000 },
    );
    expect(saved).toMatchObject({ version: 2, name: "Helper 2", slug: "helper-two", updatedAt: 2_000 });
    expect(await store.bots.getBySlug("helper-two")).toEqual(saved);
    expect(await store.bots.getBySlug(bot.slug)).toBeUndefined();
    expect((await store.bots.listVersions(bot.id)).map((version) => [version.version, version.name])).toEqual(
      [
        [2, "Helper 2"],
        [1, "Helper"],
      ],
    );
    await expect(
      store.bots.saveVersion(bot.id, bot, { expectedVersion: 1, savedBy: "user_alice", at: 3_000 }),
    ).rejects.toThrow(/at version 2, not 1/);
    await expect(
      store.bots.saveVersion("bot_missing", bot, { expectedVersion: 1, savedBy: "user_alice", at: 3_000 }),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect((await store.bots.get(bot.id))?.version).toBe(2);
  });

  it("lists a user's own bots and those shared with everyone, built-in first, then by name, and searches", async () => {
    const store = await stores.open();
    const mine = sampleBot({ name: "zeta", visibility: "private" });
    const shared = sampleBot({
      ownerId: "user_bob",
      name: "Alpha",
      visibility: "everyone",
      description: "SQL tips",
    });
    const linked = sampleBot({ ownerId: "user_bob", name: "Linked", visibility: "link" });
    const hidden = sampleBot({ ownerId: "user_bob", name: "Hidden", visibility: "private" });
    const builtIn = sampleBot({
      ownerId: "parley",
      name: "Tutor",
      visibility: "everyone",
      builtIn: "code-tutor",
    });
    const switchedOff = sampleBot({ ownerId: "parley", name: "Off", visibility: "private", builtIn: "off" });
    for (const bot of [mine, shared, linked, hidden, builtIn, switchedOff])
      await store.bots.create(bot, bot.ownerId);

    const names = async (options: Parameters<typeof store.bots.list>[0]) =>
      (await store.bots.list(options)).map((bot) => bot.name);
    expect(await names({ visibleTo: "user_alice" })).toEqual(["Tutor", "Alpha", "zeta"]);
    expect(await names({ visibleTo: "user_bob" })).toEqual(["Tutor", "Alpha", "Hidden", "Linked"]);
    expect(await names({ visibleTo: "user_alice", includeBuiltIn: true })).toEqual([
      "Off",
      "Tutor",
      "Alpha",
      "zeta",
    ]);
    expect(await names({ visibleTo: "user_alice", query: "sql" })).toEqual(["Alpha"]);
  });

  it("deletes a bot with its versions, and its conversations keep their bot id and version", async () => {
    const store = await stores.open();
    const bot = sampleBot();
    await store.bots.create(bot, "user_alice");
    const conversation = sampleConversation({ userId: "user_alice", botId: bot.id, botVersion: 1 });
    await store.conversations.create(conversation);
    expect(await store.bots.delete(bot.id)).toBe(true);
    expect(await store.bots.delete(bot.id)).toBe(false);
    expect(await store.bots.listVersions(bot.id)).toEqual([]);
    expect(await store.conversations.get(conversation.id)).toEqual(conversation);
  });

  it("joins the caller's transaction when it is given one", async () => {
    const store = await stores.open();
    const bot = sampleBot();
    await expect(
      store.transaction(async (transaction) => {
        await transaction.bots.create(bot, "user_alice");
        throw new Error("undo");
      }),
    ).rejects.toThrow("undo");
    expect(await store.bots.get(bot.id)).toBeUndefined();
    expect(await store.bots.getVersion(bot.id, 1)).toBeUndefined();
  });
});
