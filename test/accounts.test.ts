import { execFile } from "node:child_process";
import { promisify } from "node:util";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, callAs } from "./support/call-as.js";
import { PARLEY_BIN, type ParleyProcess, startParley, temporaryDirectory } from "./support/parley-process.js";
import { ALPHABET, openStream, textOf } from "./support/sse-client.js";
import { writeTestModels } from "./support/test-models.js";

const run = promisify(execFile);
let parley: ParleyProcess;
let dataDir: string;

beforeAll(async () => {
  dataDir = temporaryDirectory();
  await writeTestModels(dataDir);
  parley = await startParley({ dataDir, accounts: true, waitForModels: false });
});

afterAll(async () => {
  await parley?.stop();
});

const call = (client: Client, pathname: string, init?: Parameters<typeof callAs>[3]) =>
  callAs(parley, client, pathname, init);

function cookieOf(response: Response): string {
  const header = response.headers.get("set-cookie") ?? "";
  expect(header).toMatch(/^parley_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+/);
  return header.split(";")[0] as string;
}

async function modelsReady(client: Client) {
  for (let attempt = 0; attempt < 600; attempt++) {
    const { models } = (await (await call(client, "/api/models")).json()) as { models: { ready: boolean }[] };
    if (models.length > 0 && models.every((model) => model.ready)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("models never became ready");
}

const alice: Client = {};
const bob: Client = {};
let aliceConversation: string;
let aliceRun: string;

describe("accounts, sessions and ownership", () => {
  it("asks for credentials on every route but health, login and setup", async () => {
    expect((await call({}, "/healthz")).status).toBe(200);
    expect(await (await call({}, "/api/auth/status")).json()).toEqual({ mode: "accounts", needsSetup: true });
    for (const [method, path] of [
      ["GET", "/api/conversations"],
      ["POST", "/api/conversations"],
      ["GET", "/api/models"],
      ["GET", "/api/runs/run_x/events"],
      ["GET", "/api/usage"],
      ["GET", "/metrics"],
      ["POST", "/api/keys"],
    ] as const) {
      const response = await call({}, path, { method, ...(method === "POST" && { body: {} }) });
      expect(response.status, `${method} ${path}`).toBe(401);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("unauthenticated");
    }
  });

  it("creates the first admin from this machine once, signed in with an httpOnly SameSite cookie", async () => {
    const setup = await call({}, "/api/auth/setup", {
      body: { email: "Alice@Example.com", password: "alice-password" },
    });
    expect(setup.status).toBe(201);
    alice.cookie = cookieOf(setup);
    expect(await (await call(alice, "/api/auth/me")).json()).toMatchObject({
      via: "session",
      user: { email: "alice@example.com", role: "admin" },
    });
    const again = await call({}, "/api/auth/setup", {
      body: { email: "eve@example.com", password: "eve-password" },
    });
    expect(again.status).toBe(409);
  });

  it("lets the admin add a user, who signs in with the right password only", async () => {
    const created = await call(alice, "/api/users", {
      body: { email: "bob@example.com", password: "bob-password" },
    });
    expect(created.status).toBe(201);
    const wrong = await call({}, "/api/auth/login", {
      body: { email: "bob@example.com", password: "not-bobs" },
    });
    expect(wrong.status).toBe(401);
    const unknown = await call({}, "/api/auth/login", {
      body: { email: "nobody@example.com", password: "bob-password" },
    });
    expect(unknown.status).toBe(401);
    expect(((await wrong.json()) as { error: { message: string } }).error.message).toBe(
      ((await unknown.json()) as { error: { message: string } }).error.message,
    );
    const login = await call({}, "/api/auth/login", {
      body: { email: "bob@example.com", password: "bob-password" },
    });
    expect(login.status).toBe(200);
    bob.cookie = cookieOf(login);
    // Only admins manage accounts.
    expect((await call(bob, "/api/users")).status).toBe(403);
  });

  it("refuses a forged cookie and a cookie-authenticated write from another site", async () => {
    expect((await call({ cookie: "parley_session=ps_forged" }, "/api/conversations")).status).toBe(401);
    const crossSite = await call(alice, "/api/conversations", {
      body: {},
      headers: { origin: "http://evil.example", "sec-fetch-site": "cross-site" },
    });
    expect(crossSite.status).toBe(403);
    const sameSite = await call(alice, "/api/conversations", { body: {}, headers: { origin: parley.url } });
    expect(sameSite.status).toBe(201);
  });

  it("never shows, changes, resumes or stops another user's conversation or run: 404, as if it did not exist", async () => {
    await modelsReady(alice);
    const created = await call(alice, "/api/conversations", { body: { title: "Alice's secret" } });
    aliceConversation = ((await created.json()) as { id: string }).id;
    const stream = await openStream(`${parley.url}/api/conversations/${aliceConversation}/messages`, {
      method: "POST",
      body: JSON.stringify({ content: "for alice only", model: "tiny" }),
      headers: { cookie: alice.cookie as string },
    });
    const events = await stream.events();
    expect(textOf(events)).toBe(ALPHABET);
    aliceRun = events[0]?.data.runId as string;
    const assistantMessage = events[0]?.data.assistantMessageId as string;

    const attempts: [string, string, unknown?][] = [
      ["GET", `/api/conversations/${aliceConversation}`],
      ["DELETE", `/api/conversations/${aliceConversation}`],
      ["POST", `/api/conversations/${aliceConversation}/messages`, { content: "hijack" }],
      ["POST", `/api/conversations/${aliceConversation}/messages/${assistantMessage}/regenerate`, {}],
      ["GET", `/api/runs/${aliceRun}`],
      ["GET", `/api/runs/${aliceRun}/events`],
      ["POST", `/api/runs/${aliceRun}/stop`, {}],
    ];
    for (const [method, path, body] of attempts) {
      const response = await call(bob, path, { method, ...(body !== undefined && { body }) });
      expect(response.status, `${method} ${path}`).toBe(404);
    }
    const bobsList = (await (await call(bob, "/api/conversations")).json()) as {
      conversations: { id: string }[];
    };
    expect(bobsList.conversations.map((conversation) => conversation.id)).not.toContain(aliceConversation);
    // Still all there for Alice.
    const mine = (await (await call(alice, `/api/conversations/${aliceConversation}`)).json()) as {
      messages: unknown[];
    };
    expect(mine.messages).toHaveLength(2);
  });

  it("signs out: the cookie stops working", async () => {
    const login = await call({}, "/api/auth/login", {
      body: { email: "bob@example.com", password: "bob-password" },
    });
    const session = { cookie: cookieOf(login) };
    expect((await call(session, "/api/conversations")).status).toBe(200);
    expect((await call(session, "/api/auth/logout", { body: {} })).status).toBe(204);
    expect((await call(session, "/api/conversations")).status).toBe(401);
  });
});

describe("API keys", () => {
  it("shows a new key once, stores only its hash, works with both SDKs, and stops working when revoked", async () => {
    const created = await call(alice, "/api/keys", { body: { name: "laptop" } });
    expect(created.status).toBe(201);
    const { key, id, prefix } = (await created.json()) as { key: string; id: string; prefix: string };
    expect(key).toMatch(/^pk_/);
    expect(key.startsWith(prefix)).toBe(true);
    const listed = (await (await call(alice, "/api/keys")).json()) as { keys: Record<string, unknown>[] };
    expect(listed.keys).toMatchObject([{ id, name: "laptop", prefix, revokedAt: null }]);
    expect(JSON.stringify(listed)).not.toContain(key);

    const openai = new OpenAI({ baseURL: `${parley.url}/v1`, apiKey: key, maxRetries: 0 });
    const completion = await openai.chat.completions.create({
      model: "tiny",
      messages: [{ role: "user", content: "key" }],
    });
    expect(completion.choices[0]?.message.content).toBe(ALPHABET);
    const anthropic = new Anthropic({ baseURL: parley.url, apiKey: key, maxRetries: 0 });
    const message = await anthropic.messages.create({
      model: "tiny",
      max_tokens: 64,
      messages: [{ role: "user", content: "x" }],
    });
    expect(message.content).toMatchObject([{ type: "text", text: ALPHABET }]);
    // The exchange is stored for the key's user.
    const list = (await (await call({ key }, "/api/conversations")).json()) as {
      conversations: { title: string }[];
    };
    expect(list.conversations.map((conversation) => conversation.title)).toContain("key");

    expect((await call(alice, `/api/keys/${id}`, { method: "DELETE" })).status).toBe(204);
    const refused = await openai.chat.completions
      .create({ model: "tiny", messages: [{ role: "user", content: "again" }] })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.AuthenticationError);
    const refusedAnthropic = await anthropic.messages
      .create({ model: "tiny", max_tokens: 8, messages: [{ role: "user", content: "x" }] })
      .catch((error: unknown) => error);
    expect(refusedAnthropic).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((await call({ key: "pk_never-issued" }, "/api/conversations")).status).toBe(401);
  });

  it("are listed and revoked by an admin, for a key that leaked: it stops at once, its account goes on", async () => {
    const { owner, complete } = await userWithKeys("lena");
    const { id: leakedId, key: leaked } = await newKeyWithId(owner, { name: "leaked" });
    const { key: kept } = await newKeyWithId(owner, { name: "kept" });
    // Used just now, so the server holds it in its key cache.
    expect((await complete(leaked)).status).toBe(200);
    const { user } = (await (await call(owner, "/api/auth/me")).json()) as { user: { id: string } };

    const listed = await call(alice, `/api/users/${user.id}/keys`);
    expect(listed.status).toBe(200);
    const { keys } = (await listed.json()) as { keys: Record<string, unknown>[] };
    expect(keys.map((listedKey) => listedKey.name).sort()).toEqual(["kept", "leaked"]);
    // Never the keys themselves, nor their hashes.
    expect(JSON.stringify(keys)).not.toMatch(new RegExp(`keyHash|${leaked}|${kept}`));

    // Only an admin: the owner themself and another user are refused, and the key still works.
    expect((await call(owner, `/api/users/${user.id}/keys`)).status).toBe(403);
    expect((await call(bob, `/api/users/${user.id}/keys/${leakedId}`, { method: "DELETE" })).status).toBe(
      403,
    );
    expect((await complete(leaked)).status).toBe(200);

    expect((await call(alice, `/api/users/${user.id}/keys/${leakedId}`, { method: "DELETE" })).status).toBe(
      204,
    );
    expect((await complete(leaked)).status).toBe(401);
    expect((await complete(kept)).status).toBe(200);
    expect((await call(owner, "/api/auth/me")).status).toBe(200);
    const after = (await (await call(owner, "/api/keys")).json()) as {
      keys: { id: string; revokedAt: unknown }[];
    };
    expect(after.keys.find((listedKey) => listedKey.id === leakedId)?.revokedAt).toEqual(expect.any(Number));

    // A key of another user, or of no one, is not found under this one.
    const alicesKey = await newKeyWithId(alice, { name: "alice's" });
    expect(
      (await call(alice, `/api/users/${user.id}/keys/${alicesKey.id}`, { method: "DELETE" })).status,
    ).toBe(404);
    expect((await call(alice, "/api/users/user_nobody/keys")).status).toBe(404);
  });

  it("stop working by themselves once they expire, even one just used, and a bad expiry is refused", async () => {
    const { owner: ian, complete } = await userWithKeys("ian");
    const before = Date.now();
    // A second: days may be fractions, so a key can last hours.
    const { id, key } = await newKeyWithId(ian, { name: "trial", expiresInDays: 1 / 86_400 });
    const listed = (await (await call(ian, "/api/keys")).json()) as {
      keys: { id: string; expiresAt: number }[];
    };
    const expiresAt = listed.keys.find((listedKey) => listedKey.id === id)?.expiresAt as number;
    expect(expiresAt).toBeGreaterThanOrEqual(before + 1000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 1000);
    expect((await complete(key)).status).toBe(200);

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt - Date.now()) + 50));
    const expired = await complete(key);
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as { error: { message: string } }).error.message).toMatch(
      `expired at ${new Date(expiresAt).toISOString()}`,
    );
    const lasting = await newKey(ian, { name: "lasting" });
    expect((await complete(lasting)).status).toBe(200);
    for (const expiresInDays of [0, -1, 4000, "7"]) {
      const refused = await call(ian, "/api/keys", { body: { expiresInDays } });
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(
        /expiresInDays/,
      );
    }
  });

  it("are made from the command line too: users add (password on stdin) and keys create", async () => {
    const add = execFile(
      process.execPath,
      [PARLEY_BIN, "users", "add", "carol@example.com", "--data-dir", dataDir],
      {
        cwd: dataDir,
      },
    );
    add.stdin?.end("carol-password\n");
    await new Promise((resolve) => add.once("exit", resolve));
    const { stdout } = await run(
      process.execPath,
      [PARLEY_BIN, "keys", "create", "--user", "carol@example.com", "--data-dir", dataDir],
      {
        cwd: dataDir,
      },
    );
    const key = stdout.trim();
    expect(key).toMatch(/^pk_/);
    const me = (await (await call({ key }, "/api/auth/me")).json()) as {
      via: string;
      user: { email: string; role: string };
    };
    expect(me).toMatchObject({ via: "api-key", user: { email: "carol@example.com", role: "user" } });

    const limited = await run(
      process.execPath,
      [
        PARLEY_BIN,
        "keys",
        "create",
        "--user",
        "carol@example.com",
        "--name",
        "ci",
        "--requests-per-minute",
        "3",
        "--tokens-per-day",
        "1000",
        "--expires-in-days",
        "30",
        "--data-dir",
        dataDir,
      ],
      { cwd: dataDir },
    );
    const listed = (await (await call({ key }, "/api/keys")).json()) as { keys: Record<string, unknown>[] };
    const ci = listed.keys.find((listedKey) => listedKey.name === "ci");
    expect(ci).toMatchObject({ requestsPerMinute: 3, tokensPerDay: 1000 });
    expect(ci?.expiresAt as number).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    expect(ci?.expiresAt as number).toBeLessThanOrEqual(Date.now() + 30 * 86_400_000);
    expect(limited.stdout.trim()).toMatch(/^pk_/);
    await expect(
      run(
        process.execPath,
        [PARLEY_BIN, "keys", "create", "--user", "carol@example.com", "--requests-per-minute", "0"],
        { cwd: dataDir },
      ),
    ).rejects.toMatchObject({ stderr: expect.stringMatching(/--requests-per-minute.*1 or more/) });

    // Listed and revoked there too: the first key, which the server holds in its cache, stops within its lifetime.
    const cli = (...args: string[]) =>
      run(
        process.execPath,
        [PARLEY_BIN, "keys", ...args, "--user", "carol@example.com", "--data-dir", dataDir],
        {
          cwd: dataDir,
        },
      );
    const lines = (await cli("list")).stdout.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(`^${ci?.id}  pk_\\S+…  active until \\S+, never used  all models  ci$`),
      ),
    );
    expect(lines.join("\n")).not.toContain(key);
    const first = listed.keys.find((listedKey) => listedKey.name !== "ci");
    const revoked = await cli("revoke", String(first?.id));
    expect(revoked.stderr).toMatch(
      /^Revoked API key key_\S+ of carol@example.com; running servers refuse it within 5 s/,
    );
    await expect
      .poll(async () => (await call({ key }, "/api/auth/me")).status, { timeout: 10_000 })
      .toBe(401);
    expect((await cli("list")).stdout).toMatch(new RegExp(`^${first?.id}  pk_\\S+…  revoked `, "m"));
    await expect(cli("revoke", "key_nonexistent")).rejects.toMatchObject({
      stderr: expect.stringMatching(/key_nonexistent/),
    });
  });
});

