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
  ["POST", () => "/v1/responses"],
  ["POST", () => "/v1/responses/input_tokens"],
  ["GET", (id) => `/v1/responses/${id}`],
  ["GET", (id) => `/v1/responses/${id}/input_items`],
  ["POST", (id) => `/v1/responses/${id}/cancel`],
  ["DELETE", (id) => `/v1/responses/${id}`],
  ["POST", () => "/v1/embeddings"],
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
      input: fc.anything(),
      max_tokens: fc.anything(),
      requestsPerMinute: fc.anything(),
      tokensPerDay: fc.anything(),
      models: fc.oneof(fc.anything(), fc.array(fc.constantFrom("tiny", "auto", "bot:code-tutor", "nope"))),
      disabled: fc.anything(),
      password: fc.anything(),
      currentPassword: fc.anything(),
      newPassword: fc.anything(),
    })
    .map((value) => ({ text: safeStringify(value), type: "application/json" })),
  // Near-valid requests with tools, in both APIs' shapes: tool definitions, choices, calls and results gone wrong.
  fc
    .record(
      {
        model: fc.constantFrom("tiny", "auto", "tiny-loop", "bot:code-tutor"),
        max_tokens: fc.constantFrom(5, 0, -1, "x"),
        stream: fc.boolean(),
        messages: fc.array(
          fc.record(
            {
              role: fc.constantFrom("user", "assistant", "tool", "system"),
              content: fc.oneof(
                fc.string({ maxLength: 20 }),
                fc.anything(),
                fc.array(
                  fc.record({
                    type: fc.constantFrom("text", "tool_use", "tool_result", "image"),
                    id: fc.string({ maxLength: 8 }),
                    tool_use_id: fc.string({ maxLength: 8 }),
                    name: fc.string({ maxLength: 8 }),
                    input: fc.anything(),
                    text: fc.string({ maxLength: 8 }),
                  }),
                  { maxLength: 3 },
                ),
              ),
              tool_call_id: fc.oneof(fc.string({ maxLength: 8 }), fc.anything()),
              tool_calls: fc.oneof(
                fc.anything(),
                fc.array(
                  fc.record({
                    id: fc.string({ maxLength: 8 }),
                    type: fc.constantFrom("function", "x"),
                    function: fc.record({ name: fc.string({ maxLength: 8 }), arguments: fc.anything() }),
                  }),
                  { maxLength: 2 },
                ),
              ),
            },
            { requiredKeys: ["role"] },
          ),
          { maxLength: 4 },
        ),
        tools: fc.oneof(
          fc.anything(),
          fc.array(
            fc.record(
              {
                type: fc.constantFrom("function", "custom", "web_search_20250305"),
                function: fc.record({ name: fc.string({ maxLength: 70 }), parameters: fc.anything() }),
                name: fc.string({ maxLength: 70 }),
                input_schema: fc.oneof(fc.anything(), fc.constant({ type: "object" })),
              },
              { requiredKeys: [] },
            ),
            { maxLength: 3 },
          ),
        ),
        tool_choice: fc.oneof(
          fc.anything(),
          fc.constantFrom("auto", "none", "required", { type: "any" }, { type: "tool", name: "a" }),
        ),
      },
      { requiredKeys: ["model", "messages"] },
    )
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

/**
 * Schemas the engine must make grammars of or refuse with a 400: well-formed ones built type by type (objects,
 * arrays, choices, references, nested), and look-alikes with keywords it may not take and values of every type.
 */
