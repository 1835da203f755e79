/**
 * Remote embedding models: models of an OpenAI-compatible provider marked `embedding: true`, served at POST
 * /v1/embeddings by a real `parley serve` (with accounts) from a fake embedding server on real HTTP, and called with
 * the official openai client under a user's API key. Chats go to a fault upstream's `ok` model. Three more fake
 * servers are over their rate limits, each with its own `Retry-After` (7 s, 2 s, none).
 */
import OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { type Client, callAs } from "./support/call-as.js";
import {
  type EmbeddingsUpstream,
  fakeEmbedding,
  NATIVE_DIMENSIONS,
  startEmbeddingsUpstream,
} from "./support/embeddings-upstream.js";
import type { ParleyProcess } from "./support/parley-process.js";
import { faultModel, openAIProvider } from "./support/remote-config.js";
import { startRemoteParley } from "./support/remote-parley.js";
import { unusedPort } from "./support/unused-port.js";

const UPSTREAM_KEY = "upstream-key";
/** USD per million tokens embedded by `embed-small`: cheaper than the chat model, so `auto` would pick it if it could. */
const EMBEDDING_PRICE = 0.5;

let embeddingServer: EmbeddingsUpstream;
let limitedFor7: EmbeddingsUpstream;
let limitedFor2: EmbeddingsUpstream;
let limitedSilently: EmbeddingsUpstream;
let parley: ParleyProcess;
let admin: Client;
let bob: Client;
let openai: OpenAI;

beforeAll(async () => {
  embeddingServer = await startEmbeddingsUpstream({ apiKey: UPSTREAM_KEY });
  limitedFor7 = await startEmbeddingsUpstream({ apiKey: UPSTREAM_KEY, rateLimited: { retryAfter: "7" } });
  limitedFor2 = await startEmbeddingsUpstream({ apiKey: UPSTREAM_KEY, rateLimited: { retryAfter: "2" } });
  limitedSilently = await startEmbeddingsUpstream({ apiKey: UPSTREAM_KEY, rateLimited: {} });
  const limitedProvider = (id: string, endpoints: EmbeddingsUpstream[]) => ({
    id,
    type: "openai-compatible" as const,
    endpoints: endpoints.map((server) => server.baseURL),
    apiKey: UPSTREAM_KEY,
    models: [{ id: `embed-${id}`, upstreamModel: `shortens@${id}`, embedding: true }],
  });
  const downURL = `http://127.0.0.1:${await unusedPort()}/v1`;
  const served = await startRemoteParley(
    (upstream) => ({
      providers: [
        openAIProvider("chats", upstream, [
          faultModel("chat", "ok@chat", { pricing: { input: 1, output: 2 } }),
        ]),
        {
          id: "embedder",
          type: "openai-compatible",
          baseURL: embeddingServer.baseURL,
          apiKey: UPSTREAM_KEY,
          headers: { "x-team": "parley-tests" },
          models: [
            {
              id: "embed-small",
              label: "Small embeddings",
              upstreamModel: "shortens@small",
              embedding: true,
              pricing: { input: EMBEDDING_PRICE, output: 0 },
            },
            { id: "embed-fixed", upstreamModel: "fixed@ada", embedding: true },
            { id: "embed-ignores", upstreamModel: "ignores-dimensions@lax", embedding: true },
            { id: "embed-broken", upstreamModel: "status-500@broken", embedding: true },
          ],
        },
        {
          id: "wrong-key",
          type: "openai-compatible",
          baseURL: embeddingServer.baseURL,
          apiKey: "not-the-key",
          models: [{ id: "embed-denied", upstreamModel: "shortens@denied", embedding: true }],
        },
        {
          id: "fleet",
          type: "openai-compatible",
          // The first endpoint refuses every connection.
          endpoints: [downURL, embeddingServer.baseURL],
          apiKey: UPSTREAM_KEY,
          models: [{ id: "embed-fleet", upstreamModel: "shortens@fleet", embedding: true }],
        },
        limitedProvider("limited", [limitedFor7]),
        limitedProvider("limited-silently", [limitedSilently]),
        // One endpoint rate-limited, the other answering.
        limitedProvider("busy-fleet", [limitedFor7, embeddingServer]),
        // The sooner one first: the last failure seen is not the one that ends soonest.
        limitedProvider("limited-fleet", [limitedFor2, limitedFor7]),
      ],
    }),
    { parley: { accounts: true, waitForModels: false } },
  );
  parley = served.parley;
  const setup = await callAs(parley, {}, "/api/auth/setup", {
    body: { email: "admin@example.com", password: "admin-password" },
  });
  admin = { cookie: cookieOf(setup) };
  await callAs(parley, admin, "/api/users", { body: { email: "bob@example.com", password: "bob-password" } });
  const login = await callAs(parley, {}, "/api/auth/login", {
    body: { email: "bob@example.com", password: "bob-password" },
  });
  bob = { cookie: cookieOf(login) };
  const created = await callAs(parley, bob, "/api/keys", { body: { name: "indexer" } });
  const { key } = (await created.json()) as { key: string };
  openai = new OpenAI({ baseURL: `${parley.url}/v1`, apiKey: key, maxRetries: 0 });
  return async () => {
    await served.stop();
    for (const server of [embeddingServer, limitedFor7, limitedFor2, limitedSilently]) await server.close();
  };
});