describe("passwords", () => {
  const login = (email: string, password: string) =>
    call({}, "/api/auth/login", { body: { email, password } });

  it("change with the current one, signing out the user's other sessions but not the one that asked", async () => {
    const { owner: kim } = await userWithKeys("kim");
    const kimElsewhere: Client = { cookie: cookieOf(await login("kim@example.com", "kim-password")) };
    const change = (body: unknown) => call(kim, "/api/auth/password", { body });

    const wrong = await change({ currentPassword: "not-kim-password", newPassword: "kim-new-password" });
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe("wrong_password");
    const short = await change({ currentPassword: "kim-password", newPassword: "short" });
    expect(short.status).toBe(400);
    expect(((await short.json()) as { error: { message: string } }).error.message).toMatch(/at least 8/);
    expect((await change({ currentPassword: "kim-password" })).status).toBe(400);

    expect((await change({ currentPassword: "kim-password", newPassword: "kim-new-password" })).status).toBe(
      204,
    );
    expect((await call(kim, "/api/auth/me")).status).toBe(200);
    expect((await call(kimElsewhere, "/api/auth/me")).status).toBe(401);
    expect((await login("kim@example.com", "kim-password")).status).toBe(401);
    expect((await login("kim@example.com", "kim-new-password")).status).toBe(200);
  });

  it("refuse the 11th attempt at one account's password within a minute, even a right one, with Retry-After", async () => {
    await userWithKeys("nia");
    // userWithKeys signed in once: nine wrong guesses make ten attempts.
    for (let guess = 0; guess < 9; guess++) {
      expect((await login("nia@example.com", `guess-${guess}-password`)).status).toBe(401);
    }
    const limited = await login("NIA@example.com", "nia-password");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await limited.json()) as { error: { message: string } }).error.message).toMatch(
      /Too many password attempts for this account/,
    );
    // Another account signs in as ever.
    expect((await login("kim@example.com", "kim-new-password")).status).toBe(200);
  });

  it("are reset by an admin for someone who forgot theirs, which signs them out everywhere", async () => {
    const { owner: lee } = await userWithKeys("lee");
    const leeId = ((await (await call(lee, "/api/auth/me")).json()) as { user: { id: string } }).user.id;
    const reset = (client: Client, password: string) =>
      call(client, `/api/users/${leeId}`, { method: "PATCH", body: { password } });

    expect((await reset(bob, "bob-chose-this")).status).toBe(403);
    // Too short: refused, and nothing else in the request changed either.
    const short = await call(alice, `/api/users/${leeId}`, {
      method: "PATCH",
      body: { password: "short", requestsPerMinute: 3 },
    });
    expect(short.status).toBe(400);
    expect(await listedUser(leeId)).toMatchObject({ requestsPerMinute: null });
    expect((await call(lee, "/api/auth/me")).status).toBe(200);

    expect((await reset(alice, "lee-new-password")).status).toBe(200);
    expect((await call(lee, "/api/auth/me")).status).toBe(401);
    expect((await login("lee@example.com", "lee-password")).status).toBe(401);
    expect((await login("lee@example.com", "lee-new-password")).status).toBe(200);
  });

  it("are set from the command line too (read from standard input), for an admin locked out", async () => {
    expect(
      (await call(alice, "/api/users", { body: { email: "mona@example.com", password: "mona-password" } }))
        .status,
    ).toBe(201);
    const child = execFile(
      process.execPath,
      [PARLEY_BIN, "users", "password", "mona@example.com", "--data-dir", dataDir],
      { cwd: dataDir },
    );
    child.stdin?.end("mona-new-password\n");
    const code = await new Promise((resolve) => child.once("exit", resolve));
    expect(code).toBe(0);
    expect((await login("mona@example.com", "mona-password")).status).toBe(401);
    expect((await login("mona@example.com", "mona-new-password")).status).toBe(200);
  });
});

