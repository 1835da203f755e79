import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import OpenAI from "openai";
import type { ChatCompletionChunk, ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EngineHealth, type EngineServer, startEngine } from "./engine-server.js";
import { tinyModelReply, writeTinyModel } from "./tiny-model.js";

const alphabet = tinyModelReply;

let directory: string;
let tinyModelPath: string;
let loopModelPath: string;
let engine: EngineServer;
let loopEngine: EngineServer;
let client: OpenAI;
let loopClient: OpenAI;

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), "parley-engine-"));
  tinyModelPath = path.join(directory, "tiny.gguf");
  loopModelPath = path.join(directory, "tiny-loop.gguf");
  await writeTinyModel(tinyModelPath);
  await writeTinyModel(loopModelPath, { loop: true });
  engine = await startEngine({ modelPath: tinyModelPath, threads: 1, sequences: 4, log: () => {} });
  loopEngine = await startEngine({ modelPath: loopModelPath, threads: 1, sequences: 2, log: () => {} });
  client = new OpenAI({ baseURL: engine.baseURL, apiKey: "x", maxRetries: 0 });
  loopClient = new OpenAI({ baseURL: loopEngine.baseURL, apiKey: "x", maxRetries: 0 });
});

afterAll(async () => {
  await engine?.close();
  await loopEngine?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

async function health(server: EngineServer): Promise<EngineHealth> {
  const response = await fetch(`${server.url}/health`);
  expect(response.status).toBe(200);
  return (await response.json()) as EngineHealth;
}

async function postRaw(body: string) {
  const response = await fetch(`${engine.baseURL}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  return { status: response.status, body: (await response.json()) as { error: Record<string, unknown> } };
}

async function collect(stream: AsyncIterable<ChatCompletionChunk>) {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
  return { chunks, text };
}

describe("engine server", () => {
  it("answers /health and lists its model", async () => {
    const status = await health(engine);
    expect(status).toMatchObject({ ok: true, model: "tiny", threads: 1, sequences: { total: 4 } });
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toEqual(["tiny"]);
  });

  it("counts a conversation's prompt tokens exactly as a completion would use them", async () => {
    const messages = [
      { role: "system" as const, content: "Count me." },
      { role: "user" as const, content: "How many tokens is this?" },
    ];
    const response = await fetch(`${engine.url}/v1/tokenize`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ messages }),
    });
    const counted = (await response.json()) as { prompt_tokens: number; context_size: number };
    const completion = await client.chat.completions.create({ model: "tiny", messages, max_tokens: 1 });
    expect(counted.prompt_tokens).toBe(completion.usage?.prompt_tokens);
    expect(counted.context_size).toBeGreaterThan(0);
    const bad = await fetch(`${engine.url}/v1/tokenize`, { method: "POST", body: "{" });
    expect(bad.status).toBe(400);
  });

  it("completes without streaming", async () => {
    const completion = await client.chat.completions.create({
      model: "tiny",
      messages: [{ role: "user", content: "Say the alphabet." }],
      temperature: 0,
    });
    expect(completion.object).toBe("chat.completion");
    expect(completion.model).toBe("tiny");
    expect(completion.choices[0]?.message).toMatchObject({ role: "assistant", content: alphabet });
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    const usage = completion.usage;
    expect(usage?.prompt_tokens).toBeGreaterThan(5);
    expect(usage?.completion_tokens).toBeGreaterThanOrEqual(13);
    expect(usage?.completion_tokens).toBeLessThanOrEqual(26);
    expect(usage?.total_tokens).toBe((usage?.prompt_tokens ?? 0) + (usage?.completion_tokens ?? 0));
    expect(usage?.prompt_tokens_details?.cached_tokens).toBeGreaterThanOrEqual(0);
  });

  it("samples the same reply at the default temperature, and takes text parts and developer messages", async () => {
    const completion = await client.chat.completions.create({
      model: "tiny",
      messages: [
        { role: "developer", content: "Be brief." },
        {
          role: "user",
          content: [
            { type: "text", text: "Hello" },
            { type: "text", text: " there" },
          ],
        },
      ],
    });
    expect(completion.choices[0]?.message.content).toBe(alphabet);
  });

  it("streams in the OpenAI chunk order, usage last", async () => {
    const stream = await client.chat.completions.create({
      model: "tiny",
      messages: [{ role: "user", content: "Stream it." }],
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    const { chunks, text } = await collect(stream);
    expect(text).toBe(alphabet);
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    const finishing = chunks.filter((chunk) => chunk.choices[0]?.finish_reason);
    expect(finishing).toHaveLength(1);
    expect(finishing[0]?.choices[0]?.finish_reason).toBe("stop");
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage?.completion_tokens).toBeGreaterThanOrEqual(13);
    expect(last?.usage?.total_tokens).toBe(
      (last?.usage?.prompt_tokens ?? 0) + (last?.usage?.completion_tokens ?? 0),
    );
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
  });

  it("works with the client's stream helper", async () => {
    const completion = await client.chat.completions
      .stream({ model: "tiny", messages: [{ role: "user", content: "Helper." }], temperature: 0 })
      .finalChatCompletion();
    expect(completion.choices[0]?.message.content).toBe(alphabet);
    expect(completion.choices[0]?.finish_reason).toBe("stop");
  });

  it("takes presence_penalty and frequency_penalty in OpenAI's range and refuses others by name", async () => {
    // The tiny model's chosen token leads by 44-54 nats, far beyond what a penalty of 2 moves: the reply stays.
    const completion = await client.chat.completions.create({
      model: "tiny",
      messages: [{ role: "user", content: "Hi" }],
      temperature: 0,
      presence_penalty: 2,
      frequency_penalty: -2,
    });
    expect(completion.choices[0]?.message.content).toBe(alphabet);
    const refused = await postRaw(
      JSON.stringify({ messages: [{ role: "user", content: "Hi" }], presence_penalty: 3 }),
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error.param).toBe("presence_penalty");
  });

  it("stops at max_tokens with finish_reason length", async () => {
    const completion = await loopClient.chat.completions.create({
      model: "tiny-loop",
      messages: [{ role: "user", content: "Loop." }],
      temperature: 0,
      max_tokens: 60,
    });
    const text = completion.choices[0]?.message.content ?? "";
    expect(completion.choices[0]?.finish_reason).toBe("length");
    expect(completion.usage?.completion_tokens).toBe(60);
    expect(text.length).toBeGreaterThan(26);
    expect(`${alphabet}\n`.repeat(3).startsWith(text)).toBe(true);

    const streamed = await collect(
      await loopClient.chat.completions.create({
        model: "tiny-loop",
        messages: [{ role: "user", content: "Loop." }],
        temperature: 0,
        max_completion_tokens: 60,
        stream: true,
      }),
    );
    expect(streamed.text).toBe(text);
    expect(streamed.chunks.at(-1)?.choices[0]?.finish_reason).toBe("length");
  });

  it("cuts the reply at a stop string, streamed or not", async () => {
    const completion = await client.chat.completions.create({
      model: "tiny",
      messages: [{ role: "user", content: "Stop early." }],
      temperature: 0,
      stop: ["klm", "nothing"],
    });
    expect(completion.choices[0]?.message.content).toBe("abcdefghij");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    const streamed = await collect(
      await client.chat.completions.create({
        model: "tiny",
        messages: [{ role: "user", content: "Stop early." }],
        temperature: 0,
        stop: "xyz",
        stream: true,
      }),
    );
    expect(streamed.text).toBe("abcdefghijklmnopqrstuvw");
  });

  it("serves concurrent streams, each with its own system prompt", async () => {
    const users = ["first question", "a second, longer question about something", "third", "fourth one"];
    const results = await Promise.all(
      users.map(async (user, index) =>
        collect(
          await client.chat.completions.create({
            model: "tiny",
            messages: [
              { role: "system", content: `You are assistant number ${index}.` },
              { role: "user", content: user },
            ],
            temperature: 0,
            stream: true,
          }),
        ),
      ),
    );
    expect(results.map((result) => result.text)).toEqual(users.map(() => alphabet));
  });

  it("queues requests when every sequence is busy", async () => {
    const texts = await Promise.all(
      [0, 1, 2, 3, 4].map(async (index) => {
        const completion = await loopClient.chat.completions.create({
          model: "tiny-loop",
          messages: [{ role: "user", content: `queued ${index}` }],
          temperature: 0,
          max_tokens: 40,
        });
        return completion.choices[0]?.message.content;
      }),
    );
    expect(texts).toEqual(texts.map(() => `${alphabet}\n${alphabet}`.slice(0, 40)));
    expect((await health(loopEngine)).sequences).toEqual({ total: 2, busy: 0, queued: 0 });
  });

  it("reuses the evaluated prefix of the conversation's previous turn", async () => {
    const conversationA: ChatCompletionMessageParam[] = [
      { role: "system", content: "You answer with letters." },
      { role: "user", content: "What comes first?" },
    ];
    const firstA = await client.chat.completions.create({
      model: "tiny",
      messages: conversationA,
      temperature: 0,
    });
    // Another conversation in between must not take the sequence that holds conversation A.
    await client.chat.completions.create({
      model: "tiny",
      messages: [
        { role: "system", content: "A different persona entirely." },
        { role: "user", content: "Unrelated." },
      ],
      temperature: 0,
    });
    const secondA = await client.chat.completions.create({
      model: "tiny",
      messages: [
        ...conversationA,
        { role: "assistant", content: firstA.choices[0]?.message.content ?? "" },
        { role: "user", content: "And then?" },
      ],
      temperature: 0,
    });
    const previousLength = (firstA.usage?.prompt_tokens ?? 0) + (firstA.usage?.completion_tokens ?? 0);
    const cached = secondA.usage?.prompt_tokens_details?.cached_tokens ?? 0;
    expect(cached).toBeGreaterThanOrEqual(previousLength - 2);
    expect(cached).toBeLessThan(secondA.usage?.prompt_tokens ?? 0);
    expect(secondA.choices[0]?.message.content).toBe(alphabet);

    // The same prompt again: everything but the last token, which is evaluated for the next token's logits.
    const again = await client.chat.completions.create({
      model: "tiny",
      messages: conversationA,
      temperature: 0,
    });
    expect(again.usage?.prompt_tokens_details?.cached_tokens).toBe((again.usage?.prompt_tokens ?? 0) - 1);

    const unrelated = await client.chat.completions.create({
      model: "tiny",
      messages: [{ role: "user", content: "zebra quagga okapi" }],
      temperature: 0,
    });
    expect(unrelated.usage?.prompt_tokens_details?.cached_tokens).toBeLessThan(8);
    expect(unrelated.choices[0]?.message.content).toBe(alphabet);
  });

  it("stops generating at once when the client aborts", async () => {
    const before = await health(loopEngine);
    const controller = new AbortController();
    const stream = await loopClient.chat.completions.create(
      {
        model: "tiny-loop",
        messages: [{ role: "user", content: "Go on forever." }],
        temperature: 0,
        stream: true,
      },
      { signal: controller.signal },
    );
    let chunks = 0;
    let abortedAt = 0;
    let generatedAtAbort = 0;
    // The client ends the iteration quietly or with an abort error, depending on where the abort lands.
    try {
      for await (const _chunk of stream) {
        chunks++;
        if (chunks === 5) {
          generatedAtAbort = (await health(loopEngine)).generatedTokens - before.generatedTokens;
          abortedAt = performance.now();
          controller.abort();
        }
      }
    } catch (error) {
      expect(String(error)).toMatch(/abort/i);
    }
    expect(chunks).toBeLessThan(10);

    let status = await health(loopEngine);
    while (status.sequences.busy > 0) status = await health(loopEngine);
    const freedAfterMs = performance.now() - abortedAt;
    const generated = status.generatedTokens - before.generatedTokens;
    // The loop model would fill the whole 4096-token context if nothing stopped it; at ~2,000 tokens/s,
    // 300 tokens is 150 ms of generation after the abort, far more than stopping takes.
    expect(generatedAtAbort).toBeGreaterThanOrEqual(4);
    expect(generated - generatedAtAbort).toBeLessThan(300);
    expect(freedAfterMs).toBeLessThan(1000);
    expect(status.abortedRequests).toBe(before.abortedRequests + 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await health(loopEngine)).generatedTokens).toBe(status.generatedTokens);

    const next = await loopClient.chat.completions.create({
      model: "tiny-loop",
      messages: [{ role: "user", content: "Short one." }],
      temperature: 0,
      max_tokens: 5,
    });
    expect(next.choices[0]?.message.content).toBe("abcde");
  });

  it("stops generating when a client waiting for a whole reply disconnects", async () => {
    const before = await health(loopEngine);
    const controller = new AbortController();
    const request = loopClient.chat.completions.create(
      { model: "tiny-loop", messages: [{ role: "user", content: "Everything at once." }], temperature: 0 },
      { signal: controller.signal },
    );
    let status = await health(loopEngine);
    while (status.generatedTokens - before.generatedTokens < 20) status = await health(loopEngine);
    controller.abort();
    await expect(request).rejects.toThrow(/abort/i);
    while (status.sequences.busy > 0) status = await health(loopEngine);
    expect(status.generatedTokens - before.generatedTokens).toBeLessThan(1000);
    expect(status.abortedRequests).toBe(before.abortedRequests + 1);
  });

  it("refuses bad input with OpenAI-shaped 400s and keeps serving", async () => {
    const malformed = await postRaw("{not json");
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatchObject({
      type: "invalid_request_error",
      code: "invalid_json",
      param: null,
    });

    const missing = await postRaw(JSON.stringify({ model: "tiny" }));
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({
      type: "invalid_request_error",
      code: "missing_required_parameter",
      param: "messages",
    });

    const wrongTypes = [
      [{ messages: "hello" }, "messages"],
      [{ messages: [] }, "messages"],
      [{ messages: [{ role: "user", content: 42 }] }, "messages[0].content"],
      [{ messages: [{ role: "wizard", content: "hi" }] }, "messages[0].role"],
      [
        { messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "x" } }] }] },
        "messages[0].content",
      ],
      [{ messages: [{ role: "user", content: "hi" }], temperature: "hot" }, "temperature"],
      [{ messages: [{ role: "user", content: "hi" }], max_tokens: 0 }, "max_tokens"],
      [{ messages: [{ role: "user", content: "hi" }], n: 2 }, "n"],
    ] as const;
    for (const [body, param] of wrongTypes) {
      const answer = await postRaw(JSON.stringify(body));
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error).toMatchObject({ type: "invalid_request_error", param });
      expect(answer.body.error.message).toEqual(expect.any(String));
    }

    const tooLong = client.chat.completions.create({
      model: "tiny",
      messages: [{ role: "user", content: "word ".repeat(5000) }],
    });
    await expect(tooLong).rejects.toMatchObject({
      status: 400,
      code: "context_length_exceeded",
      param: "messages",
    });

    const wrongMethod = await fetch(`${engine.baseURL}/chat/completions`);
    expect(wrongMethod.status).toBe(405);
    const unknown = await fetch(`${engine.url}/v2/nothing`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { type: string } }).error.type).toBe("not_found_error");

    const completion = await client.chat.completions.create({
      model: "tiny",
      messages: [{ role: "user", content: "Still there?" }],
      temperature: 0,
    });
    expect(completion.choices[0]?.message.content).toBe(alphabet);
  });

  describe("response_format", () => {
    const verdictSchema = {
      type: "object",
      properties: { answer: { enum: ["yes", "no"] }, sure: { type: "boolean" } },
      required: ["answer", "sure"],
      additionalProperties: false,
    };
    const verdict = {
      type: "json_schema",
      json_schema: { name: "verdict", schema: verdictSchema, strict: true },
    } as const;
    const expectVerdict = (content: string) => {
      const parsed = JSON.parse(content) as Record<string, unknown>;
      expect(Object.keys(parsed)).toEqual(["answer", "sure"]);
      expect(["yes", "no"]).toContain(parsed.answer);
      expect(typeof parsed.sure).toBe("boolean");
      // The newlines the grammar ends with stop the reply and are not part of it.
      expect(content).toBe(content.trim());
    };

    it("holds a json_schema reply to the schema, streamed or not", async () => {
      const completion = await client.chat.completions.create({
        model: "tiny",
        messages: [{ role: "user", content: "Is it?" }],
        temperature: 0,
        response_format: verdict,
      });
      const content = completion.choices[0]?.message.content ?? "";
      expectVerdict(content);
      expect(completion.choices[0]?.finish_reason).toBe("stop");
      const usage = completion.usage;
      // Every byte is a token of the tiny model, and the four newlines that stop the reply were sampled too.
      expect(usage?.completion_tokens).toBe(Buffer.byteLength(content) + 4);
      expect(usage?.total_tokens).toBe((usage?.prompt_tokens ?? 0) + (usage?.completion_tokens ?? 0));

      const streamed = await collect(
        await client.chat.completions.create({
          model: "tiny",
          messages: [{ role: "user", content: "Is it?" }],
          temperature: 0,
          response_format: verdict,
          stream: true,
          stream_options: { include_usage: true },
        }),
      );
      expectVerdict(streamed.text);
      expect(streamed.text).toBe(content);
      const finishing = streamed.chunks.filter((chunk) => chunk.choices[0]?.finish_reason);
      expect(finishing.map((chunk) => chunk.choices[0]?.finish_reason)).toEqual(["stop"]);
      expect(streamed.chunks.at(-1)?.usage).toMatchObject({
        completion_tokens: usage?.completion_tokens,
        prompt_tokens: usage?.prompt_tokens,
      });
    });

    it("begins json_object replies with an object, and those that finish parse as one", async () => {
      // Under the grammar the tiny model may only pick what JSON allows: it closes the object at once after
      // most prompts, and after some opens a string it spells letters into until max_tokens.
      const prompts = ["Say the alphabet.", "Hi", "Another question entirely", "x"];
      const finished: string[] = [];
      for (const prompt of prompts) {
        const completion = await client.chat.completions.create({
          model: "tiny",
          messages: [{ role: "user", content: prompt }],
          temperature: 0,
          max_tokens: 60,
          response_format: { type: "json_object" },
        });
        const choice = completion.choices[0];
        const content = choice?.message.content ?? "";
        expect(content, prompt).toMatch(/^\{/);
        if (choice?.finish_reason === "stop") {
          const parsed: unknown = JSON.parse(content);
          expect(parsed).toBeTypeOf("object");
          expect(Array.isArray(parsed) || parsed === null).toBe(false);
          finished.push(content);
        } else {
          expect(choice?.finish_reason).toBe("length");
          expect(completion.usage?.completion_tokens).toBe(60);
        }
      }
      expect(finished.length).toBeGreaterThan(0);

      const streamed = await collect(
        await client.chat.completions.create({
          model: "tiny",
          messages: [{ role: "user", content: prompts[0] ?? "" }],
          temperature: 0,
          response_format: { type: "json_object" },
          stream: true,
        }),
      );
      expect(JSON.parse(streamed.text)).toEqual(expect.any(Object));
      expect(streamed.chunks.at(-1)?.choices[0]?.finish_reason).toBe("stop");

      // A json_schema format without a schema asks for any object, as json_object does.
      const schemaless = await client.chat.completions.create({
        model: "tiny",
        messages: [{ role: "user", content: prompts[0] ?? "" }],
        temperature: 0,
        response_format: { type: "json_schema", json_schema: { name: "anything" } },
      });
      expect(schemaless.choices[0]?.message.content).toBe(streamed.text);
    });

    it("still answers free text for the text format", async () => {
      const completion = await client.chat.completions.create({
        model: "tiny",
        messages: [{ role: "user", content: "Plain, please." }],
        temperature: 0,
        response_format: { type: "text" },
      });
      expect(completion.choices[0]?.message.content).toBe(alphabet);
      expect(completion.choices[0]?.finish_reason).toBe("stop");
    });

    it("refuses, naming the field, what it cannot hold a reply to, and keeps serving", async () => {
      const ask = (response_format: unknown) =>
        postRaw(JSON.stringify({ messages: [{ role: "user", content: "hi" }], response_format }));
      const schemaFormat = (schema: unknown) => ({ type: "json_schema", json_schema: { name: "s", schema } });
      const refused = [
        [
          schemaFormat({ type: "string", pattern: "^[a-z]+$" }),
          "response_format.json_schema.schema",
          /'pattern'/,
        ],
        [
          schemaFormat({ $ref: "#/$defs/again", $defs: { again: { $ref: "#/$defs/again" } } }),
          "response_format.json_schema.schema",
          /refers to itself/,
        ],
        [{ type: "xml" }, "response_format.type", /"text", "json_object" or "json_schema"/],
        [{ type: "json_schema" }, "response_format.json_schema", /Missing required parameter/],
        [
          { type: "json_schema", json_schema: { schema: verdictSchema } },
          "response_format.json_schema.name",
          /Missing required parameter/,
        ],
        [
          { type: "json_schema", json_schema: { name: "no spaces!", schema: verdictSchema } },
          "response_format.json_schema.name",
          /letters, digits, underscores or dashes/,
        ],
        [schemaFormat([verdictSchema]), "response_format.json_schema.schema", /must be a JSON Schema object/],
        [schemaFormat("object"), "response_format.json_schema.schema", /must be a JSON Schema object/],
      ] as const;
      for (const [format, param, message] of refused) {
        const answer = await ask(format);
        expect(answer.status, JSON.stringify(format)).toBe(400);
        expect(answer.body.error).toMatchObject({ type: "invalid_request_error", param });
        expect(answer.body.error.message).toMatch(message);
      }

      const after = await client.chat.completions.create({
        model: "tiny",
        messages: [{ role: "user", content: "Still there?" }],
        temperature: 0,
        response_format: verdict,
      });
      expectVerdict(after.choices[0]?.message.content ?? "");
      expect((await health(engine)).sequences).toMatchObject({ busy: 0, queued: 0 });
    });
  });

  it("answers 503 when all sequences are busy and the queue is full", async () => {
    const busyEngine = await startEngine({
      modelPath: loopModelPath,
      threads: 1,
      sequences: 1,
      maxQueue: 0,
      log: () => {},
    });
    try {
      const busyClient = new OpenAI({ baseURL: busyEngine.baseURL, apiKey: "x", maxRetries: 0 });
      const controller = new AbortController();
      const long = await busyClient.chat.completions.create(
        { model: "tiny-loop", messages: [{ role: "user", content: "long" }], temperature: 0, stream: true },
        { signal: controller.signal },
      );
      const iterator = long[Symbol.asyncIterator]();
      await iterator.next();
      await expect(
        busyClient.chat.completions.create({
          model: "tiny-loop",
          messages: [{ role: "user", content: "more" }],
        }),
      ).rejects.toMatchObject({ status: 503, code: "engine_overloaded" });
      controller.abort();
      await iterator.next().catch(() => {});
    } finally {
      await busyEngine.close();
    }
  });

  it("ends streams in flight with an in-band error when it closes", async () => {
    const closing = await startEngine({ modelPath: loopModelPath, threads: 1, sequences: 1, log: () => {} });
    const response = await fetch(`${closing.baseURL}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ messages: [{ role: "user", content: "long" }], stream: true, temperature: 0 }),
    });
    const reader = response.body?.getReader();
    await reader?.read();
    await closing.close();
    let text = "";
    const decoder = new TextDecoder();
    for (let part = await reader?.read(); part && !part.done; part = await reader?.read()) {
      text += decoder.decode(part.value, { stream: true });
    }
    expect(text).toContain('data: {"error":');
    expect(text).toContain("engine_stopping");
    expect(text).not.toContain("[DONE]");
  });
});
