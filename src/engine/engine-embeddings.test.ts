import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EngineHealth, type EngineServer, startEngine } from "./engine-server.js";
import { tinyModelReply, tinyModelShape, writeTinyModel } from "./tiny-model.js";

/**
 * `POST /v1/embeddings` on the real tiny model. Its vectors mean nothing, but they are llama.cpp's real hidden states
 * of the model's embedding size, so shape, determinism, order and validation are all tested for real.
 */
let directory: string;
let chatEngine: EngineServer;
let embeddingEngine: EngineServer;

const contextSize = 256;

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), "parley-embeddings-"));
  const modelPath = path.join(directory, "tiny.gguf");
  await writeTinyModel(modelPath);
  chatEngine = await startEngine({ modelPath, threads: 1, sequences: 1, contextSize, log: () => {} });
  embeddingEngine = await startEngine({
    modelPath,
    modelId: "tiny-embed",
    threads: 1,
    contextSize,
    embeddingOnly: true,
    log: () => {},
  });
});

afterAll(async () => {
  await chatEngine?.close();
  await embeddingEngine?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

type EmbeddingsBody = {
  object: string;
  model: string;
  data: { object: string; index: number; embedding: number[] }[];
  usage: { prompt_tokens: number; total_tokens: number };
};
type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };

async function post(engine: EngineServer, body: unknown, pathname = "/embeddings") {
  const response = await fetch(`${engine.baseURL}${pathname}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as EmbeddingsBody & ErrorBody };
}

async function embed(engine: EngineServer, input: string | string[]): Promise<number[][]> {
  const { status, body } = await post(engine, { model: engine.modelId, input });
  expect(status).toBe(200);
  return body.data.map((item) => item.embedding);
}

function norm(vector: number[]): number {
  return Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
}

describe("engine embeddings", () => {
  it("embeds a string or an array of strings as unit vectors of the model's embedding size, in input order", async () => {
    const { status, body } = await post(embeddingEngine, {
      model: "tiny-embed",
      input: ["Backups run every night.", "Replicas live in three zones.", "Alerts page the on-call."],
    });
    expect(status).toBe(200);
    expect(body.object).toBe("list");
    expect(body.model).toBe("tiny-embed");
    expect(body.data.map((item) => [item.object, item.index])).toEqual([
      ["embedding", 0],
      ["embedding", 1],
      ["embedding", 2],
    ]);
    for (const { embedding } of body.data) {
      expect(embedding).toHaveLength(tinyModelShape.embeddingLength);
      expect(embedding.every(Number.isFinite)).toBe(true);
      expect(norm(embedding)).toBeCloseTo(1, 5);
    }
    expect(body.usage.prompt_tokens).toBeGreaterThanOrEqual(3);
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens);

    const [single] = await embed(embeddingEngine, "Replicas live in three zones.");
    expect(single).toEqual(body.data[1]?.embedding);
  });

  it("gives the same vector for the same text every time, and different vectors for different texts", async () => {
    const [first, second] = await embed(embeddingEngine, [
      "Timers fire after their delay.",
      "Timers fire after their delay.",
    ]);
    const [again] = await embed(embeddingEngine, "Timers fire after their delay.");
    const [other] = await embed(embeddingEngine, "Rendering happens between tasks.");
    expect(second).toEqual(first);
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
    // A chat engine embeds with the same weights, so it gives the same vector.
    const [fromChatEngine] = await embed(chatEngine, "Timers fire after their delay.");
    expect(fromChatEngine?.map((value) => value.toFixed(4))).toEqual(first?.map((value) => value.toFixed(4)));
  });

  it("answers the official OpenAI client, which asks for base64, with the same vectors as floats", async () => {
    const client = new OpenAI({ baseURL: embeddingEngine.baseURL, apiKey: "x", maxRetries: 0 });
    const response = await client.embeddings.create({ model: "tiny-embed", input: ["One.", "Two."] });
    const [one, two] = await embed(embeddingEngine, ["One.", "Two."]);
    expect(response.data.map((item) => item.embedding.map((value) => Math.fround(value)))).toEqual([
      one?.map((value) => Math.fround(value)),
      two?.map((value) => Math.fround(value)),
    ]);
    expect(response.usage.prompt_tokens).toBeGreaterThan(0);
  });

  it("refuses empty, mistyped, malformed and too long input with a 400 in the OpenAI error shape that names the field, and cuts a long input to fit when asked to truncate", async () => {
    const cases: [unknown, string, string][] = [
      [{ model: "tiny-embed" }, "input", "missing_required_parameter"],
      [{ input: "" }, "input", "invalid_value"],
      [{ input: [] }, "input", "invalid_value"],
      [{ input: ["fine", ""] }, "input[1]", "invalid_value"],
      [{ input: 42 }, "input", "invalid_value"],
      [{ input: [101, 102] }, "input", "invalid_value"],
      [{ input: "x", encoding_format: "hex" }, "encoding_format", "invalid_value"],
      [{ input: "x", dimensions: 3 }, "dimensions", "invalid_value"],
      [{ input: "word ".repeat(contextSize) }, "input", "context_length_exceeded"],
      [{ input: ["short", "word ".repeat(contextSize)] }, "input[1]", "context_length_exceeded"],
    ];
    for (const [body, param, code] of cases) {
      const refused = await post(embeddingEngine, body);
      expect(refused.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(refused.body.error).toMatchObject({ type: "invalid_request_error", param, code });
      expect(refused.body.error.message).toContain(param);
    }
    const tooLong = await post(embeddingEngine, { input: "word ".repeat(contextSize) });
    expect(tooLong.body.error.message).toMatch(/at most \d+ tokens/);

    const truncated = await post(embeddingEngine, { input: "word ".repeat(contextSize), truncate: true });
    expect(truncated.status).toBe(200);
    expect(truncated.body.usage.prompt_tokens).toBe(contextSize - 1);
    expect(truncated.body.data[0]?.embedding).toHaveLength(tinyModelShape.embeddingLength);

    const notJson = await post(embeddingEngine, "{");
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe("invalid_json");
    const wrongMethod = await fetch(`${embeddingEngine.baseURL}/embeddings`);
    expect(wrongMethod.status).toBe(405);
    // Refusals cost no work and leave the engine serving.
    expect(await embed(embeddingEngine, "Still here.")).toHaveLength(1);
  });

  it("an engine started for embeddings only refuses chat with a 400, while a chat engine serves both", async () => {
    for (const pathname of ["/chat/completions", "/tokenize"]) {
      const refused = await post(embeddingEngine, { messages: [{ role: "user", content: "Hi" }] }, pathname);
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({ code: "not_a_chat_model", param: "model" });
    }
    const health = (await (await fetch(`${embeddingEngine.url}/health`)).json()) as EngineHealth;
    expect(health).toMatchObject({ ok: true, model: "tiny-embed", contextSize, sequences: { total: 0 } });

    const chat = new OpenAI({ baseURL: chatEngine.baseURL, apiKey: "x", maxRetries: 0 });
    const [completion] = await Promise.all([
      chat.chat.completions.create({
        model: "tiny",
        messages: [{ role: "user", content: "Alphabet?" }],
        temperature: 0,
      }),
      embed(chatEngine, ["Side by side."]),
    ]);
    expect(completion.choices[0]?.message.content).toBe(tinyModelReply);
  });
});