describe("disabling an account", () => {
  it("stops its session, its keys and its password at once, and enabled again it signs in afresh", async () => {
    const { owner: jude, complete } = await userWithKeys("jude");
    const key = await newKey(jude, {});
    const judeId = ((await (await call(jude, "/api/auth/me")).json()) as { user: { id: string } }).user.id;
    const disable = (disabled: boolean) =>
      call(alice, `/api/users/${judeId}`, { method: "PATCH", body: { disabled } });

    const disabled = await disable(true);
    expect(disabled.status).toBe(200);
    expect(
      ((await disabled.json()) as { user: { disabledAt: number | null } }).user.disabledAt,
    ).toBeGreaterThan(0);
    // Signed out everywhere at once: the session is gone.
    expect((await call(jude, "/api/conversations")).status).toBe(401);
    for (const response of [
      await complete(key),
      await call({}, "/api/auth/login", { body: { email: "jude@example.com", password: "jude-password" } }),
    ]) {
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(
        /This account is disabled/,
      );
    }
    // Only an admin disables accounts.
    expect(
      (await call(bob, `/api/users/${judeId}`, { method: "PATCH", body: { disabled: false } })).status,
    ).toBe(403);

    expect((await disable(false)).status).toBe(200);
    expect((await complete(key)).status).toBe(200);
    // Its sessions ended when it was disabled: it signs in again.
    expect((await call(jude, "/api/conversations")).status).toBe(401);
    const again = await call({}, "/api/auth/login", {
      body: { email: "jude@example.com", password: "jude-password" },
    });
    expect(again.status).toBe(200);
  });

  it("is refused for the admin's own account, as is giving up their own admin role", async () => {
    const aliceId = ((await (await call(alice, "/api/auth/me")).json()) as { user: { id: string } }).user.id;
    for (const body of [{ disabled: true }, { role: "user" }]) {
      const refused = await call(alice, `/api/users/${aliceId}`, { method: "PATCH", body });
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("own_account");
    }
    expect((await call(alice, "/api/auth/me")).status).toBe(200);
  });
});

