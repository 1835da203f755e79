/**
 * Tool calls through the OpenAI-compatible provider, against a fake upstream on real HTTP that streams the chunks
 * each test writes, in the Chat Completions wire format, and keeps the requests it was sent.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProviderError } from "../../core/app-error.js";
import type { ToolDefinition } from "../../core/tool-call.js";
import type { ChatCallOptions, ChatStreamPart } from "../chat-model.js";
import { OpenAICompatibleChatModel } from "./openai-compatible-chat-model.js";

/** The `data:` lines each model name streams: chunk objects, each written on its own, then `[DONE]`. */
const replies = new Map<string, object[]>();
const requests = new Map<string, Record<string, unknown>>();
let server: Server;
let baseURL: string;

beforeAll(async () => {
  server = createServer(async (request, response) => {
    let text = "";
    for await (const piece of request) text += piece;
    const body = JSON.parse(text) as Record<string, unknown>;
    requests.set(body.model as string, body);
    response.writeHead(200, { "content-type": "text/event-stream" });
    for (const chunk of replies.get(body.model as string) ?? []) {
      response.write(`data: ${JSON.stringify(chunk)}\n\n`);
      // Separate writes reach the client as separate chunks, as a real stream's do.
      await new Promise((resolve) => setImmediate(resolve));
    }
    response.end("data: [DONE]\n\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** A chunk as OpenAI streams one: a delta of choice 0, with the finish reason on the last. */
function chunk(delta: Record<string, unknown>, finishReason: string | null = null): object {
  return {
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1_700_000_000,
    model: "gpt-test",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
}

/** The chunk `stream_options.include_usage` asks for: usage, and no choices. */
const usageChunk = {
  id: "chatcmpl-1",
  object: "chat.completion.chunk",
  created: 1_700_000_000,
  model: "gpt-test",
  choices: [],
  usage: { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 },
};

/** The first piece of a call, as OpenAI sends it: index, id, type and name, with empty arguments. */
function callBegins(index: number, id: string, name: string): Record<string, unknown> {
  return { index, id, type: "function", function: { name, arguments: "" } };
}

function callArguments(index: number, piece: string): Record<string, unknown> {
  return { index, function: { arguments: piece } };
}

const weather: ToolDefinition = {
  name: "get_weather",
  description: "The weather now in a city.",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  strict: true,
};
const time: ToolDefinition = { name: "get_time" };

async function collect(modelId: string, options: Partial<ChatCallOptions> = {}) {
  const model = new OpenAICompatibleChatModel({ modelId, baseURL });
  const parts: ChatStreamPart[] = [];
  for await (const part of model.stream({ prompt: [{ role: "user", content: "Weather?" }], ...options }))
    parts.push(part);
  return parts;
}

/** Sends a request for `modelId` (which streams a plain reply) and returns the body the upstream received. */
async function sent(modelId: string, options: Partial<ChatCallOptions>) {
  replies.set(modelId, [chunk({ role: "assistant", content: "Hi." }), chunk({}, "stop")]);
  await collect(modelId, options);
  return requests.get(modelId);
}

describe("OpenAICompatibleChatModel with tools: what the upstream receives", () => {
  it("sends the tools as functions, with only the fields each one has", async () => {
    const body = await sent("tools", { tools: [weather, time] });
    expect(body?.tools).toEqual([
      {
        type: "function",
        function: {
          name: "get_weather",
          description: "The weather now in a city.",
          parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
          strict: true,
        },
      },
      { type: "function", function: { name: "get_time" } },
    ]);
    expect(body).not.toHaveProperty("tool_choice");
    expect(body).not.toHaveProperty("parallel_tool_calls");
  });

  it("sends each form of tool choice as tool_choice", async () => {
    const expected = [
      ["auto", "auto"],
      ["none", "none"],
      ["required", "required"],
      [{ name: "get_time" }, { type: "function", function: { name: "get_time" } }],
    ] as const;
    for (const [toolChoice, wire] of expected) {
      const body = await sent("tool-choice", { tools: [weather, time], toolChoice });
      expect(body?.tool_choice, JSON.stringify(toolChoice)).toEqual(wire);
    }
  });

  it("sends parallel_tool_calls when given, false as well as true", async () => {
    expect((await sent("parallel", { tools: [time], parallelToolCalls: false }))?.parallel_tool_calls).toBe(
      false,
    );
    expect((await sent("parallel", { tools: [time], parallelToolCalls: true }))?.parallel_tool_calls).toBe(
      true,
    );
  });

  it("sends no tool field at all without tools, or with an empty list, whatever else is given", async () => {
    for (const tools of [undefined, []]) {
      const body = await sent("no-tools", { tools, toolChoice: "required", parallelToolCalls: false });
      expect(body).toBeDefined();
      for (const field of ["tools", "tool_choice", "parallel_tool_calls"])
        expect(body, `${field} with tools ${JSON.stringify(tools)}`).not.toHaveProperty(field);
    }
  });

  it("sends an assistant message's calls as tool_calls and the results as tool messages", async () => {
    const body = await sent("history", {
      tools: [weather, time],
      prompt: [
        { role: "user", content: "Weather in Oslo, and the time?" },
        {
          role: "assistant",
          content: "",
          toolCalls: [
            { id: "call_1", name: "get_weather", arguments: '{"city":"Oslo"}' },
            { id: "call_2", name: "get_time", arguments: "{}" },
          ],
        },
        { role: "tool", toolCallId: "call_1", content: '{"celsius":4}' },
        { role: "tool", toolCallId: "call_2", content: "Clock unavailable.", isError: true },
        {
          role: "assistant",
          content: "Let me check again.",
          toolCalls: [{ id: "call_3", name: "get_time", arguments: "{}" }],
        },
        { role: "tool", toolCallId: "call_3", content: "12:00" },
      ],
    });
    expect(body?.messages).toEqual([
      { role: "user", content: "Weather in Oslo, and the time?" },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } },
          { id: "call_2", type: "function", function: { name: "get_time", arguments: "{}" } },
        ],
      },
      { role: "tool", tool_call_id: "call_1", content: '{"celsius":4}' },
      { role: "tool", tool_call_id: "call_2", content: "Clock unavailable." },
      {
        role: "assistant",
        content: "Let me check again.",
        tool_calls: [{ id: "call_3", type: "function", function: { name: "get_time", arguments: "{}" } }],
      },
      { role: "tool", tool_call_id: "call_3", content: "12:00" },
    ]);
  });
});

describe("OpenAICompatibleChatModel with tools: streamed calls", () => {
  it("begins a call with its id and name, then hands on each piece of its arguments, OpenAI's way", async () => {
    replies.set("split", [
      chunk({ role: "assistant", content: null, tool_calls: [callBegins(0, "call_a", "get_weather")] }),
      chunk({ tool_calls: [callArguments(0, '{"ci')] }),
      chunk({ tool_calls: [callArguments(0, 'ty":')] }),
      chunk({ tool_calls: [callArguments(0, '"Oslo"}')] }),
      chunk({}, "tool_calls"),
      usageChunk,
    ]);
    expect(await collect("split", { tools: [weather] })).toEqual([
      { type: "tool_call.start", index: 0, id: "call_a", name: "get_weather" },
      { type: "tool_call.delta", index: 0, arguments: '{"ci' },
      { type: "tool_call.delta", index: 0, arguments: 'ty":' },
      { type: "tool_call.delta", index: 0, arguments: '"Oslo"}' },
      { type: "usage", inputTokens: 12, outputTokens: 8 },
      { type: "finish", reason: "tool_calls" },
    ]);
  });

  it("takes whole calls in one piece, several in one chunk", async () => {
    replies.set("whole", [
      chunk({
        role: "assistant",
        tool_calls: [
          {
            index: 0,
            id: "call_a",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Oslo"}' },
          },
          { index: 1, id: "call_b", type: "function", function: { name: "get_time", arguments: "{}" } },
        ],
      }),
      chunk({}, "tool_calls"),
    ]);
    expect(await collect("whole", { tools: [weather, time] })).toEqual([
      { type: "tool_call.start", index: 0, id: "call_a", name: "get_weather" },
      { type: "tool_call.delta", index: 0, arguments: '{"city":"Oslo"}' },
      { type: "tool_call.start", index: 1, id: "call_b", name: "get_time" },
      { type: "tool_call.delta", index: 1, arguments: "{}" },
      { type: "finish", reason: "tool_calls" },
    ]);
  });

  it("numbers interleaved calls 0, 1 in the order they began, whatever index values the upstream used, and hands on the second whole after the first", async () => {
    replies.set("interleaved", [
      chunk({ tool_calls: [callBegins(7, "call_a", "get_weather")] }),
      chunk({ tool_calls: [callBegins(3, "call_b", "get_time"), callArguments(7, '{"city":')] }),
      chunk({ tool_calls: [callArguments(3, "{}")] }),
      chunk({ tool_calls: [callArguments(7, '"Oslo"}')] }),
      chunk({}, "tool_calls"),
    ]);
    expect(await collect("interleaved", { tools: [weather, time] })).toEqual([
      { type: "tool_call.start", index: 0, id: "call_a", name: "get_weather" },
      { type: "tool_call.delta", index: 0, arguments: '{"city":' },
      { type: "tool_call.delta", index: 0, arguments: '"Oslo"}' },
      // One call after another, as Anthropic's stream format needs them: the later call is held until the end.
      { type: "tool_call.start", index: 1, id: "call_b", name: "get_time" },
      { type: "tool_call.delta", index: 1, arguments: "{}" },
      { type: "finish", reason: "tool_calls" },
    ]);
  });

  it("hands on a refusal (a model declining a structured reply) as the reply's text, not an empty reply", async () => {
    replies.set("refusal", [
      chunk({ role: "assistant", content: null, refusal: "I can't" }),
      chunk({ refusal: " help with that." }),
      chunk({}, "stop"),
    ]);
    expect(await collect("refusal", {})).toEqual([
      { type: "text.delta", text: "I can't" },
      { type: "text.delta", text: " help with that." },
      { type: "finish", reason: "stop" },
    ]);
  });

  it("hands on the text written before the calls as text deltas", async () => {
    replies.set("text-then-call", [
      chunk({ role: "assistant", content: "Let me" }),
      chunk({ content: " check." }),
      chunk({ tool_calls: [callBegins(0, "call_a", "get_time")] }),
      chunk({ tool_calls: [callArguments(0, "{}")] }),
      chunk({}, "tool_calls"),
    ]);
    expect(await collect("text-then-call", { tools: [time] })).toEqual([
      { type: "text.delta", text: "Let me" },
      { type: "text.delta", text: " check." },
      { type: "tool_call.start", index: 0, id: "call_a", name: "get_time" },
      { type: "tool_call.delta", index: 0, arguments: "{}" },
      { type: "finish", reason: "tool_calls" },
    ]);
  });

  it("holds arguments that come before the call's name, and begins it once the name comes", async () => {
    replies.set("late-name", [
      chunk({ tool_calls: [{ index: 0, id: "call_a", type: "function", function: { arguments: '{"ci' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { name: "get_weather", arguments: 'ty":"Oslo"}' } }] }),
      chunk({}, "tool_calls"),
    ]);
    expect(await collect("late-name", { tools: [weather] })).toEqual([
      { type: "tool_call.start", index: 0, id: "call_a", name: "get_weather" },
      { type: "tool_call.delta", index: 0, arguments: '{"ci' },
      { type: "tool_call.delta", index: 0, arguments: 'ty":"Oslo"}' },
      { type: "finish", reason: "tool_calls" },
    ]);
  });

  it("tells calls without an index apart by their ids, as servers that leave it out send them whole", async () => {
    replies.set("no-index", [
      chunk({
        tool_calls: [{ id: "call_a", type: "function", function: { name: "get_time", arguments: "{}" } }],
      }),
      chunk({
        tool_calls: [{ id: "call_b", type: "function", function: { name: "get_time", arguments: "{}" } }],
      }),
      chunk({}, "tool_calls"),
    ]);
    expect(await collect("no-index", { tools: [time] })).toEqual([
      { type: "tool_call.start", index: 0, id: "call_a", name: "get_time" },
      { type: "tool_call.delta", index: 0, arguments: "{}" },
      { type: "tool_call.start", index: 1, id: "call_b", name: "get_time" },
      { type: "tool_call.delta", index: 1, arguments: "{}" },
      { type: "finish", reason: "tool_calls" },
    ]);
  });

  it("finishes with tool_calls for the legacy function_call reason, and for a stop after calls", async () => {
    for (const reason of ["function_call", "stop"]) {
      replies.set(`finish-${reason}`, [
        chunk({
          tool_calls: [
            { ...callBegins(0, "call_a", "get_time"), function: { name: "get_time", arguments: "{}" } },
          ],
        }),
        chunk({}, reason),
      ]);
      const parts = await collect(`finish-${reason}`, { tools: [time], toolChoice: { name: "get_time" } });
      expect(parts.at(-1), reason).toEqual({ type: "finish", reason: "tool_calls" });
    }
  });

  it("finishes a reply without calls with stop, though tools were offered", async () => {
    replies.set("no-call", [chunk({ role: "assistant", content: "Sunny." }), chunk({}, "stop")]);
    expect(await collect("no-call", { tools: [weather] })).toEqual([
      { type: "text.delta", text: "Sunny." },
      { type: "finish", reason: "stop" },
    ]);
  });

  it("reports a call whose id or name never came as an error that is not retried, never as a finish", async () => {
    replies.set("missing-id", [
      chunk({
        tool_calls: [{ index: 0, type: "function", function: { name: "get_time", arguments: "{}" } }],
      }),
      chunk({}, "tool_calls"),
    ]);
    replies.set("missing-name", [
      chunk({
        tool_calls: [
          callBegins(0, "call_a", "get_time"),
          { index: 1, id: "call_b", function: { arguments: "{}" } },
        ],
      }),
      chunk({}, "tool_calls"),
    ]);
    const cases = [
      ["missing-id", "an id (get_time)"],
      ["missing-name", "a name (call_b)"],
    ] as const;
    for (const [modelId, missing] of cases) {
      const parts = await collect(modelId, { tools: [time] });
      expect(
        parts.some((part) => part.type === "finish"),
        modelId,
      ).toBe(false);
      const last = parts.at(-1);
      expect(last?.type, modelId).toBe("error");
      const error = (last as { error: ProviderError }).error;
      expect(error).toBeInstanceOf(ProviderError);
      expect(error.isRetryable).toBe(false);
      expect(error.message).toContain(`without ${missing}`);
    }
  });
  it("reports a tool_calls item that is not an object as a malformed chunk, which may be retried", async () => {
    replies.set("malformed-call", [chunk({ tool_calls: ["get_time"] }), chunk({}, "tool_calls")]);
    const last = (await collect("malformed-call", { tools: [time] })).at(-1);
    expect(last?.type).toBe("error");
    expect((last as { error: ProviderError }).error).toMatchObject({ isRetryable: true });
  });
});
