import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import OpenAI from "openai";
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionFunctionTool,
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionMessageParam,
} from "openai/resources/chat/completions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EngineHealth, type EngineServer, startEngine } from "./engine-server.js";
import { tinyModelReply, writeTinyModel } from "./tiny-model.js";

const alphabet = tinyModelReply;

let directory: string;
let engine: EngineServer;
let loopEngine: EngineServer;
let client: OpenAI;

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), "parley-engine-tools-"));
  const modelPath = path.join(directory, "tiny.gguf");
  await writeTinyModel(modelPath);
  const loopModelPath = path.join(directory, "tiny-loop.gguf");
  await writeTinyModel(loopModelPath, { loop: true });
  engine = await startEngine({ modelPath, threads: 1, sequences: 2, log: () => {} });
  loopEngine = await startEngine({ modelPath: loopModelPath, threads: 1, sequences: 1, log: () => {} });
  client = new OpenAI({ baseURL: engine.baseURL, apiKey: "x", maxRetries: 0 });
});

afterAll(async () => {
  await engine?.close();
  await loopEngine?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

const weather: ChatCompletionFunctionTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "The current weather in a city.",
    parameters: {
      type: "object",
      properties: {
        city: { enum: ["Paris", "Oslo"], description: "Where." },
        unit: { const: "celsius" },
      },
      required: ["city", "unit"],
      additionalProperties: false,
    },
  },
};
const clock: ChatCompletionFunctionTool = {
  type: "function",
  function: {
    name: "set_alarm",
    parameters: {
      type: "object",
      properties: { hour: { const: 7 }, snooze: { type: "boolean" } },
      required: ["hour", "snooze"],
    },
  },
};
const question: ChatCompletionMessageParam[] = [{ role: "user", content: "What is the weather in Paris?" }];

function firstCall(completion: ChatCompletion): ChatCompletionMessageFunctionToolCall | undefined {
  return completion.choices[0]?.message.tool_calls?.[0] as ChatCompletionMessageFunctionToolCall | undefined;
}

function expectWeatherCall(call: ChatCompletionMessageFunctionToolCall | undefined) {
  expect(call).toMatchObject({ type: "function", function: { name: "get_weather" } });
  expect(call?.id).toMatch(/^call_[0-9a-f]{24}$/);
  const args = JSON.parse(call?.function.arguments ?? "") as Record<string, unknown>;
  expect(Object.keys(args)).toEqual(["city", "unit"]);
  expect(["Paris", "Oslo"]).toContain(args.city);
  expect(args.unit).toBe("celsius");
  // The newlines node-llama-cpp's grammar ends arguments with are not part of them.
  expect(call?.function.arguments).toBe(call?.function.arguments.trim());
}

function expectAlarmCall(call: ChatCompletionMessageFunctionToolCall | undefined) {
  expect(call).toMatchObject({ type: "function", function: { name: "set_alarm" } });
  const args = JSON.parse(call?.function.arguments ?? "") as Record<string, unknown>;
  expect(args.hour).toBe(7);
  expect(typeof args.snooze).toBe("boolean");
}

async function collect(stream: AsyncIterable<ChatCompletionChunk>) {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
  const pieces = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
  return { chunks, text, pieces };
}

