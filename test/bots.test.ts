import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ParleyProcess, startParley, temporaryDirectory } from "./support/parley-process.js";

/** Two people on one server with accounts: Alice (the admin) makes bots, Bob tries to see and change them. */
let parley: ParleyProcess;
let dataDir: string;
type Client = { cookie?: string };
const alice: Client = {};
const bob: Client = {};

type BotJson = {
  id: string;
  slug: string;
  name: string;
  version: number;
  visibility: string;
  builtIn: string | null;
  editable: boolean;
  instructions?: string;
  conversationStarters: string[];
  modelName: string;
};

function call(client: Client, pathname: string, init: { method?: string; body?: unknown } = {}) {
  return parley.api(pathname, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers: {
      ...(init.body !== undefined && { "content-type": "application/json" }),
      ...(client.cookie && { cookie: client.cookie }),
    },
    ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
  });
}

async function json<T>(client: Client, pathname: string, init: { method?: string; body?: unknown } = {}) {
  const response = await call(client, pathname, init);
  return { status: response.status, body: (response.status === 204 ? null : await response.json()) as T };
}

async function signIn(email: string, password: string): Promise<string> {
  const response = await call({}, "/api/auth/login", { body: { email, password } });
  expect(response.status).toBe(200);
  return (response.headers.get("set-cookie") ?? "").split(";")[0] as string;
}

beforeAll(async () => {
  dataDir = temporaryDirectory();
  parley = await startParley({ dataDir, accounts: true, waitForModels: false });
  const setup = await call({}, "/api/auth/setup", {
    body: { email: "alice@example.com", password: "alice-password" },
  });
  expect(setup.status).toBe(201);
  alice.cookie = (setup.headers.get("set-cookie") ?? "").split(";")[0];
  const created = await call(alice, "/api/users", {
    body: { email: "bob@example.com", password: "bob-password" },
  });
  expect(created.status).toBe(201);
  bob.cookie = await signIn("bob@example.com", "bob-password");
});

afterAll(async () => {
  await parley?.stop();
});

const builtInKeys = ["code-tutor", "tech-article-translator", "topic-explorer"];

describe("built-in bots", () => {
  it("are there after the first start, shared with everyone, editable by admins only", async () => {
    const { body: forAlice } = await json<{ bots: BotJson[] }>(alice, "/api/bots");
    const builtIns = forAlice.bots.filter((bot) => bot.builtIn !== null);
    expect(builtIns.map((bot) => bot.builtIn).sort()).toEqual(builtInKeys);
    for (const bot of builtIns) {
      expect(bot).toMatchObject({ visibility: "everyone", version: 1, editable: true });
      expect(bot.instructions?.length).toBeGreaterThan(500);
      expect(bot.conversationStarters.length).toBeGreaterThanOrEqual(3);
    }
    const { body: forBob } = await json<{ bots: BotJson[] }>(bob, "/api/bots");
    const translator = forBob.bots.find((bot) => bot.builtIn === "tech-article-translator");
    expect(translator).toMatchObject({
      slug: "tech-article-translator",
      editable: false,
      modelName: "bot:tech-article-translator",
    });
    // Instructions are the maker's work: people who may only chat with a bot do not get them.
    expect(translator?.instructions).toBeUndefined();
  });

  it("can be edited by an admin (a new version) but not deleted, and not edited by anyone else", async () => {
    const edited = await json<BotJson>(alice, "/api/bots/code-tutor", {
      method: "PATCH",
      body: { description: "Socratic tutor, edited by the admin." },
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ version: 2, builtIn: "code-tutor" });
    expect((await call(alice, `/api/bots/${edited.body.id}`, { method: "DELETE" })).status).toBe(409);
    expect(
      (await call(bob, "/api/bots/code-tutor", { method: "PATCH", body: { name: "Mine now" } })).status,
    ).toBe(403);
    expect((await call(bob, "/api/bots/code-tutor/versions")).status).toBe(403);
  });
});