describe("deleting an account", () => {
  it("takes its conversations, keys and sessions with it, at once; only an admin may, and never their own", async () => {
    const { owner: zed } = await userWithKeys("zed");
    const key = await newKey(zed, {});
    const zedId = ((await (await call(zed, "/api/auth/me")).json()) as { user: { id: string } }).user.id;
    const stored = await call({ key }, "/v1/chat/completions", {
      body: { model: "tiny", messages: [{ role: "user", content: "Remember me" }] },
    });
    expect(stored.status).toBe(200);
    const { conversations } = (await (await call(zed, "/api/conversations")).json()) as {
      conversations: { id: string }[];
    };
    expect(conversations).toHaveLength(1);

    expect((await call(bob, `/api/users/${zedId}`, { method: "DELETE" })).status).toBe(403);
    const aliceId = ((await (await call(alice, "/api/auth/me")).json()) as { user: { id: string } }).user.id;
    const own = await call(alice, `/api/users/${aliceId}`, { method: "DELETE" });
    expect(own.status).toBe(400);
    expect(((await own.json()) as { error: { code: string } }).error.code).toBe("own_account");

    const deleted = await call(alice, `/api/users/${zedId}`, { method: "DELETE" });
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toEqual({
      deleted: { conversations: 1, files: 0, bots: 0, botsPassedOn: 0 },
    });
    expect((await call(zed, "/api/conversations")).status).toBe(401);
    expect((await call({ key }, "/v1/models")).status).toBe(401);
    expect(
      (await call({}, "/api/auth/login", { body: { email: "zed@example.com", password: "zed-password" } }))
        .status,
    ).toBe(401);
    expect(await listedUser(zedId)).toBeUndefined();
    expect((await call(alice, `/api/users/${zedId}`, { method: "DELETE" })).status).toBe(404);
    // The email is free again: a new account may take it.
    expect(
      (await call(alice, "/api/users", { body: { email: "zed@example.com", password: "zed-password-2" } }))
        .status,
    ).toBe(201);
  });
});