function cookieOf(response: Response): string {
  return (response.headers.get("set-cookie") ?? "").split(";")[0] as string;
}

function failure(request: Promise<unknown>): Promise<Error> {
  return request.then(
    () => new Error("answered where a refusal was expected"),
    (error: unknown) => error as Error,
  );
}

type UsageRow = {
  day: string;
  model: string;
  replies: number;
  embeddingRequests: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number;
};

/** Today's usage of one model for the client's user (zeros when there is none). */
async function usageOf(client: Client, model: string): Promise<Omit<UsageRow, "day" | "model">> {
  const { days } = (await (await callAs(parley, client, "/api/usage")).json()) as { days: UsageRow[] };
  const {
    day: _day,
    model: _model,
    ...row
  } = days.find((day) => day.model === model) ?? {
    day: "",
    model,
    replies: 0,
    embeddingRequests: 0,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costUsd: 0,
  };
  return row;
}

describe("a remote embedding model", () => {
  it("embeds through the provider's URL, key and headers under its upstream name, in order, as base64 or floats", async () => {
    const texts = ["Backups run every night.", "The cluster has three zones."];
    // The SDK asks Parley for base64 unless told otherwise, and decodes it.
    const response = await openai.embeddings.create({ model: "embed-small", input: texts });
    expect(response.model).toBe("embed-small");
    expect(response.data.map((item) => item.index)).toEqual([0, 1]);
    for (const [index, item] of response.data.entries()) {
      const expected = fakeEmbedding(texts[index] as string);
      expect(item.embedding).toHaveLength(NATIVE_DIMENSIONS);
      for (const [at, value] of item.embedding.entries())
        expect(value).toBeCloseTo(expected[at] as number, 6);
    }
    // The fake counts a word as a token.
    expect(response.usage).toEqual({ prompt_tokens: 9, total_tokens: 9 });

    const request = embeddingServer.requests.at(-1);
    expect(request?.model).toBe("shortens@small");
    expect(request?.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(request?.headers["x-team"]).toBe("parley-tests");
    // Only what OpenAI's API takes (it refuses any other field): no `truncate`, no `dimensions` unless asked.
    expect(request?.body).toEqual({ model: "shortens@small", input: texts, encoding_format: "float" });

    const floats = await openai.embeddings.create({
      model: "embed-small",
      input: "Backups run every night.",
      encoding_format: "float",
    });
    expect(floats.data[0]?.embedding).toEqual(response.data[0]?.embedding);
  });

  it("passes `dimensions` upstream and checks the vectors have that length", async () => {
    const short = await openai.embeddings.create({
      model: "embed-small",
      input: ["one", "two"],
      dimensions: 4,
    });
    expect(short.data.map((item) => item.embedding.length)).toEqual([4, 4]);
    expect(embeddingServer.requests.at(-1)?.body.dimensions).toBe(4);
    // Another length for the same model next time: remote vectors have no one length Parley holds them to.
    const shorter = await openai.embeddings.create({ model: "embed-small", input: "one", dimensions: 2 });
    expect(shorter.data[0]?.embedding).toHaveLength(2);

    const ignored = await failure(
      openai.embeddings.create({ model: "embed-ignores", input: "x", dimensions: 4 }),
    );
    expect(ignored).toBeInstanceOf(OpenAI.BadRequestError);
    expect(ignored.message).toMatch(
      /`dimensions`: "embed-ignores" answered with vectors of 16 dimensions: its server does not shorten them to the 4 asked; leave `dimensions` out/,
    );
    const refused = await failure(
      openai.embeddings.create({ model: "embed-fixed", input: "x", dimensions: 4 }),
    );
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect(refused.message).toMatch(
      /embed-fixed refused the request\. The model failed with HTTP 400: This model does not support specifying dimensions\./,
    );
    expect(
      (await openai.embeddings.create({ model: "embed-fixed", input: "x" })).data[0]?.embedding,
    ).toHaveLength(NATIVE_DIMENSIONS);
  });

  it("is listed with the models, and is no chat model: named for a chat it is a 400, and `auto` never picks it", async () => {
    const ids = (await openai.models.list()).data.map((model) => model.id);
    expect(ids).toEqual(expect.arrayContaining(["auto", "chat", "embed-small", "embed-fleet"]));
    const { models } = (await (await callAs(parley, bob, "/api/models")).json()) as {
      models: { id: string }[];
    };
    expect(models.map((model) => model.id)).toEqual(["chat"]);

    const chat = await failure(
      openai.chat.completions.create({
        model: "embed-small",
        messages: [{ role: "user", content: "hello" }],
      }),
    );
    expect(chat).toBeInstanceOf(OpenAI.BadRequestError);
    expect(chat.message).toMatch(
      /"embed-small" is an embedding model: it answers POST \/v1\/embeddings, not chats\. Chat models: "chat"\./,
    );
    const auto = await openai.chat.completions.create({
      model: "auto",
      messages: [{ role: "user", content: "hello" }],
    });
    expect(auto.model).toBe("chat");
  });

  it("turns upstream failures into errors in OpenAI's shape, charging nothing, and keeps serving", async () => {
    const before = await usageOf(bob, "embed-broken");
    const broken = await callAs(parley, { key: openai.apiKey }, "/v1/embeddings", {
      body: { model: "embed-broken", input: "x" },
    });
    expect(broken.status).toBe(502);
    expect(await broken.json()).toEqual({
      error: {
        message: "The model failed with HTTP 500: The upstream answered 500 as asked.",
        type: "api_error",
        param: null,
        code: "upstream_error",
      },
    });
    expect(await usageOf(bob, "embed-broken")).toEqual(before);

    // Parley's own key for the provider is wrong: not the client's to fix, so not a 401 that would blame its key.
    const denied = await failure(openai.embeddings.create({ model: "embed-denied", input: "x" }));
    expect(denied).toBeInstanceOf(OpenAI.InternalServerError);
    expect((denied as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((denied as InstanceType<typeof OpenAI.APIError>).code).toBe("upstream_auth_failed");
    expect(denied.message).toMatch(
      /"embed-denied" could not be used: its provider refused this server's credentials \(The model failed with HTTP 401: Incorrect API key provided\.\)\. An admin must check the provider's apiKey/,
    );

    const after = await openai.embeddings.create({ model: "embed-small", input: "still here" });
    expect(after.data).toHaveLength(1);
  });

  it("is served through a provider's endpoints, going past one that refuses connections", async () => {
    for (let request = 0; request < 3; request++) {
      const response = await openai.embeddings.create({ model: "embed-fleet", input: `text ${request}` });
      expect(response.data[0]?.embedding).toHaveLength(NATIVE_DIMENSIONS);
    }
    expect(embeddingServer.requestsFor("shortens@fleet")).toHaveLength(3);
  });

  it("charges the key's user its tokens at the model's price as embeddings requests, not replies; a chat still counts as a reply", async () => {
    const embedBefore = await usageOf(bob, "embed-small");
    const adminBefore = await usageOf(admin, "embed-small");
    const { usage } = await openai.embeddings.create({
      model: "embed-small",
      input: ["Four words right here.", "And three more."],
    });
    expect(usage.prompt_tokens).toBe(7);
    expect(await usageOf(bob, "embed-small")).toEqual({
      replies: embedBefore.replies,
      embeddingRequests: embedBefore.embeddingRequests + 1,
      inputTokens: embedBefore.inputTokens + 7,
      outputTokens: embedBefore.outputTokens,
      // An embedding model has no prompt cache.
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      costUsd: expect.closeTo(embedBefore.costUsd + (7 * EMBEDDING_PRICE) / 1e6, 12),
    });
    expect(await usageOf(admin, "embed-small")).toEqual(adminBefore);

    const chatBefore = await usageOf(bob, "chat");
    const completion = await openai.chat.completions.create({
      model: "chat",
      messages: [{ role: "user", content: "count me" }],
    });
    const chatAfter = await usageOf(bob, "chat");
    expect(chatAfter).toMatchObject({
      replies: chatBefore.replies + 1,
      embeddingRequests: chatBefore.embeddingRequests,
      inputTokens: chatBefore.inputTokens + (completion.usage?.prompt_tokens ?? Number.NaN),
    });
    const { totals } = (await (await callAs(parley, bob, "/api/usage")).json()) as {
      totals: { replies: number; embeddingRequests: number };
    };
    expect(totals.replies).toBe(chatAfter.replies);
    expect(totals.embeddingRequests).toBeGreaterThanOrEqual(embedBefore.embeddingRequests + 1);
  });

  it("answers an upstream 429 with a 429 in OpenAI's shape and the upstream's Retry-After (1 s when it gave none), charging nothing", async () => {
    const before = await usageOf(bob, "embed-limited");
    const limited = await callAs(parley, { key: openai.apiKey }, "/v1/embeddings", {
      body: { model: "embed-limited", input: "x" },
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("7");
    expect(await limited.json()).toEqual({
      error: {
        message: expect.stringMatching(
          /^The embedding model "embed-limited" is rate-limited by its provider; try again in 7 s\. \(The model failed with HTTP 429: Rate limit reached for shortens@limited/,
        ),
        type: "rate_limit_error",
        param: null,
        code: "upstream_rate_limited",
      },
    });
    expect(await usageOf(bob, "embed-limited")).toEqual(before);

    const silently = await callAs(parley, { key: openai.apiKey }, "/v1/embeddings", {
      body: { model: "embed-limited-silently", input: "x" },
    });
    expect(silently.status).toBe(429);
    expect(silently.headers.get("retry-after")).toBe("1");
    // SDKs take it for a rate limit, which they wait out and retry.
    const raised = await failure(openai.embeddings.create({ model: "embed-limited-silently", input: "x" }));
    expect(raised).toBeInstanceOf(OpenAI.RateLimitError);
  });

  it("passes over a rate-limited endpoint to the next, and is a 429 only when every endpoint is, with the soonest Retry-After", async () => {
    for (let request = 0; request < 2; request++) {
      const response = await openai.embeddings.create({
        model: "embed-busy-fleet",
        input: `text ${request}`,
      });
      expect(response.data[0]?.embedding).toHaveLength(NATIVE_DIMENSIONS);
    }
    // Each request starts at the next endpoint: the one that started at the rate-limited endpoint went on.
    expect(limitedFor7.requestsFor("shortens@busy-fleet")).toHaveLength(1);
    expect(embeddingServer.requestsFor("shortens@busy-fleet")).toHaveLength(2);

    const limited = await callAs(parley, { key: openai.apiKey }, "/v1/embeddings", {
      body: { model: "embed-limited-fleet", input: "x" },
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("2");
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe("upstream_rate_limited");
    expect(limitedFor7.requestsFor("shortens@limited-fleet")).toHaveLength(1);
    expect(limitedFor2.requestsFor("shortens@limited-fleet")).toHaveLength(1);
  });
});
