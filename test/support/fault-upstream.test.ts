import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type FaultUpstream,
  startFaultUpstream,
  TOOL_CALL_ARGUMENTS,
  TOOL_PREAMBLE,
} from "./fault-upstream.js";

let upstream: FaultUpstream;

beforeAll(async () => {
  upstream = await startFaultUpstream();
});

afterAll(async () => {
  await upstream.close();
});

async function post(path: string, body: Record<string, unknown>) {
  const response = await fetch(`${upstream.anthropicBaseURL}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

const eventNamesOf = (text: string) =>
  text
    .split("\n")
    .filter((line) => line.startsWith("event: "))
    .map((line) => line.slice("event: ".length));

describe("the fault upstream", () => {
  it("streams the documented Anthropic event sequence, with event lines and a ping", async () => {
    const { status, headers, text } = await post("/v1/messages", {
      model: "ok",
      max_tokens: 100,
      stream: true,
      messages: [{ role: "user", content: "hi" }],
    });
    expect(status).toBe(200);
    expect(headers.get("content-type")).toBe("text/event-stream");
    expect(eventNamesOf(text)).toEqual([
      "message_start",
      "content_block_start",
      "ping",
      "content_block_delta",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
  });

  it("streams OpenAI chunks with usage on request, closed by [DONE]", async () => {
    const { text } = await post("/v1/chat/completions", {
      model: "ok",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "hi" }],
    });
    const data = text.split("\n\n").filter(Boolean);
    expect(data.at(-1)).toBe("data: [DONE]");
    expect(JSON.parse((data.at(-2) as string).slice("data: ".length))).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 1, completion_tokens: 3 },
    });
    const { text: withoutUsage } = await post("/v1/chat/completions", {
      model: "ok",
      stream: true,
      messages: [{ role: "user", content: "hi" }],
    });
    expect(withoutUsage).not.toContain('"usage"');
  });

  it("answers whole replies (no stream) that the official SDKs parse", async () => {
    const openai = new OpenAI({ baseURL: upstream.openAIBaseURL, apiKey: "test", maxRetries: 0 });
    const completion = await openai.chat.completions.create({
      model: "ok@whole",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(completion.choices[0]?.message.content).toBe("Hello from ok@whole.");
    expect(completion.choices[0]?.finish_reason).toBe("stop");

    const anthropic = new Anthropic({ baseURL: upstream.anthropicBaseURL, apiKey: "test", maxRetries: 0 });
    const message = await anthropic.messages.create({
      model: "ok@whole",
      max_tokens: 2,
      messages: [{ role: "user", content: "hi" }],
    });
    expect(message.content).toEqual([{ type: "text", text: "Hello from" }]);
    expect(message.stop_reason).toBe("max_tokens");
  });

  it("refuses what the real Messages API refuses, and records every request", async () => {
    const before = upstream.requests.length;
    const sameRole = await post("/v1/messages", {
      model: "ok",
      max_tokens: 10,
      messages: [
        { role: "user", content: "one" },
        { role: "user", content: "two" },
      ],
    });
    expect(sameRole.status).toBe(400);
    expect(sameRole.text).toContain("roles must alternate");
    const noMaxTokens = await post("/v1/messages", {
      model: "ok",
      messages: [{ role: "user", content: "x" }],
    });
    expect(noMaxTokens.status).toBe(400);
    expect(upstream.requests.length - before).toBe(2);
    expect(upstream.requests.at(-1)).toMatchObject({ api: "anthropic", model: "ok", fault: "ok" });
  });

  it("keeps counters per model and conversation: 500-once fails once for each", async () => {
    const ask = (content: string) =>
      post("/v1/chat/completions", { model: "500-once@counter", messages: [{ role: "user", content }] });
    expect((await ask("first")).status).toBe(500);
    expect((await ask("first")).status).toBe(200);
    expect((await ask("second")).status).toBe(500);
  });
});

const openAITools: OpenAI.Chat.ChatCompletionTool[] = [
  { type: "function", function: { name: "weather", parameters: { type: "object", properties: {} } } },
  { type: "function", function: { name: "time", parameters: { type: "object", properties: {} } } },
];

const anthropicTools: Anthropic.Tool[] = [
  { name: "weather", input_schema: { type: "object", properties: {} } },
  { name: "time", input_schema: { type: "object", properties: {} } },
];

const dataOf = (text: string) =>
  text
    .split("\n")
    .filter((line) => line.startsWith("data: ") && line !== "data: [DONE]")
    .map((line) => JSON.parse(line.slice("data: ".length)) as Record<string, unknown>);

describe("the fault upstream's tools model, on the OpenAI wire", () => {
  const openai = () => new OpenAI({ baseURL: upstream.openAIBaseURL, apiKey: "test", maxRetries: 0 });

  it("streams one call, without text, when tool_choice requires it and parallel calls are off", async () => {
    const stream = openai().chat.completions.stream({
      model: "tools@oa-one",
      messages: [{ role: "user", content: "Weather in Paris?" }],
      tools: openAITools,
      tool_choice: "required",
      parallel_tool_calls: false,
      stream_options: { include_usage: true },
    });
    const argumentsDone: string[] = [];
    stream.on("tool_calls.function.arguments.done", (event) => argumentsDone.push(event.arguments));
    const completion = await stream.finalChatCompletion();
    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe("tool_calls");
    expect(choice?.message.content).toBeNull();
    expect(choice?.message.tool_calls).toEqual([
      {
        id: expect.stringMatching(/^call_\d+$/),
        type: "function",
        function: { name: "weather", arguments: TOOL_CALL_ARGUMENTS },
      },
    ]);
    expect(argumentsDone).toEqual([TOOL_CALL_ARGUMENTS]);
    expect(completion.usage).toMatchObject({ completion_tokens: 3 });
    const [recorded] = upstream.requestsFor("tools@oa-one");
    expect(recorded).toMatchObject({
      tools: ["weather", "time"],
      toolChoice: "required",
      parallelToolCalls: false,
      replyToolCalls: [
        { id: choice?.message.tool_calls?.[0]?.id, name: "weather", arguments: TOOL_CALL_ARGUMENTS },
      ],
    });
  });

  it("streams the text, then two parallel calls in pieces, when tool_choice is auto", async () => {
    const { text } = await post("/v1/chat/completions", {
      model: "tools@oa-raw",
      stream: true,
      messages: [{ role: "user", content: "Weather and time?" }],
      tools: openAITools,
    });
    const deltas = dataOf(text).map(
      (chunk) => (chunk.choices as { delta: Record<string, unknown>; finish_reason: string | null }[])[0],
    );
    expect(deltas.map((choice) => choice?.delta.content).filter(Boolean)).toEqual(["Let", " me", " check."]);
    const toolDeltas = deltas.flatMap((choice) => (choice?.delta.tool_calls as unknown[] | undefined) ?? []);
    expect(toolDeltas).toEqual([
      {
        index: 0,
        id: expect.stringMatching(/^call_/),
        type: "function",
        function: { name: "weather", arguments: "" },
      },
      { index: 0, function: { arguments: '{"ci' } },
      { index: 0, function: { arguments: 'ty":"Pa' } },
      { index: 0, function: { arguments: 'ris"}' } },
      {
        index: 1,
        id: expect.stringMatching(/^call_/),
        type: "function",
        function: { name: "time", arguments: "" },
      },
      { index: 1, function: { arguments: '{"ci' } },
      { index: 1, function: { arguments: 'ty":"Pa' } },
      { index: 1, function: { arguments: 'ris"}' } },
    ]);
    expect(deltas.at(-1)).toMatchObject({ delta: {}, finish_reason: "tool_calls" });
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);

    const completion = await openai()
      .chat.completions.stream({
        model: "tools@oa-two",
        messages: [{ role: "user", content: "Weather and time?" }],
        tools: openAITools,
      })
      .finalChatCompletion();
    const message = completion.choices[0]?.message;
    expect(message?.content).toBe(TOOL_PREAMBLE);
    expect(message?.tool_calls?.map((call) => call.type === "function" && call.function.name)).toEqual([
      "weather",
      "time",
    ]);
    const ids = message?.tool_calls?.map((call) => call.id) ?? [];
    expect(new Set(ids).size).toBe(2);
  });

  it("answers whole replies with tool calls: content null without text, the named tool only", async () => {
    const completion = await openai().chat.completions.create({
      model: "tools@oa-whole",
      messages: [{ role: "user", content: "Time?" }],
      tools: openAITools,
      tool_choice: { type: "function", function: { name: "time" } },
    });
    expect(completion.choices[0]).toMatchObject({
      finish_reason: "tool_calls",
      message: {
        role: "assistant",
        content: null,
        tool_calls: [{ type: "function", function: { name: "time", arguments: TOOL_CALL_ARGUMENTS } }],
      },
    });
    expect(completion.choices[0]?.message.tool_calls).toHaveLength(1);

    const both = await openai().chat.completions.create({
      model: "tools@oa-whole",
      messages: [{ role: "user", content: "Both?" }],
      tools: openAITools,
    });
    expect(both.choices[0]?.message.content).toBe(TOOL_PREAMBLE);
    expect(both.choices[0]?.message.tool_calls).toHaveLength(2);

    const none = await openai().chat.completions.create({
      model: "tools@oa-whole",
      messages: [{ role: "user", content: "None?" }],
      tools: openAITools,
      tool_choice: "none",
    });
    expect(none.choices[0]?.message).toMatchObject({ content: "Hello from tools@oa-whole." });
    expect(none.choices[0]?.message.tool_calls).toBeUndefined();
  });

  it("reads the tool results back, streamed and whole", async () => {
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
      { role: "user", content: "Weather and time?" },
      {
        role: "assistant",
        content: "Let me check.",
        tool_calls: [
          { id: "call_a", type: "function", function: { name: "weather", arguments: TOOL_CALL_ARGUMENTS } },
          { id: "call_b", type: "function", function: { name: "time", arguments: TOOL_CALL_ARGUMENTS } },
        ],
      },
      { role: "tool", tool_call_id: "call_a", content: "18°C and sunny" },
      { role: "tool", tool_call_id: "call_b", content: [{ type: "text", text: "noon" }] },
    ];
    const streamed = await openai()
      .chat.completions.stream({ model: "tools@oa-result", messages, tools: openAITools })
      .finalChatCompletion();
    expect(streamed.choices[0]?.message.content).toBe("The tool said: 18°C and sunny; noon");
    expect(streamed.choices[0]?.finish_reason).toBe("stop");
    expect(streamed.choices[0]?.message.tool_calls).toBeUndefined();

    const whole = await openai().chat.completions.create({
      model: "tools@oa-result",
      messages,
      tools: openAITools,
    });
    expect(whole.choices[0]?.message.content).toBe("The tool said: 18°C and sunny; noon");

    expect(upstream.requestsFor("tools@oa-result")[0]?.turns).toEqual([
      { role: "user", content: "Weather and time?", images: 0 },
      {
        role: "assistant",
        content: "Let me check.",
        images: 0,
        toolCalls: [
          { id: "call_a", name: "weather", arguments: TOOL_CALL_ARGUMENTS },
          { id: "call_b", name: "time", arguments: TOOL_CALL_ARGUMENTS },
        ],
      },
      { role: "tool", content: "18°C and sunny", images: 0, toolCallId: "call_a" },
      { role: "tool", content: "noon", images: 0, toolCallId: "call_b" },
    ]);
  });

  it("refuses a tool message that answers no call, and calls left unanswered", async () => {
    const orphan = openai().chat.completions.create({
      model: "tools@oa-invalid",
      messages: [
        { role: "user", content: "hi" },
        { role: "tool", tool_call_id: "call_x", content: "18°C" },
      ],
      tools: openAITools,
    });
    await expect(orphan).rejects.toMatchObject({
      status: 400,
      error: {
        type: "invalid_request_error",
        message: expect.stringContaining("must be a response to a preceeding"),
      },
    });
    const { status, text } = await post("/v1/chat/completions", {
      model: "tools@oa-invalid",
      tools: openAITools,
      messages: [
        { role: "user", content: "hi" },
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "call_y", type: "function", function: { name: "weather", arguments: "{}" } }],
        },
        { role: "user", content: "well?" },
      ],
    });
    expect(status).toBe(400);
    expect(text).toContain("did not have response messages: call_y");
  });
});

describe("the fault upstream's tools model, on the Anthropic wire", () => {
  const anthropic = () =>
    new Anthropic({ baseURL: upstream.anthropicBaseURL, apiKey: "test", maxRetries: 0 });

  it("streams the documented events: text block, then a tool_use block per call, stop_reason tool_use", async () => {
    const { text } = await post("/v1/messages", {
      model: "tools@an-raw",
      max_tokens: 100,
      stream: true,
      tools: anthropicTools,
      tool_choice: { type: "any", disable_parallel_tool_use: true },
      messages: [{ role: "user", content: "Weather?" }],
    });
    expect(eventNamesOf(text)).toEqual([
      "message_start",
      "content_block_start",
      "ping",
      "content_block_delta",
      "content_block_delta",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    const events = dataOf(text);
    expect(events[1]).toEqual({
      type: "content_block_start",
      index: 0,
      content_block: {
        type: "tool_use",
        id: expect.stringMatching(/^toolu_\d+$/),
        name: "weather",
        input: {},
        caller: { type: "direct" },
      },
    });
    expect(
      events.filter((event) => event.type === "content_block_delta").map((event) => event.delta),
    ).toEqual([
      { type: "input_json_delta", partial_json: "" },
      { type: "input_json_delta", partial_json: '{"ci' },
      { type: "input_json_delta", partial_json: 'ty":"Pa' },
      { type: "input_json_delta", partial_json: 'ris"}' },
    ]);
    expect(events.at(-2)).toMatchObject({ delta: { stop_reason: "tool_use" } });
  });

  it("streams text and two parallel calls that finalMessage() assembles", async () => {
    const stream = anthropic().messages.stream({
      model: "tools@an-two",
      max_tokens: 100,
      tools: anthropicTools,
      messages: [{ role: "user", content: "Weather and time?" }],
    });
    const message = await stream.finalMessage();
    expect(message.stop_reason).toBe("tool_use");
    expect(message.content).toEqual([
      expect.objectContaining({ type: "text", text: TOOL_PREAMBLE }),
      expect.objectContaining({ type: "tool_use", name: "weather", input: { city: "Paris" } }),
      expect.objectContaining({ type: "tool_use", name: "time", input: { city: "Paris" } }),
    ]);
    const ids = message.content.flatMap((block) => (block.type === "tool_use" ? [block.id] : []));
    expect(ids).toEqual([expect.stringMatching(/^toolu_\d+$/), expect.stringMatching(/^toolu_\d+$/)]);
    expect(new Set(ids).size).toBe(2);
    expect(upstream.requestsFor("tools@an-two")[0]).toMatchObject({
      tools: ["weather", "time"],
      toolChoice: undefined,
      parallelToolCalls: true,
      replyToolCalls: ids.map((id) => expect.objectContaining({ id })),
    });
  });

  it("answers whole replies with tool_use blocks, their input parsed", async () => {
    const message = await anthropic().messages.create({
      model: "tools@an-whole",
      max_tokens: 100,
      tools: anthropicTools,
      tool_choice: { type: "tool", name: "time" },
      messages: [{ role: "user", content: "Time?" }],
    });
    expect(message.stop_reason).toBe("tool_use");
    expect(message.content).toEqual([
      {
        type: "tool_use",
        id: expect.stringMatching(/^toolu_\d+$/),
        name: "time",
        input: { city: "Paris" },
        caller: { type: "direct" },
      },
    ]);
    const plain = await anthropic().messages.create({
      model: "tools@an-whole",
      max_tokens: 100,
      messages: [{ role: "user", content: "No tools" }],
    });
    expect(plain.content).toEqual([{ type: "text", text: "Hello from tools@an-whole." }]);
  });

  it("reads the tool results back, streamed and whole", async () => {
    const messages: Anthropic.MessageParam[] = [
      { role: "user", content: "Weather and time?" },
      {
        role: "assistant",
        content: [
          { type: "text", text: "Let me check." },
          { type: "tool_use", id: "toolu_a", name: "weather", input: { city: "Paris" } },
          { type: "tool_use", id: "toolu_b", name: "time", input: { city: "Paris" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_a", content: "18°C and sunny" },
          { type: "tool_result", tool_use_id: "toolu_b", content: [{ type: "text", text: "noon" }] },
        ],
      },
    ];
    const streamed = await anthropic()
      .messages.stream({ model: "tools@an-result", max_tokens: 100, tools: anthropicTools, messages })
      .finalMessage();
    expect(streamed.content).toEqual([
      expect.objectContaining({ type: "text", text: "The tool said: 18°C and sunny; noon" }),
    ]);
    expect(streamed.stop_reason).toBe("end_turn");
    const whole = await anthropic().messages.create({
      model: "tools@an-result",
      max_tokens: 100,
      tools: anthropicTools,
      messages,
    });
    expect(whole.content).toEqual([{ type: "text", text: "The tool said: 18°C and sunny; noon" }]);
    expect(whole.stop_reason).toBe("end_turn");
    expect(upstream.requestsFor("tools@an-result")[0]?.turns).toEqual([
      { role: "user", content: "Weather and time?", images: 0 },
      {
        role: "assistant",
        content: "Let me check.",
        images: 0,
        toolCalls: [
          { id: "toolu_a", name: "weather", arguments: TOOL_CALL_ARGUMENTS },
          { id: "toolu_b", name: "time", arguments: TOOL_CALL_ARGUMENTS },
        ],
      },
      { role: "tool", content: "18°C and sunny", images: 0, toolCallId: "toolu_a" },
      { role: "tool", content: "noon", images: 0, toolCallId: "toolu_b" },
    ]);
  });

  it("refuses tool blocks without tools, results that answer no tool_use, and schemas that are not objects", async () => {
    const messages: Anthropic.MessageParam[] = [
      { role: "user", content: "Weather?" },
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_a", name: "weather", input: {} }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_a", content: "18°C" }] },
    ];
    const withoutTools = anthropic().messages.create({
      model: "tools@an-invalid",
      max_tokens: 100,
      messages,
    });
    await expect(withoutTools).rejects.toMatchObject({
      status: 400,
      error: {
        type: "error",
        error: {
          type: "invalid_request_error",
          message: "Requests which include `tool_use` or `tool_result` blocks must define tools.",
        },
      },
    });
    const wrongId = await post("/v1/messages", {
      model: "tools@an-invalid",
      max_tokens: 100,
      tools: anthropicTools,
      messages: [
        messages[0],
        messages[1],
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_z" }] },
      ],
    });
    expect(wrongId.status).toBe(400);
    expect(wrongId.text).toContain("unexpected `tool_use_id` found in `tool_result` blocks: toolu_z");
    const badSchema = await post("/v1/messages", {
      model: "tools@an-invalid",
      max_tokens: 100,
      tools: [{ name: "weather", input_schema: { type: "string" } }],
      messages: [{ role: "user", content: "Weather?" }],
    });
    expect(badSchema.status).toBe(400);
    expect(badSchema.text).toContain("input_schema.type");
  });
});
