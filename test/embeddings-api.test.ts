/**
 * POST /v1/embeddings through the official openai client, on a real `parley serve` whose tiny model is served twice:
 * as the chat model `tiny` and, from an engine started with `embedding: true`, as the embedding model `tiny-embed`.
 */
import OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { callAs } from "./support/call-as.js";
import type { ParleyProcess } from "./support/parley-process.js";
import type { ConfigInput } from "./support/remote-config.js";
import { startRemoteParley } from "./support/remote-parley.js";

let parley: ParleyProcess;
let openai: OpenAI;

const CONFIG: ConfigInput = {
  engine: { threads: 1 },
  models: [
    { id: "tiny", file: "./tiny.gguf" },
    { id: "tiny-embed", file: "./tiny.gguf", embedding: true },
  ],
};

beforeAll(async () => {
  const served = await startRemoteParley(() => CONFIG, { tinyModel: true });
  parley = served.parley;
  openai = new OpenAI({ baseURL: `${parley.url}/v1`, apiKey: "unused", maxRetries: 0 });
  // The start waits for the chat models only: the embedding engine may still be loading, and answers 503 until then.
  for (let attempt = 0; ; attempt++) {
    const warmUp = await openai.embeddings
      .create({ model: "tiny-embed", input: "warm up" })
      .catch((error) => error);
    if (!(warmUp instanceof OpenAI.APIError && warmUp.status === 503) || attempt >= 300) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return served.stop;
});

const norm = (vector: readonly number[]) => Math.hypot(...vector);

type UsageDay = { model: string; replies: number; embeddingRequests: number; inputTokens: number };

/** Today's usage of tiny-embed by the (single) user. */
async function embeddingUsage(): Promise<Omit<UsageDay, "model">> {
  const { days } = await parley.json<{ days: UsageDay[] }>("/api/usage");
  const row = days.find((day) => day.model === "tiny-embed");
  return {
    replies: row?.replies ?? 0,
    embeddingRequests: row?.embeddingRequests ?? 0,
    inputTokens: row?.inputTokens ?? 0,
  };
}

/** The tokens of tiny-embed in today's usage of the (single) user. */
async function embeddedTokens(): Promise<number> {
  return (await embeddingUsage()).inputTokens;
}

describe("POST /v1/embeddings", () => {
  it("embeds each text in order, the same text to the same vector, in floats or base64, and counts its tokens", async () => {
    const texts = ["Backups run every night.", "The cluster has three zones.", "Backups run every night."];
    // The SDK asks for base64 unless told otherwise, and decodes it.
    const base64 = await openai.embeddings.create({ model: "tiny-embed", input: texts });
    expect(base64.object).toBe("list");
    expect(base64.model).toBe("tiny-embed");
    expect(base64.data.map((item) => item.index)).toEqual([0, 1, 2]);
    const [first, second, third] = base64.data.map((item) => item.embedding);
    expect(first?.length).toBeGreaterThan(0);
    expect(second?.length).toBe(first?.length);
    expect(norm(first ?? [])).toBeGreaterThan(0);
    expect(third).toEqual(first);
    expect(second).not.toEqual(first);
    // Every byte is a token of the tiny model; the engine adds its own around each text.
    expect(base64.usage.prompt_tokens).toBeGreaterThanOrEqual(texts.join("").length);
    expect(base64.usage.total_tokens).toBe(base64.usage.prompt_tokens);

    const floats = await openai.embeddings.create({
      model: "tiny-embed",
      input: "Backups run every night.",
      encoding_format: "float",
    });
    expect(floats.data).toHaveLength(1);
    const vector = floats.data[0]?.embedding ?? [];
    expect(vector).toHaveLength(first?.length ?? -1);
    for (const [index, value] of vector.entries()) expect(value).toBeCloseTo(first?.[index] ?? Number.NaN, 6);
  });

  it("lists the embedding model with the chat models, and counts its tokens in the user's usage as an embeddings request, not a reply", async () => {
    const ids = (await openai.models.list()).data.map((model) => model.id);
    expect(ids).toEqual(expect.arrayContaining(["tiny", "tiny-embed"]));

    const before = await embeddingUsage();
    const { usage } = await openai.embeddings.create({ model: "tiny-embed", input: ["one", "two"] });
    expect(await embeddingUsage()).toEqual({
      replies: 0,
      embeddingRequests: before.embeddingRequests + 1,
      inputTokens: before.inputTokens + usage.prompt_tokens,
    });
  });

  it("refuses a chat that names the embedding model with a 400 that says what it is", async () => {
    const chat = await openai.chat.completions
      .create({ model: "tiny-embed", messages: [{ role: "user", content: "hello" }] })
      .then(
        () => new Error("answered where a refusal was expected"),
        (error: unknown) => error as Error,
      );
    expect(chat).toBeInstanceOf(OpenAI.BadRequestError);
    expect(chat.message).toMatch(
      /"tiny-embed" is an embedding model: it answers POST \/v1\/embeddings, not chats/,
    );
  });

  it("refuses what it cannot embed with the SDK's own errors, naming what is wrong, charging nothing, and keeps serving", async () => {
    const failure = (request: Promise<unknown>): Promise<Error> =>
      request.then(
        () => new Error("answered where a refusal was expected"),
        (error: unknown) => error as Error,
      );
    const unknown = await failure(openai.embeddings.create({ model: "nothing", input: "x" }));
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect(unknown.message).toMatch(/Unknown embedding model "nothing"\. Embedding models: "tiny-embed"/);

    const chat = await failure(openai.embeddings.create({ model: "tiny", input: "x" }));
    expect(chat).toBeInstanceOf(OpenAI.BadRequestError);
    expect(chat.message).toMatch(/"tiny" is a chat model, not an embedding model/);

    // The model has answered once: its vectors' size is known, and no refusal below costs the user any tokens.
    await openai.embeddings.create({ model: "tiny-embed", input: "first" });
    const tokensBefore = await embeddedTokens();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ input: "" }, /`input`: must not be an empty string/],
      [{ input: [] }, /`input`: must hold at least one text/],
      [{ input: ["fine", ""] }, /`input\.1`: must not be an empty string/],
      [{ input: [1, 2, 3] }, /token ids are not supported: send the text itself/],
      [{ input: "x", dimensions: 7 }, /`dimensions`: the vectors of "tiny-embed" have \d+ dimensions/],
      [{ input: "x", encoding_format: "int8" }, /`encoding_format`/],
      // Longer than the engine's window: refused, not embedded from its beginning as if it were whole.
      [
        { input: "word ".repeat(5000) },
        /A text is too long for tiny-embed\. The model failed with HTTP 400: .*tokens/,
      ],
    ];
    for (const [body, message] of cases) {
      const refusal = await failure(
        openai.embeddings.create({ model: "tiny-embed", ...body } as OpenAI.EmbeddingCreateParams),
      );
      expect(refusal, JSON.stringify(body).slice(0, 60)).toBeInstanceOf(OpenAI.BadRequestError);
      expect(refusal.message).toMatch(message);
    }

    expect(await embeddedTokens()).toBe(tokensBefore);
    const after = await openai.embeddings.create({ model: "tiny-embed", input: "still here" });
    expect(after.data).toHaveLength(1);
  });
});