async function postRaw(body: unknown) {
  const response = await fetch(`${engine.baseURL}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { error: Record<string, unknown> } };
}

async function health(server = engine): Promise<EngineHealth> {
  return (await (await fetch(`${server.url}/health`)).json()) as EngineHealth;
}

describe("engine tool calls", () => {
  it("calls a tool when tool_choice is required, its arguments held to the schema", async () => {
    const completion = await client.chat.completions.create({
      model: "tiny",
      messages: question,
      tools: [weather],
      tool_choice: "required",
      temperature: 0,
    });
    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe("tool_calls");
    expect(choice?.message.content).toBeNull();
    expect(choice?.message.tool_calls).toHaveLength(1);
    expectWeatherCall(firstCall(completion));
    const usage = completion.usage;
    expect(usage?.completion_tokens).toBeGreaterThan(20);
    expect(usage?.total_tokens).toBe((usage?.prompt_tokens ?? 0) + (usage?.completion_tokens ?? 0));
  });

  it("streams a required call as OpenAI does: id and name first, then the arguments in pieces", async () => {
    const whole = await client.chat.completions.create({
      model: "tiny",
      messages: question,
      tools: [weather],
      tool_choice: "required",
      temperature: 0,
    });
    const streamed = await collect(
      await client.chat.completions.create({
        model: "tiny",
        messages: question,
        tools: [weather],
        tool_choice: "required",
        temperature: 0,
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
    expect(streamed.text).toBe("");
    const [first, ...rest] = streamed.pieces;
    expect(first).toMatchObject({
      index: 0,
      type: "function",
      function: { name: "get_weather", arguments: "" },
    });
    expect(first?.id).toMatch(/^call_/);
    expect(rest.length).toBeGreaterThan(0);
    for (const piece of rest) {
      expect(piece.index).toBe(0);
      expect(piece.id).toBeUndefined();
      expect(piece.function?.name).toBeUndefined();
    }
    const args = rest.map((piece) => piece.function?.arguments ?? "").join("");
    expect(args).toBe(firstCall(whole)?.function.arguments);
    const finishing = streamed.chunks.filter((chunk) => chunk.choices[0]?.finish_reason);
    expect(finishing.map((chunk) => chunk.choices[0]?.finish_reason)).toEqual(["tool_calls"]);
    expect(streamed.chunks.at(-1)?.usage).toMatchObject({
      prompt_tokens: whole.usage?.prompt_tokens,
      completion_tokens: whole.usage?.completion_tokens,
    });
  });

  it("calls the tool tool_choice names, streamed or not", async () => {
    const request = {
      model: "tiny",
      messages: question,
      tools: [weather, clock],
      tool_choice: { type: "function", function: { name: "set_alarm" } },
      temperature: 0,
    } satisfies ChatCompletionCreateParamsNonStreaming;
    const completion = await client.chat.completions.create(request);
    expect(completion.choices[0]?.finish_reason).toBe("tool_calls");
    expect(completion.choices[0]?.message.tool_calls).toHaveLength(1);
    expectAlarmCall(firstCall(completion));

    const final = await client.chat.completions.stream(request).finalChatCompletion();
    expect(final.choices[0]?.finish_reason).toBe("tool_calls");
    expectAlarmCall(firstCall(final));
    expect(firstCall(final)?.function.arguments).toBe(firstCall(completion)?.function.arguments);
  });

  it("gives a function without parameters, or with an open object, an object of arguments", async () => {
    const now: ChatCompletionFunctionTool = { type: "function", function: { name: "now" } };
    const lookup: ChatCompletionFunctionTool = {
      type: "function",
      function: { name: "lookup", parameters: { type: "object", properties: {} } },
    };
    for (const name of ["now", "lookup"]) {
      const completion = await client.chat.completions.create({
        model: "tiny",
        messages: question,
        tools: [now, lookup],
        tool_choice: { type: "function", function: { name } },
        temperature: 0,
      });
      expect(completion.choices[0]?.finish_reason, name).toBe("tool_calls");
      const call = firstCall(completion);
      expect(call?.function.name).toBe(name);
      expect(JSON.parse(call?.function.arguments ?? "")).toEqual({});
    }
  });

  it("answers text under tool_choice auto when the model does not start a call, as the tiny model never does", async () => {
    const completion = await client.chat.completions.create({
      model: "tiny",
      messages: question,
      tools: [weather, clock],
      temperature: 0,
    });
    expect(completion.choices[0]?.message.content).toBe(alphabet);
    expect(completion.choices[0]?.message.tool_calls).toBeUndefined();
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.usage?.completion_tokens).toBe(26);

    const streamed = await collect(
      await client.chat.completions.create({
        model: "tiny",
        messages: question,
        tools: [weather, clock],
        tool_choice: "auto",
        temperature: 0,
        stream: true,
      }),
    );
    expect(streamed.text).toBe(alphabet);
    expect(streamed.pieces).toEqual([]);
    expect(streamed.chunks.at(-1)?.choices[0]?.finish_reason).toBe("stop");

    // "none" renders no tools: a shorter prompt, and the engine's own token loop.
    const none = await client.chat.completions.create({
      model: "tiny",
      messages: question,
      tools: [weather, clock],
      tool_choice: "none",
      temperature: 0,
    });
    expect(none.choices[0]?.message.content).toBe(alphabet);
    expect(none.usage?.prompt_tokens).toBeLessThan(completion.usage?.prompt_tokens ?? 0);
  });

  it("renders a call and its result in the history, reusing the evaluated call", async () => {
    const first = await client.chat.completions.create({
      model: "tiny",
      messages: question,
      tools: [weather],
      tool_choice: "required",
      temperature: 0,
    });
    const call = firstCall(first);
    if (!call) throw new Error("expected a tool call");
    const followUp: ChatCompletionMessageParam[] = [
      ...question,
      { role: "assistant", content: null, tool_calls: [call] },
      { role: "tool", tool_call_id: call.id, content: JSON.stringify({ sky: "clear", celsius: 21 }) },
    ];
    const before = await health();
    const second = await client.chat.completions.create({
      model: "tiny",
      messages: followUp,
      tools: [weather],
      temperature: 0,
    });
    expect(second.choices[0]?.message.content).toBe(alphabet);
    expect(second.choices[0]?.finish_reason).toBe("stop");
    const firstPrompt = first.usage?.prompt_tokens ?? 0;
    // The call and its result are in the prompt now...
    expect(second.usage?.prompt_tokens).toBeGreaterThan(firstPrompt + call.function.arguments.length);
    // ...and the call was already evaluated in the sequence, as the model wrote it.
    expect(second.usage?.prompt_tokens_details?.cached_tokens).toBeGreaterThan(
      firstPrompt + call.function.arguments.length,
    );
    expect((await health()).cachedPromptTokens - before.cachedPromptTokens).toBe(
      second.usage?.prompt_tokens_details?.cached_tokens,
    );

    // A string result, a later assistant turn and the next question all render too, without tools on offer.
    const later = await client.chat.completions.create({
      model: "tiny",
      messages: [
        ...followUp.slice(0, 2),
        { role: "tool", tool_call_id: call.id, content: "sunny" },
        { role: "assistant", content: "It is sunny." },
        { role: "user", content: "And tomorrow?" },
      ],
      temperature: 0,
    });
    expect(later.choices[0]?.message.content).toBe(alphabet);
  });

  it("counts a prompt with tools on /v1/tokenize as a completion renders it", async () => {
    const body = { messages: question, tools: [weather, clock], tool_choice: "required" };
    const response = await fetch(`${engine.url}/v1/tokenize`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const counted = (await response.json()) as { prompt_tokens: number };
    const completion = await client.chat.completions.create({
      model: "tiny",
      messages: question,
      tools: [weather, clock],
      tool_choice: "required",
      temperature: 0,
      max_tokens: 3,
    });
    expect(counted.prompt_tokens).toBe(completion.usage?.prompt_tokens);
    // Cut off while naming the tool: no call came out yet.
    expect(completion.choices[0]?.finish_reason).toBe("length");
    expect(completion.usage?.completion_tokens).toBe(3);
  });

  it("stops a reply that may call tools when the client leaves, and gives its sequence back", async () => {
    const loopClient = new OpenAI({ baseURL: loopEngine.baseURL, apiKey: "x", maxRetries: 0 });
    const controller = new AbortController();
    const stream = await loopClient.chat.completions.create(
      { model: "tiny-loop", messages: question, tools: [weather], temperature: 0, stream: true },
      { signal: controller.signal },
    );
    const iterator = stream[Symbol.asyncIterator]();
    let text = "";
    while (text.length < 30) {
      const next = await iterator.next();
      if (next.done) break;
      text += next.value.choices[0]?.delta.content ?? "";
    }
    expect(text.startsWith(`${alphabet}\n`)).toBe(true);
    controller.abort();
    await iterator.next().catch(() => {});
    await expect.poll(async () => (await health(loopEngine)).sequences.busy).toBe(0);
    expect((await health(loopEngine)).abortedRequests).toBe(1);

    // The one sequence serves the next reply, which may call too.
    const after = await loopClient.chat.completions.create({
      model: "tiny-loop",
      messages: question,
      tools: [weather],
      tool_choice: "required",
      temperature: 0,
    });
    expectWeatherCall(firstCall(after));
  });

  it("ends a call that would outgrow the context at the limit, with finish_reason length", async () => {
    // Under a string's grammar the tiny model spells letters until it is stopped.
    const note: ChatCompletionFunctionTool = {
      type: "function",
      function: {
        name: "note",
        parameters: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
      },
    };
    const small = await startEngine({
      modelPath: path.join(directory, "tiny.gguf"),
      threads: 1,
      sequences: 1,
      contextSize: 1280,
      log: () => {},
    });
    try {
      const smallClient = new OpenAI({ baseURL: small.baseURL, apiKey: "x", maxRetries: 0 });
      const completion = await smallClient.chat.completions.create({
        model: "tiny",
        messages: question,
        tools: [note],
        tool_choice: "required",
        temperature: 0,
      });
      expect(completion.choices[0]?.finish_reason).toBe("length");
      const call = firstCall(completion);
      expect(call?.function.name).toBe("note");
      expect(call?.function.arguments).toMatch(/^\{ ?"text": ?"[a-z\n]+$/);
      const used = (completion.usage?.prompt_tokens ?? 0) + (completion.usage?.completion_tokens ?? 0);
      expect(used).toBeLessThan(1280);
      expect(used).toBeGreaterThan(1200);
      expect((await health(small)).sequences.busy).toBe(0);
    } finally {
      await small.close();
    }
  });

  it("refuses bad tools and tool choices, naming the field, and keeps serving", async () => {
    const refused = [
      [{ tools: [{ type: "retrieval" }] }, "tools[0].type"],
      [{ tools: [{ type: "function", function: { name: "a b" } }] }, "tools[0].function.name"],
      [{ tools: [weather, weather] }, "tools[1].function.name"],
      [
        {
          tools: [
            { type: "function", function: { name: "f", parameters: { type: "string", pattern: "^a$" } } },
          ],
        },
        "tools[0].function.parameters",
        /'pattern'/,
      ],
      [
        {
          tools: [
            weather,
            {
              type: "function",
              function: {
                name: "loop",
                parameters: { $ref: "#/$defs/again", $defs: { again: { $ref: "#/$defs/again" } } },
              },
            },
          ],
        },
        "tools[1].function.parameters",
        /refers to itself/,
      ],
      [{ tools: [weather], tool_choice: "always" }, "tool_choice"],
      [
        { tools: [weather], tool_choice: { type: "function", function: { name: "set_alarm" } } },
        "tool_choice.function.name",
      ],
      [{ tool_choice: "required" }, "tool_choice"],
      [{ tools: [weather], response_format: { type: "json_object" } }, "response_format"],
      [
        {
          messages: [...question, { role: "tool", tool_call_id: "call_x", content: "r" }],
        },
        "messages[1].tool_call_id",
      ],
    ] as const;
    for (const [fields, param, message] of refused) {
      const answer = await postRaw({ messages: question, ...fields });
      expect(answer.status, JSON.stringify(fields)).toBe(400);
      expect(answer.body.error).toMatchObject({ type: "invalid_request_error", param });
      if (message) expect(answer.body.error.message).toMatch(message);
    }
    const after = await client.chat.completions.create({
      model: "tiny",
      messages: question,
      tools: [weather],
      tool_choice: "required",
      temperature: 0,
    });
    expectWeatherCall(firstCall(after));
    expect((await health()).sequences).toMatchObject({ busy: 0, queued: 0 });
  });
});
