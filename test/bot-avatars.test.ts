// A bot's avatar is an emoji or an image its owner uploaded: the image is shown to whoever may see the bot, and
// only the owner's own images may be used. Two users, so each is a stranger to the other's bots and files.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { samplePng } from "../src/files/test-support/sample-images.js";
import { type ParleyProcess, startParley, temporaryDirectory } from "./support/parley-process.js";
import { uploadImage } from "./support/upload-file.js";

let parley: ParleyProcess;
const alice: Record<string, string> = {};
const bob: Record<string, string> = {};

beforeAll(async () => {
  // No model is needed: avatars never reach one.
  parley = await startParley({ dataDir: temporaryDirectory(), accounts: true, waitForModels: false });
  alice.cookie = cookieOf(
    await send({}, "POST", "/api/auth/setup", { email: "alice@example.com", password: "alice-password" }),
  );
  await send(alice, "POST", "/api/users", { email: "bob@example.com", password: "bob-password" });
  bob.cookie = cookieOf(
    await send({}, "POST", "/api/auth/login", { email: "bob@example.com", password: "bob-password" }),
  );
});

afterAll(async () => {
  await parley?.stop();
});

type BotView = { id: string; slug: string; avatar: string; avatarUrl: string | null; version: number };
type Problem = { error: { code: string; message: string } };