describe("POST /v1/embeddings on a server with accounts", () => {
  it("needs credentials, and an API key's daily token quota counts the texts it embeds", async () => {
    const served = await startRemoteParley(() => CONFIG, {
      tinyModel: true,
      parley: { accounts: true, waitForModels: false },
    });
    try {
      const guarded = served.parley;
      const setup = await callAs(guarded, {}, "/api/auth/setup", {
        body: { email: "admin@example.com", password: "admin-password" },
      });
      const cookie = (setup.headers.get("set-cookie") ?? "").split(";")[0] as string;
      const created = await callAs(guarded, { cookie }, "/api/keys", { body: { tokensPerDay: 20 } });
      const { key } = (await created.json()) as { key: string };
      const embed = (client: { key?: string }) =>
        callAs(guarded, client, "/v1/embeddings", {
          body: { model: "tiny-embed", input: "Twenty-five characters!!!" },
        });

      expect((await embed({})).status).toBe(401);
      // The engine starts with the server; until it is ready, the answer is a 503 to retry.
      let first = await embed({ key });
      for (let attempt = 0; first.status === 503 && attempt < 300; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        first = await embed({ key });
      }
      expect(first.status).toBe(200);
      expect(
        ((await first.json()) as { usage: { prompt_tokens: number } }).usage.prompt_tokens,
      ).toBeGreaterThan(20);
      const over = await embed({ key });
      expect(over.status).toBe(429);
      expect(((await over.json()) as { error: { code: string } }).error.code).toBe("quota_exceeded");
    } finally {
      await served.stop();
    }
  });
});