describe("deleting an account mid-reply", () => {
  it("stops the reply being streamed, writes it down, then deletes; the server serves on", async () => {
    const { owner: yan, complete } = await userWithKeys("yan");
    const key = await newKey(yan, {});
    const yanId = ((await (await call(yan, "/api/auth/me")).json()) as { user: { id: string } }).user.id;
    const streaming = await call({ key }, "/v1/chat/completions", {
      body: { model: "tiny-loop", stream: true, messages: [{ role: "user", content: "Go on and on" }] },
    });
    expect(streaming.status).toBe(200);
    const reader = (streaming.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let received = "";
    while (!received.includes('"content":"')) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended before any text: ${received}`);
      received += decoder.decode(value, { stream: true });
    }

    const deleted = await call(alice, `/api/users/${yanId}`, { method: "DELETE" });
    expect(deleted.status).toBe(200);
    expect(((await deleted.json()) as { deleted: { conversations: number } }).deleted.conversations).toBe(1);
    // The stream was ended by the stop, not cut: it closes, with its last chunks.
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      received += decoder.decode(value, { stream: true });
    }
    expect(received).toMatch(/"finish_reason":"stop"/);
    expect((await complete(key)).status).toBe(401);
    const { owner: yara, complete: another } = await userWithKeys("yara");
    const anotherKey = await newKey(yara, {});
    expect((await another(anotherKey)).status).toBe(200);
  });
});

describe("limits", () => {
  it("answers the request over the per-minute limit with 429 and Retry-After", async () => {
    const bobId = ((await (await call(bob, "/api/auth/me")).json()) as { user: { id: string } }).user.id;
    expect(
      (await call(alice, `/api/users/${bobId}`, { method: "PATCH", body: { requestsPerMinute: 2 } })).status,
    ).toBe(200);
    const conversation = (
      (await (await call(bob, "/api/conversations", { body: {} })).json()) as { id: string }
    ).id;
    const post = () =>
      call(bob, `/api/conversations/${conversation}/messages`, { body: { content: "hi", model: "tiny" } });
    expect((await post()).status).toBe(200);
    expect((await post()).status).toBe(200);
    const limited = await post();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await limited.json()) as { error: { message: string } }).error.message).toMatch(
      /2 replies a minute/,
    );
  });

  it("applies a user's new limit to the very next request of a key that was just used", async () => {
    const created = await call(alice, "/api/users", {
      body: { email: "frank@example.com", password: "frank-password" },
    });
    const frankId = ((await created.json()) as { user: { id: string } }).user.id;
    const frank = {
      cookie: cookieOf(
        await call({}, "/api/auth/login", {
          body: { email: "frank@example.com", password: "frank-password" },
        }),
      ),
    };
    const key = ((await (await call(frank, "/api/keys", { body: {} })).json()) as { key: string }).key;
    const complete = () =>
      call({ key }, "/v1/chat/completions", {
        body: { model: "tiny", messages: [{ role: "user", content: "hi" }], store: false },
      });
    expect((await complete()).status).toBe(200);
    // The key's account was read a moment ago; the new limit must not wait for that reading to age.
    await call(alice, `/api/users/${frankId}`, { method: "PATCH", body: { requestsPerMinute: 1 } });
    // A bucket holds at most a minute's worth of the new limit: one more request, then none.
    expect((await complete()).status).toBe(200);
    const over = await complete();
    expect(over.status).toBe(429);
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("answers a request past the daily token quota with 429 until midnight UTC", async () => {
    const carolLogin = await call({}, "/api/auth/login", {
      body: { email: "carol@example.com", password: "carol-password" },
    });
    const carol = { cookie: cookieOf(carolLogin) };
    const carolId = ((await (await call(carol, "/api/auth/me")).json()) as { user: { id: string } }).user.id;
    await call(alice, `/api/users/${carolId}`, { method: "PATCH", body: { tokensPerDay: 20 } });
    const conversation = (
      (await (await call(carol, "/api/conversations", { body: {} })).json()) as { id: string }
    ).id;
    const post = () =>
      call(carol, `/api/conversations/${conversation}/messages`, { body: { content: "hi", model: "tiny" } });
    expect((await post()).status).toBe(200);
    const over = await post();
    expect(over.status).toBe(429);
    const { error } = (await over.json()) as { error: { code: string; message: string } };
    // Its own code, so a client can tell the day's quota from the per-minute limit.
    expect(error.code).toBe("quota_exceeded");
    expect(error.message).toMatch(/token quota of 20/);
    const retryAfter = Number(over.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(86_400);
  });

  it("holds a key to its own per-minute limit, while its user's other key goes on", async () => {
    const { owner, complete } = await userWithKeys("gina");
    const limitedKey = await newKey(owner, { name: "script", requestsPerMinute: 2 });
    const otherKey = await newKey(owner, { name: "laptop" });
    expect((await complete(limitedKey)).status).toBe(200);
    expect((await complete(limitedKey)).status).toBe(200);
    const over = await complete(limitedKey);
    expect(over.status).toBe(429);
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await over.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: "rate_limited",
      message: expect.stringMatching(/this API key's limit is 2 replies a minute/),
    });
    expect((await complete(otherKey)).status).toBe(200);
  });

  it("holds a key to its own daily token quota, counting only the replies asked for with it", async () => {
    const { owner, complete } = await userWithKeys("hana");
    // One tiny reply uses about 48 tokens: the first fits under 20 left, the second does not.
    const limitedKey = await newKey(owner, { tokensPerDay: 20 });
    const otherKey = await newKey(owner, {});
    expect((await complete(otherKey)).status).toBe(200);
    expect((await complete(limitedKey)).status).toBe(200);
    const over = await complete(limitedKey);
    expect(over.status).toBe(429);
    expect(Number(over.headers.get("retry-after"))).toBeLessThanOrEqual(86_400);
    expect(((await over.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: "quota_exceeded",
      message: expect.stringMatching(/This API key's token quota of 20 for today is used up/),
    });
    expect((await complete(otherKey)).status).toBe(200);
  });

  it("lets a key's owner set and lift its limits, from the next request on, and no one else", async () => {
    const { owner, complete } = await userWithKeys("ivan");
    const { id, key } = await newKeyWithId(owner, {});
    const limit = (body: unknown, client: Client = owner) =>
      call(client, `/api/keys/${id}`, { method: "PATCH", body });

    const set = await limit({ requestsPerMinute: 1 });
    expect(set.status).toBe(200);
    expect(await set.json()).toMatchObject({ id, requestsPerMinute: 1, tokensPerDay: null });
    expect((await complete(key)).status).toBe(200);
    expect((await complete(key)).status).toBe(429);
    expect((await limit({ requestsPerMinute: null })).status).toBe(200);
    expect((await complete(key)).status).toBe(200);

    expect((await limit({ requestsPerMinute: 0 })).status).toBe(400);
    expect((await limit({ tokensPerDay: "many" })).status).toBe(400);
    // Someone else's key is not found, and stays as it was.
    expect((await limit({ requestsPerMinute: 1 }, bob)).status).toBe(404);
    const listed = (await (await call(owner, "/api/keys")).json()) as { keys: Record<string, unknown>[] };
    expect(listed.keys.find((listedKey) => listedKey.id === id)).toMatchObject({ requestsPerMinute: null });
    expect((await call(owner, `/api/keys/${id}`, { method: "DELETE" })).status).toBe(204);
    expect((await limit({ requestsPerMinute: 5 })).status).toBe(404);
  });

  it("counts what was used whether it was stored, deleted since, or never stored", async () => {
    const created = await call(alice, "/api/users", {
      body: { email: "erin@example.com", password: "erin-password" },
    });
    expect(created.status).toBe(201);
    const erinId = ((await created.json()) as { user: { id: string } }).user.id;
    // One tiny reply uses about 48 tokens: the first two requests fit under 60, the third does not.
    const limited = await call(alice, `/api/users/${erinId}`, {
      method: "PATCH",
      body: { tokensPerDay: 60 },
    });
    expect(limited.status).toBe(200);
    const erin = {
      cookie: cookieOf(
        await call({}, "/api/auth/login", { body: { email: "erin@example.com", password: "erin-password" } }),
      ),
    };
    const key = (
      (await (await call(erin, "/api/keys", { body: { name: "script" } })).json()) as { key: string }
    ).key;

    const conversation = (
      (await (await call(erin, "/api/conversations", { body: {} })).json()) as { id: string }
    ).id;
    const stored = await call(erin, `/api/conversations/${conversation}/messages`, {
      body: { content: "hi", model: "tiny" },
    });
    expect(stored.status).toBe(200);
    await stored.text();
    expect((await call(erin, `/api/conversations/${conversation}`, { method: "DELETE" })).status).toBe(204);

    const unstored = await call({ key }, "/v1/chat/completions", {
      body: { model: "tiny", messages: [{ role: "user", content: "hi" }], store: false },
    });
    expect(unstored.status).toBe(200);

    const over = await call({ key }, "/v1/chat/completions", {
      body: { model: "tiny", messages: [{ role: "user", content: "hi" }] },
    });
    expect(over.status).toBe(429);
    expect(((await over.json()) as { error: { message: string } }).error.message).toMatch(
      /token quota of 60 is used up \((9\d|1\d\d) tokens\)/,
    );
  });
});

describe("single-user mode", () => {
  it("is refused on an address other than loopback", async () => {
    const result = await run(
      process.execPath,
      [PARLEY_BIN, "serve", "--no-auth", "--host", "0.0.0.0", "--port", "0"],
      {
        cwd: temporaryDirectory(),
      },
    ).catch((error: { code: number; stderr: string }) => error);
    expect((result as { code: number }).code).toBe(1);
    expect((result as { stderr: string }).stderr).toMatch(/only on a loopback address/);
  });
});

/** A new account signed in, and a way to ask for a chat completion with one of its keys. */
async function userWithKeys(name: string) {
  const credentials = { email: `${name}@example.com`, password: `${name}-password` };
  expect((await call(alice, "/api/users", { body: credentials })).status).toBe(201);
  const owner: Client = { cookie: cookieOf(await call({}, "/api/auth/login", { body: credentials })) };
  const complete = (key: string) =>
    call({ key }, "/v1/chat/completions", {
      body: { model: "tiny", messages: [{ role: "user", content: "hi" }], store: false },
    });
  return { owner, complete };
}

async function newKeyWithId(owner: Client, body: Record<string, unknown>) {
  const created = await call(owner, "/api/keys", { body });
  expect(created.status).toBe(201);
  return (await created.json()) as { id: string; key: string };
}

async function newKey(owner: Client, body: Record<string, unknown>): Promise<string> {
  return (await newKeyWithId(owner, body)).key;
}

/** The account as an admin's GET /api/users lists it. */
async function listedUser(id: string) {
  const { users } = (await (await call(alice, "/api/users")).json()) as { users: { id: string }[] };
  return users.find((user) => user.id === id);
}
