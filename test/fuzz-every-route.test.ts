import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  createConversation,
  type ParleyProcess,
  startParley,
  temporaryDirectory,
} from "./support/parley-process.js";
import { writeTestModels } from "./support/test-models.js";

let parley: ParleyProcess;
let conversationId: string;

beforeAll(async () => {
  parley = await startParley({ prepare: (dir) => writeTestModels(dir) });
  return () => parley.stop();
});

beforeAll(async () => {
  conversationId = await createConversation(parley);
});

const ROUTES: [string, (id: string) => string][] = [
  ["POST", () => "/api/conversations"],
  ["GET", () => "/api/conversations"],
  ["GET", (id) => `/api/conversations/${id}`],
  ["DELETE", (id) => `/api/conversations/${id}`],
  ["POST", (id) => `/api/conversations/${id}/messages`],
  ["POST", (id) => `/api/conversations/${id}/messages/${id}/regenerate`],
  ["GET", (id) => `/api/runs/${id}`],
  ["GET", (id) => `/api/runs/${id}/events`],
  ["POST", (id) => `/api/runs/${id}/stop`],
  ["GET", () => "/api/usage"],
  ["POST", () => "/api/keys"],
  ["PATCH", (id) => `/api/keys/${id}`],
  ["DELETE", (id) => `/api/keys/${id}`],
  ["POST", () => "/api/auth/login"],
  ["POST", () => "/v1/chat/completions"],
  ["POST", () => "/v1/messages"],
  ["POST", () => "/api/bots"],
  ["GET", () => "/api/bots"],
  ["GET", (id) => `/api/bots/${id}`],
  ["PATCH", (id) => `/api/bots/${id}`],
  ["DELETE", (id) => `/api/bots/${id}`],
  ["GET", (id) => `/api/bots/${id}/versions/${id}`],
  ["POST", (id) => `/api/bots/${id}/knowledge`],
  ["DELETE", (id) => `/api/bots/${id}/knowledge/${id}`],
  ["GET", (id) => `/api/bots/${id}/knowledge`],
  ["GET", (id) => `/api/bots/${id}/knowledge/${id}`],
  ["GET", (id) => `/api/bots/${id}/versions`],
  ["GET", (id) => `/api/bots/${id}/avatar`],
  ["PATCH", (id) => `/api/conversations/${id}`],
  ["POST", () => "/api/files"],
  ["GET", (id) => `/api/files/${id}`],
  ["GET", () => "/api/users"],
  ["POST", () => "/api/users"],
  ["PATCH", (id) => `/api/users/${id}`],
  ["DELETE", (id) => `/api/users/${id}`],
  ["GET", (id) => `/api/users/${id}/keys`],
  ["DELETE", (id) => `/api/users/${id}/keys/${id}`],
  ["POST", () => "/api/auth/setup"],
  ["POST", () => "/api/auth/logout"],
  ["POST", () => "/api/auth/password"],
  ["GET", () => "/api/auth/sessions"],
  ["DELETE", (id) => `/api/auth/sessions/${id}`],
  ["DELETE", () => "/api/auth/sessions"],
  ["GET", () => "/api/auth/me"],
  ["GET", () => "/api/models"],
  ["GET", () => "/v1/models"],
  ["GET", (id) => `/v1/models/${id}`],
  ["POST", () => "/v1/messages/count_tokens"],
];

/** Ids: real ones, random text, path tricks and very long strings, all percent-encoded as a client would. */
const ids = fc.oneof(
  fc.constant("CONVERSATION"),
  fc.string({ maxLength: 40 }),
  fc.constantFrom("..", "%2e%2e", "\u0000", `conv_${"x".repeat(300)}`, "-1", "0", "null", "__proto__"),
);

const bodies = fc.oneof(
  fc.json().map((text) => ({ text, type: "application/json" })),
  fc.anything().map((value) => ({ text: safeStringify(value), type: "application/json" })),
  fc
    .record({
      content: fc.anything(),
      model: fc.anything(),
      parentId: fc.anything(),
      messages: fc.anything(),
      max_tokens: fc.anything(),
      requestsPerMinute: fc.anything(),
      tokensPerDay: fc.anything(),
      disabled: fc.anything(),
      password: fc.anything(),
      currentPassword: fc.anything(),
      newPassword: fc.anything(),
    })
    .map((value) => ({ text: safeStringify(value), type: "application/json" })),
  fc.string().map((text) => ({ text, type: "application/json" })),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ text: Buffer.from(bytes), type: "application/json" })),
  fc.string().map((text) => ({ text, type: "text/plain" })),
  fc.constant({ text: "", type: "application/json" }),
);

const headerValues = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom("-5", "1e9", "99999999999", " 3", "abc"),
);

describe("every route, fed thousands of malformed requests", () => {
  it("answers each with a status below 500, and the server keeps serving", async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        ids,
        bodies,
        headerValues,
        fc.string({ maxLength: 20 }),
        async ([method, path], id, body, lastEventId, query) => {
          const resolvedId = id === "CONVERSATION" ? conversationId : id;
          const url = `${path(encodeURIComponent(resolvedId))}?after=${encodeURIComponent(query)}`;
          const response = await parley.api(url, {
            method,
            headers: {
              "content-type": body.type,
              "last-event-id": lastEventId.replace(/[^\x20-\x7e]/g, ""),
              accept: "application/json",
            },
            ...(method !== "GET" && { body: body.text }),
            signal: AbortSignal.timeout(10_000),
          });
          await response.arrayBuffer();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          expect(response.status, `${method} ${url} with ${String(body.text).slice(0, 80)}`).toBeLessThan(
            500,
          );
        },
      ),
      { numRuns: 2500 },
    );
    // The run was varied: it met several kinds of refusal, not one status over and over.
    expect(statuses.size).toBeGreaterThanOrEqual(4);
    expect(parley.child.exitCode).toBeNull();
    expect((await parley.api("/healthz")).status).toBe(200);
  }, 180_000);
});

describe("credentials, fed garbage on a server with accounts", () => {
  it("refuses every forged key, bearer and cookie with 401 or 403, never a 5xx", async () => {
    const dir = temporaryDirectory();
    const guarded = await startParley({ dataDir: dir, accounts: true, waitForModels: false });
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...ROUTES.filter(([, path]) => !path("x").startsWith("/api/auth"))),
          fc.record({
            authorization: fc.oneof(
              fc.string({ maxLength: 60 }),
              fc.string().map((text) => `Bearer ${text}`),
            ),
            "x-api-key": fc.string({ maxLength: 60 }),
            cookie: fc.oneof(
              fc.string({ maxLength: 60 }),
              fc.string().map((text) => `parley_session=${text}`),
            ),
          }),
          async ([method, path], headers) => {
            const printable = Object.fromEntries(
              Object.entries(headers).map(([name, value]) => [name, value.replace(/[^\x20-\x7e]/g, "")]),
            );
            const response = await guarded.api(path("conv_x"), {
              method,
              headers: { ...printable, "content-type": "application/json" },
              ...(method !== "GET" && { body: "{}" }),
            });
            await response.arrayBuffer();
            expect([401, 403]).toContain(response.status);
          },
        ),
        { numRuns: 800 },
      );
      expect(guarded.child.exitCode).toBeNull();
    } finally {
      await guarded.stop();
    }
  }, 120_000);
});

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "null";
  } catch {
    return "{}";
  }
}
