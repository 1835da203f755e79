/** A user sees where they are signed in, and ends a session they do not know, or every one but this. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PublicSession as ListedSession } from "../src/core/session.js";
import { type Client, callAs } from "./support/call-as.js";
import { type ParleyProcess, startParley } from "./support/parley-process.js";

let parley: ParleyProcess;
const admin: Client = {};

const call = (client: Client, pathname: string, init?: Parameters<typeof callAs>[3]) =>
  callAs(parley, client, pathname, init);

function cookieOf(response: Response): string {
  return (response.headers.get("set-cookie") ?? "").split(";")[0] as string;
}

async function signIn(email: string, userAgent: string): Promise<Client> {
  const response = await call({}, "/api/auth/login", {
    body: { email, password: "good-password" },
    headers: { "user-agent": userAgent },
  });
  expect(response.status).toBe(200);
  return { cookie: cookieOf(response) };
}

async function sessionsOf(client: Client): Promise<ListedSession[]> {
  const response = await call(client, "/api/auth/sessions");
  expect(response.status).toBe(200);
  return ((await response.json()) as { sessions: ListedSession[] }).sessions;
}

const isSignedIn = async (client: Client) => (await call(client, "/api/auth/me")).status === 200;

beforeAll(async () => {
  parley = await startParley({ accounts: true, waitForModels: false });
  const setup = await call({}, "/api/auth/setup", {
    body: { email: "admin@example.com", password: "good-password" },
  });
  expect(setup.status).toBe(201);
  admin.cookie = cookieOf(setup);
  for (const email of ["uma@example.com", "vic@example.com"]) {
    expect((await call(admin, "/api/users", { body: { email, password: "good-password" } })).status).toBe(
      201,
    );
  }
});

afterAll(async () => {
  await parley?.stop();
});

describe("a user's sessions", () => {
  it("are listed newest first, each with its browser and address, this one marked", async () => {
    const laptop = await signIn("uma@example.com", "Laptop Browser/1.0");
    const phone = await signIn("uma@example.com", "Phone Browser/2.0");
    const sessions = await sessionsOf(phone);
    expect(sessions.map(({ userAgent, current }) => ({ userAgent, current }))).toEqual([
      { userAgent: "Phone Browser/2.0", current: true },
      { userAgent: "Laptop Browser/1.0", current: false },
    ]);
    for (const session of sessions) {
      expect(session.id).toMatch(/^[0-9a-f]{64}$/);
      expect(session.address).toMatch(/127\.0\.0\.1/);
      expect(session.expiresAt).toBeGreaterThan(Date.now());
      expect(session.createdAt).toBeLessThanOrEqual(Date.now());
    }
    // Seen from the laptop, the laptop's is the current one.
    expect((await sessionsOf(laptop)).find((session) => session.current)?.userAgent).toBe(
      "Laptop Browser/1.0",
    );
    // Another user lists only their own.
    const vic = await signIn("vic@example.com", "Vic Browser");
    expect((await sessionsOf(vic)).map((session) => session.userAgent)).toEqual(["Vic Browser"]);
  });

  it("say when each was last used: signing in, then its latest request, written at most once a minute", async () => {
    const tablet = await signIn("vic@example.com", "Tablet Browser");
    const desk = await signIn("vic@example.com", "Desk Browser");
    const tabletOf = async () =>
      (await sessionsOf(desk)).find((session) => session.userAgent === "Tablet Browser") as ListedSession;
    const signedInAt = (await tabletOf()).createdAt;
    expect((await tabletOf()).lastUsedAt).toBe(signedInAt);

    await new Promise((resolve) => setTimeout(resolve, 20));
    const before = Date.now();
    expect(await isSignedIn(tablet)).toBe(true);
    // Written without the request waiting for it, so it may land just after the answer.
    await expect.poll(async () => (await tabletOf()).lastUsedAt).toBeGreaterThanOrEqual(before);
    const lastUsedAt = (await tabletOf()).lastUsedAt;
    expect(lastUsedAt).toBeLessThanOrEqual(Date.now());
    expect(await isSignedIn(tablet)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await tabletOf()).lastUsedAt).toBe(lastUsedAt);
  });

  it("end one by one: the one ended is signed out, the rest stay; another user's is not found", async () => {
    const desk = await signIn("vic@example.com", "Desk Browser");
    const stolen = await signIn("vic@example.com", "Unknown Browser");
    const unknown = (await sessionsOf(desk)).find((session) => session.userAgent === "Unknown Browser");
    expect(unknown).toBeDefined();

    // Uma cannot end Vic's session, nor learn that it exists.
    const uma = await signIn("uma@example.com", "Uma Browser");
    const foreign = await call(uma, `/api/auth/sessions/${unknown?.id}`, { method: "DELETE" });
    expect(foreign.status).toBe(404);
    expect(await isSignedIn(stolen)).toBe(true);

    expect((await call(desk, `/api/auth/sessions/${unknown?.id}`, { method: "DELETE" })).status).toBe(204);
    expect(await isSignedIn(stolen)).toBe(false);
    expect(await isSignedIn(desk)).toBe(true);
    expect((await sessionsOf(desk)).some((session) => session.userAgent === "Unknown Browser")).toBe(false);
    // Gone already: not found.
    expect((await call(desk, `/api/auth/sessions/${unknown?.id}`, { method: "DELETE" })).status).toBe(404);
  });

  it("end this one as signing out does, clearing the cookie", async () => {
    const browser = await signIn("uma@example.com", "Leaving Browser");
    const own = (await sessionsOf(browser)).find((session) => session.current);
    const ended = await call(browser, `/api/auth/sessions/${own?.id}`, { method: "DELETE" });
    expect(ended.status).toBe(204);
    expect(ended.headers.get("set-cookie")).toMatch(/^parley_session=; .*Max-Age=0/);
    expect(await isSignedIn(browser)).toBe(false);
  });

  it("end all but this one at once; with an API key, all of them", async () => {
    const here = await signIn("uma@example.com", "Here Browser");
    const elsewhere = await signIn("uma@example.com", "Elsewhere Browser");
    const ended = await call(here, "/api/auth/sessions", { method: "DELETE" });
    expect(ended.status).toBe(200);
    expect(((await ended.json()) as { ended: number }).ended).toBeGreaterThanOrEqual(1);
    expect(await isSignedIn(elsewhere)).toBe(false);
    expect(await isSignedIn(here)).toBe(true);
    expect((await sessionsOf(here)).map((session) => session.userAgent)).toEqual(["Here Browser"]);

    const created = await call(here, "/api/keys", { body: { name: "script" } });
    const key: Client = { key: ((await created.json()) as { key: string }).key };
    const fromKey = await sessionsOf(key);
    expect(fromKey.map(({ userAgent, current }) => ({ userAgent, current }))).toEqual([
      { userAgent: "Here Browser", current: false },
    ]);
    expect(
      ((await (await call(key, "/api/auth/sessions", { method: "DELETE" })).json()) as { ended: number })
        .ended,
    ).toBe(1);
    expect(await isSignedIn(here)).toBe(false);
  });

  it("refuse a malformed id with 400, and anyone not signed in with 401", async () => {
    const browser = await signIn("vic@example.com", "Careful Browser");
    const malformed = await call(browser, "/api/auth/sessions/not-a-session", { method: "DELETE" });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { message: string } }).error.message).toMatch(/session id/);
    expect((await call({}, "/api/auth/sessions")).status).toBe(401);
    expect((await call({}, `/api/auth/sessions/${"a".repeat(64)}`, { method: "DELETE" })).status).toBe(401);
  });
});