const NAMES = ["a", "b", "c"] as const;
const { wellFormed } = fc.letrec((tie) => ({
  wellFormed: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom(
      { type: "string" },
      { type: "string", maxLength: 3 },
      { type: "string", minLength: 1, maxLength: 2 },
      { type: "string", format: "date" },
      { type: "number" },
      { type: "integer" },
      { type: "boolean" },
      { type: "null" },
      { type: ["string", "null"] },
      { enum: ["yes", "no", 3, null] },
      { const: "fixed" },
      { $ref: "#/$defs/a" },
    ),
    fc
      .record({ properties: fc.dictionary(fc.constantFrom(...NAMES), tie("wellFormed"), { maxKeys: 3 }) })
      .map(({ properties }) => ({
        type: "object",
        properties,
        required: Object.keys(properties),
        additionalProperties: false,
      })),
    fc
      .record({ items: tie("wellFormed"), maxItems: fc.integer({ min: 0, max: 3 }) })
      .map((array) => ({ type: "array", ...array })),
    fc.array(tie("wellFormed"), { minLength: 1, maxLength: 3 }).map((anyOf) => ({ anyOf })),
  ),
}));
const schemaWithDefinitions = fc
  .record({ root: wellFormed, a: wellFormed })
  .map(({ root, a }) => ({ ...(root as Record<string, unknown>), $defs: { a } }));

const SCHEMA_KEYWORDS = [
  "type",
  "properties",
  "required",
  "items",
  "enum",
  "const",
  "anyOf",
  "allOf",
  "$ref",
  "$defs",
  "additionalProperties",
  "minItems",
  "maxLength",
  "format",
  "pattern",
] as const;
const { lookAlike } = fc.letrec((tie) => ({
  lookAlike: fc.dictionary(fc.constantFrom(...SCHEMA_KEYWORDS), tie("value"), { maxKeys: 4 }),
  value: fc.oneof(
    { depthSize: "small" },
    fc.constantFrom("object", "array", "string", "integer", "date", "#/$defs/a", "#"),
    fc.array(fc.constantFrom("string", "null", "object", "a"), { maxLength: 3 }),
    fc.integer({ min: -2, max: 5 }),
    fc.boolean(),
    fc.constant(null),
    fc.dictionary(fc.constantFrom(...NAMES), tie("lookAlike"), { maxKeys: 3 }),
    fc.array(tie("lookAlike"), { maxLength: 3 }),
  ),
}));
const schemas = fc.oneof(wellFormed, schemaWithDefinitions, lookAlike);

describe("JSON schemas, fed to the engine through /v1/chat/completions", () => {
  it("answers every schema with a reply (JSON when it ends) or a 400 that names it, and the engine keeps serving", async () => {
    const outcomes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(schemas, async (candidate) => {
        const response = await parley.api("/v1/chat/completions", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            model: "tiny",
            messages: [{ role: "user", content: "Fill it in." }],
            max_tokens: 48,
            response_format: { type: "json_schema", json_schema: { name: "fuzzed", schema: candidate } },
          }),
          signal: AbortSignal.timeout(20_000),
        });
        const body = (await response.json()) as {
          error?: { message: string };
          choices?: { message: { content: string }; finish_reason: string }[];
        };
        const choice = body.choices?.[0];
        const outcome = choice ? `${response.status} ${choice.finish_reason}` : String(response.status);
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        expect(response.status, JSON.stringify(candidate)).toBeOneOf([200, 400]);
        if (response.status === 400) expect(body.error?.message).toMatch(/response_format|schema/);
        // A reply that ended on its own (not at max_tokens) is the whole JSON value.
        if (choice?.finish_reason === "stop") expect(() => JSON.parse(choice.message.content)).not.toThrow();
      }),
      { numRuns: 300 },
    );
    // Every kind was met: replies that ended as whole JSON values, replies cut at max_tokens, refused schemas.
    expect(outcomes.get("200 stop")).toBeGreaterThan(0);
    expect(outcomes.get("200 length")).toBeGreaterThan(0);
    expect(outcomes.get("400")).toBeGreaterThan(0);
    const after = await parley.api("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "tiny", messages: [{ role: "user", content: "Hi" }] }),
    });
    expect(
      ((await after.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content,
    ).toBe("abcdefghijklmnopqrstuvwxyz");
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
