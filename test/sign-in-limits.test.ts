/**
 * Sign-in under a flood: attempts are limited per client address (read through a trusted proxy when configured),
 * and password hashing, which costs a core for tens of milliseconds, runs only so many at a time.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { Pool } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ParleyProcess, startParley } from "./support/parley-process.js";

const ADMIN = { email: "admin@example.com", password: "admin-password" };

/** A server with accounts and this config, its admin made through the first-run setup. */
async function serverWith(config: string): Promise<ParleyProcess> {
  const parley = await startParley({
    accounts: true,
    waitForModels: false,
    prepare: (dir) => writeFileSync(path.join(dir, "parley.config.yaml"), config),
  });
  const setup = await parley.api("/api/auth/setup", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(ADMIN),
  });
  expect(setup.status).toBe(201);
  return parley;
}

function signIn(parley: ParleyProcess, email: string, password: string, forwardedFor?: string) {
  return parley.api("/api/auth/login", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(forwardedFor && { "x-forwarded-for": forwardedFor }),
    },
    body: JSON.stringify({ email, password }),
  });
}

async function errorOf(response: Response): Promise<{ code: string; message: string }> {
  return ((await response.json()) as { error: { code: string; message: string } }).error;
}

let direct: ParleyProcess;
let proxied: ParleyProcess;

beforeAll(async () => {
  [direct, proxied] = await Promise.all([
    serverWith("auth:\n  signInsPerAddressPerMinute: 4\n"),
    serverWith(
      [
        "http:",
        "  trustProxy: true",
        "auth:",
        "  signInsPerAddressPerMinute: 2",
        "  passwordHashing:",
        "    concurrency: 1",
        "    queue: 1",
        "",
      ].join("\n"),
    ),
  ]);
});

afterAll(async () => {
  await Promise.all([direct?.stop(), proxied?.stop()]);
});

describe("sign-in attempts from one address", () => {
  it("are refused past the limit with 429 and Retry-After, whatever emails they try, even the right password", async () => {
    for (let attempt = 0; attempt < 4; attempt++) {
      expect((await signIn(direct, `nobody-${attempt}@example.com`, "some-password")).status).toBe(401);
    }
    const limited = await signIn(direct, ADMIN.email, ADMIN.password);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await errorOf(limited)).toMatchObject({
      code: "rate_limited",
      message: expect.stringMatching(/Too many sign-in attempts from this address: at most 4 a minute/),
    });
  });

  it("ignore X-Forwarded-For unless a proxy is trusted, so a client cannot claim a new address", async () => {
    const claimed = await signIn(direct, ADMIN.email, ADMIN.password, "203.0.113.50");
    expect(claimed.status).toBe(429);
  });

  it("behind a trusted proxy, are counted per forwarded client address", async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      expect(
        (await signIn(proxied, `nobody-${attempt}@example.com`, "x-password", "203.0.113.7")).status,
      ).toBe(401);
    }
    expect((await signIn(proxied, ADMIN.email, ADMIN.password, "203.0.113.7")).status).toBe(429);
    // Another client behind the same proxy signs in as ever.
    expect((await signIn(proxied, ADMIN.email, ADMIN.password, "203.0.113.8")).status).toBe(200);
  });

  it("behind a trusted proxy, get a Secure cookie when the proxy says the client came over https", async () => {
    const viaHttps = (parley: ParleyProcess, forwardedFor: string) =>
      parley.api("/api/auth/login", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-forwarded-for": forwardedFor,
          "x-forwarded-proto": "https",
        },
        body: JSON.stringify(ADMIN),
      });
    const proxiedLogin = await viaHttps(proxied, "203.0.113.20");
    expect(proxiedLogin.status).toBe(200);
    expect(proxiedLogin.headers.get("set-cookie")).toMatch(/; Secure$/);
    // Without a trusted proxy, a client's own header is not believed (a server of its own: the one above has
    // used up loopback's sign-ins).
    const plain = await serverWith("auth:\n  sessionDays: 1\n");
    try {
      const plainLogin = await viaHttps(plain, "203.0.113.21");
      expect(plainLogin.status).toBe(200);
      expect(plainLogin.headers.get("set-cookie")).not.toMatch(/Secure/);
    } finally {
      await plain.stop();
    }
  });

  it("do not count malformed requests, which cost no password hash", async () => {
    const forwardedFor = "203.0.113.9";
    for (let attempt = 0; attempt < 5; attempt++) {
      const malformed = await proxied.api("/api/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor },
        body: JSON.stringify({ email: "" }),
      });
      expect(malformed.status).toBe(400);
    }
    expect((await signIn(proxied, ADMIN.email, ADMIN.password, forwardedFor)).status).toBe(200);
  });
});

describe("password hashing", () => {
  it("checks one password at a time with one waiting, refuses the rest with 503 busy and Retry-After, then serves as before", async () => {
    const attempts = 12;
    // Connections opened first, so that the sign-ins reach the server together rather than one accept at a time.
    const pool = new Pool(proxied.url, { connections: attempts });
    try {
      await Promise.all(
        Array.from({ length: attempts }, async () => {
          const { body } = await pool.request({ path: "/healthz", method: "GET" });
          await body.dump();
        }),
      );
      const responses = await Promise.all(
        Array.from({ length: attempts }, async (_, index) => {
          const { statusCode, headers, body } = await pool.request({
            path: "/api/auth/login",
            method: "POST",
            headers: { "content-type": "application/json", "x-forwarded-for": `198.51.100.${index + 1}` },
            body: JSON.stringify({ email: `flood-${index}@example.com`, password: "flood-password" }),
          });
          const { error } = (await body.json()) as { error: { code: string } };
          return { statusCode, retryAfter: headers["retry-after"], code: error.code };
        }),
      );
      const refused = responses.filter((response) => response.statusCode === 503);
      const checked = responses.filter((response) => response.statusCode === 401);
      expect(refused.length + checked.length, JSON.stringify(responses)).toBe(attempts);
      // One hashing and one waiting, at least, were checked; with every request in at once, most were refused.
      expect(checked.length).toBeGreaterThanOrEqual(2);
      expect(refused.length).toBeGreaterThan(0);
      for (const response of refused) expect(response).toMatchObject({ code: "busy", retryAfter: "1" });
    } finally {
      await pool.close();
    }
    expect((await signIn(proxied, ADMIN.email, ADMIN.password, "198.51.100.200")).status).toBe(200);
  });
});