describe("bots a user makes, with versions and visibility", () => {
  let bot: BotJson;

  it("creates a private bot, with a slug from its name and defaults for what was left out", async () => {
    const created = await json<BotJson>(alice, "/api/bots", {
      body: {
        name: "Rust helper",
        instructions: "You explain Rust ownership with small examples.",
        conversationStarters: ["What is a borrow?"],
        temperature: 0.2,
      },
    });
    expect(created.status).toBe(201);
    bot = created.body;
    expect(bot).toMatchObject({
      slug: "rust-helper",
      name: "Rust helper",
      avatar: "🤖",
      visibility: "private",
      version: 1,
      builtIn: null,
      editable: true,
      instructions: "You explain Rust ownership with small examples.",
      conversationStarters: ["What is a borrow?"],
      modelName: "bot:rust-helper",
    });
    expect(bot.id).toMatch(/^bot_/);
    expect((await json<BotJson>(alice, "/api/bots/rust-helper")).body.id).toBe(bot.id);
  });

  it("is a 404 for anyone else while private: read, list, change, delete, versions, chat", async () => {
    for (const [method, path, body] of [
      ["GET", `/api/bots/${bot.id}`],
      ["GET", "/api/bots/rust-helper"],
      ["PATCH", `/api/bots/${bot.id}`, { name: "taken over" }],
      ["DELETE", `/api/bots/${bot.id}`],
      ["GET", `/api/bots/${bot.id}/versions`],
      ["GET", `/api/bots/${bot.id}/versions/1`],
      ["POST", "/api/conversations", { botId: bot.id }],
      ["POST", "/api/conversations", { botId: "rust-helper" }],
      ["GET", `/api/bots/${bot.id}/knowledge`],
      ["POST", `/api/bots/${bot.id}/knowledge`, { title: "Mine", content: "Planted text." }],
    ] as const) {
      const response = await call(bob, path, { method, ...(body && { body }) });
      expect(response.status, `${method} ${path}`).toBe(404);
    }
    const { body: listed } = await json<{ bots: BotJson[] }>(bob, "/api/bots");
    expect(listed.bots.map((item) => item.id)).not.toContain(bot.id);
  });

  it("saves every change as a new version; a `link` bot is readable by id and slug but not listed", async () => {
    const saved = await json<BotJson>(alice, `/api/bots/${bot.id}`, {
      method: "PATCH",
      body: { visibility: "link" },
    });
    expect(saved.body).toMatchObject({ version: 2, visibility: "link" });
    for (const path of [`/api/bots/${bot.id}`, "/api/bots/rust-helper"]) {
      const seen = await json<BotJson>(bob, path);
      expect(seen.status, path).toBe(200);
      expect(seen.body).toMatchObject({ id: bot.id, editable: false });
      expect(seen.body.instructions).toBeUndefined();
    }
    const { body: listed } = await json<{ bots: BotJson[] }>(bob, "/api/bots");
    expect(listed.bots.map((item) => item.id)).not.toContain(bot.id);
    // Seeing is not changing: 403 now that Bob may see it.
    expect((await call(bob, `/api/bots/${bot.id}`, { method: "PATCH", body: { name: "x" } })).status).toBe(
      403,
    );
    expect((await call(bob, `/api/bots/${bot.id}`, { method: "DELETE" })).status).toBe(403);
    // Its knowledge: Alice adds documents; Bob may read them (citations open them) but not change them.
    const document = await json<{ id: string }>(alice, `/api/bots/${bot.id}/knowledge`, {
      body: { title: "Ownership", content: "Each value has one owner. A borrow does not take ownership." },
    });
    expect(document.status).toBe(201);
    expect((await call(bob, `/api/bots/${bot.id}/knowledge`)).status).toBe(200);
    expect((await call(bob, `/api/bots/${bot.id}/knowledge/${document.body.id}`)).status).toBe(200);
    const planted = await call(bob, `/api/bots/${bot.id}/knowledge`, {
      body: { title: "x", content: "Planted." },
    });
    expect(planted.status).toBe(403);
    const removed = await call(bob, `/api/bots/${bot.id}/knowledge/${document.body.id}`, {
      method: "DELETE",
    });
    expect(removed.status).toBe(403);
    // Bob may chat with it: the conversation records the version it answers with.
    const conversation = await json<{ botId: string; botVersion: number }>(bob, "/api/conversations", {
      body: { botId: "rust-helper" },
    });
    expect(conversation.status).toBe(201);
    expect(conversation.body).toMatchObject({ botId: bot.id, botVersion: 2 });
  });

  it("lists an `everyone` bot for all, keeps every version readable by its owner, and refuses a stale save", async () => {
    const saved = await json<BotJson>(alice, `/api/bots/${bot.id}`, {
      method: "PATCH",
      body: { visibility: "everyone", instructions: "Explain Rust lifetimes too.", expectedVersion: 2 },
    });
    expect(saved.body).toMatchObject({
      version: 3,
      visibility: "everyone",
      instructions: "Explain Rust lifetimes too.",
    });
    const { body: listed } = await json<{ bots: BotJson[] }>(bob, "/api/bots");
    expect(listed.bots.map((item) => item.id)).toContain(bot.id);
    const { body: searched } = await json<{ bots: BotJson[] }>(bob, "/api/bots?q=RUST");
    expect(searched.bots.map((item) => item.slug)).toEqual(["rust-helper"]);

    const { body: history } = await json<{
      versions: { version: number; visibility: string; instructions: string; savedBy: string }[];
    }>(alice, `/api/bots/${bot.id}/versions`);
    expect(history.versions.map((version) => [version.version, version.visibility])).toEqual([
      [3, "everyone"],
      [2, "link"],
      [1, "private"],
    ]);
    const first = await json<{ instructions: string }>(alice, `/api/bots/${bot.id}/versions/1`);
    expect(first.body.instructions).toBe("You explain Rust ownership with small examples.");
    expect((await call(alice, `/api/bots/${bot.id}/versions/9`)).status).toBe(404);

    const stale = await json<{ error: { code: string; message: string } }>(alice, `/api/bots/${bot.id}`, {
      method: "PATCH",
      body: { name: "Old edit", expectedVersion: 2 },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.message).toMatch(/version 3, not 2/);
  });

  it("keeps slugs unique across users: a taken slug is a 409, a name that derives one gets a number", async () => {
    const clash = await call(bob, "/api/bots", { body: { name: "My Rust", slug: "rust-helper" } });
    expect(clash.status).toBe(409);
    const derived = await json<BotJson>(bob, "/api/bots", { body: { name: "Rust Helper!" } });
    expect(derived.status).toBe(201);
    expect(derived.body.slug).toBe("rust-helper-2");
  });

  it("says what is wrong with bad input, with a 400", async () => {
    for (const body of [
      {},
      { name: "" },
      { name: "x", slug: "Not A Slug" },
      { name: "x", visibility: "public" },
      { name: "x", temperature: 3 },
      { name: "x", tools: ["rm_rf"] },
      { name: "x", model: "no-such-model" },
      { name: "x", ownerId: "someone" },
    ]) {
      const response = await json<{ error: { message: string } }>(alice, "/api/bots", { body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.message.length).toBeGreaterThan(10);
    }
  });

  it("deletes a bot for good; only its owner may", async () => {
    expect((await call(alice, `/api/bots/${bot.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await call(alice, `/api/bots/${bot.id}`)).status).toBe(404);
    expect((await call(bob, "/api/bots/rust-helper")).status).toBe(404);
  });
});

describe("after a restart", () => {
  it("still has each built-in bot once, with the admin's edits kept", async () => {
    await parley.stop();
    parley = await startParley({ dataDir, accounts: true, waitForModels: false });
    alice.cookie = await signIn("alice@example.com", "alice-password");
    const { body } = await json<{ bots: BotJson[] }>(alice, "/api/bots");
    const builtIns = body.bots.filter((bot) => bot.builtIn !== null);
    expect(builtIns.map((bot) => bot.builtIn).sort()).toEqual(builtInKeys);
    expect(builtIns.find((bot) => bot.builtIn === "code-tutor")?.version).toBe(2);
    expect(parley.logs.join("\n")).not.toContain("added the built-in bots");
  });
});