function send(headers: Record<string, string>, method: string, pathname: string, body?: unknown) {
  return parley.api(pathname, {
    method,
    headers: { ...headers, ...(body !== undefined && { "content-type": "application/json" }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
}

function cookieOf(response: Response): string {
  return (response.headers.get("set-cookie") ?? "").split(";")[0] as string;
}

async function createBot(headers: Record<string, string>, fields: Record<string, unknown>): Promise<BotView> {
  const response = await send(headers, "POST", "/api/bots", fields);
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as BotView;
}

describe("bot avatars", () => {
  it("shows an owner's image avatar to another user of a public bot, byte for byte, cached privately", async () => {
    const png = samplePng(3, 2, [10, 120, 200]);
    const file = await uploadImage(parley, png, { name: "owl.png", headers: alice });
    const bot = await createBot(alice, { name: "Owl", avatar: file.id, visibility: "everyone" });
    expect(bot.avatar).toBe(file.id);
    expect(bot.avatarUrl).toBe(`/api/bots/${bot.id}/avatar?v=${file.id}`);

    const seen = (await (await send(bob, "GET", `/api/bots/${bot.slug}`)).json()) as BotView;
    expect(seen.avatarUrl).toBe(bot.avatarUrl);
    const image = await send(bob, "GET", bot.avatarUrl as string);
    expect(image.status).toBe(200);
    expect(image.headers.get("content-type")).toBe("image/png");
    expect(image.headers.get("x-content-type-options")).toBe("nosniff");
    expect(image.headers.get("cache-control")).toBe("private, max-age=300");
    expect(image.headers.get("etag")).toBe(`"${file.id}"`);
    expect(Buffer.from(await image.arrayBuffer())).toEqual(png);

    // By slug too; and a browser holding the image is told it is unchanged, without the bytes again.
    const bySlug = await send(bob, "GET", `/api/bots/${bot.slug}/avatar`);
    expect(Buffer.from(await bySlug.arrayBuffer())).toEqual(png);
    const unchanged = await send(
      { ...bob, "if-none-match": `"${file.id}"` },
      "GET",
      `/api/bots/${bot.id}/avatar`,
    );
    expect(unchanged.status).toBe(304);
    expect(await unchanged.text()).toBe("");

    // The compatible model list names the bot as before: the avatar is not part of it.
    const listed = (await (await send(bob, "GET", "/v1/models")).json()) as { data: unknown[] };
    expect(listed.data).toContainEqual({
      id: `bot:${bot.slug}`,
      object: "model",
      created: 0,
      owned_by: "parley-bot",
    });
  });

  it("shows a private bot's image avatar to its owner only: another user gets 404, nobody signed in 401", async () => {
    const png = samplePng(2, 2);
    const file = await uploadImage(parley, png, { headers: alice });
    const bot = await createBot(alice, { name: "Secret owl", avatar: file.id });
    const own = await send(alice, "GET", `/api/bots/${bot.id}/avatar`);
    expect(own.status).toBe(200);
    expect(Buffer.from(await own.arrayBuffer())).toEqual(png);

    const foreign = await send(bob, "GET", `/api/bots/${bot.id}/avatar`);
    expect(foreign.status).toBe(404);
    // The same answer as for a bot that does not exist: a private bot is not confirmed to exist.
    expect(((await foreign.json()) as Problem).error.message).toBe(`Bot "${bot.id}" was not found.`);
    expect((await send(bob, "GET", `/api/bots/${bot.slug}/avatar`)).status).toBe(404);
    expect((await send({}, "GET", `/api/bots/${bot.id}/avatar`)).status).toBe(401);

    // Shared by link, anyone with its address sees the avatar.
    await send(alice, "PATCH", `/api/bots/${bot.id}`, { visibility: "link" });
    expect((await send(bob, "GET", `/api/bots/${bot.id}/avatar`)).status).toBe(200);
  });

  it("refuses another user's file or an unknown file as an avatar, alike, and saves nothing", async () => {
    const bobsFile = await uploadImage(parley, samplePng(2, 2), { headers: bob });
    const refusedMessage = (fileId: string) =>
      `\`avatar\`: file ${JSON.stringify(fileId)} is not among your images. Upload the image with POST /api/files and save the id it returns, or use an emoji.`;
    for (const fileId of [bobsFile.id, "file_never_uploaded"]) {
      const response = await send(alice, "POST", "/api/bots", { name: "Thief", avatar: fileId });
      expect(response.status).toBe(400);
      expect(((await response.json()) as Problem).error).toEqual({
        code: "invalid_avatar",
        message: refusedMessage(fileId),
        details: { fileId },
      });
    }
    const listed = (await (await send(alice, "GET", "/api/bots?q=thief")).json()) as { bots: unknown[] };
    expect(listed.bots).toEqual([]);

    const bot = await createBot(alice, { name: "Honest", avatar: "🦊" });
    const saved = await send(alice, "PATCH", `/api/bots/${bot.id}`, { avatar: bobsFile.id });
    expect(saved.status).toBe(400);
    expect(((await saved.json()) as Problem).error.message).toBe(refusedMessage(bobsFile.id));
    const after = (await (await send(alice, "GET", `/api/bots/${bot.id}`)).json()) as BotView;
    expect(after).toMatchObject({ avatar: "🦊", version: 1 });

    // Text that is neither one emoji nor a file id is refused for what it is.
    const long = await send(alice, "PATCH", `/api/bots/${bot.id}`, {
      avatar: "not an emoji at all, but a sentence of words",
    });
    expect(long.status).toBe(400);
    expect(((await long.json()) as Problem).error.message).toBe(
      "Invalid request body: `avatar`: must be one emoji, or the id of an image uploaded with POST /api/files.",
    );
  });

  it("keeps emoji avatars working, with no image to read, and each version keeps its own avatar", async () => {
    const bot = await createBot(alice, { name: "Badger", avatar: "🦡", visibility: "everyone" });
    expect(bot).toMatchObject({ avatar: "🦡", avatarUrl: null });
    const none = await send(bob, "GET", `/api/bots/${bot.id}/avatar`);
    expect(none.status).toBe(404);
    expect(((await none.json()) as Problem).error.message).toBe(`Bot "${bot.id}" has no image avatar.`);

    const file = await uploadImage(parley, samplePng(4, 4), { headers: alice });
    const withImage = (await (
      await send(alice, "PATCH", `/api/bots/${bot.id}`, { avatar: file.id })
    ).json()) as BotView;
    expect(withImage).toMatchObject({ avatar: file.id, version: 2 });
    const backToEmoji = (await (
      await send(alice, "PATCH", `/api/bots/${bot.id}`, { avatar: "🦉" })
    ).json()) as BotView;
    expect(backToEmoji).toMatchObject({ avatar: "🦉", avatarUrl: null, version: 3 });
    expect((await send(bob, "GET", `/api/bots/${bot.id}/avatar`)).status).toBe(404);

    const { versions } = (await (await send(alice, "GET", `/api/bots/${bot.id}/versions`)).json()) as {
      versions: { version: number; avatar: string }[];
    };
    expect(versions.map(({ version, avatar }) => [version, avatar])).toEqual([
      [3, "🦉"],
      [2, file.id],
      [1, "🦡"],
    ]);
  });
});
