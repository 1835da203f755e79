import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ToolCall, ToolDefinition } from "../../core/tool-call.js";
import type { ChatCallOptions, ChatPrompt, ChatStreamPart } from "../chat-model.js";
import { AnthropicChatModel } from "./anthropic-chat-model.js";

/**
 * A stand-in for Anthropic's Messages API that can call tools: real HTTP on 127.0.0.1, the real streamed event
 * sequence (`tool_use` blocks opening with `input: {}` and an empty `input_json_delta`, as the API sends them), and
 * the API's checks on tool use that a careless request would fail. The reply is chosen by the model's name.
 */
type ReplyBlock =
  | { type: "text"; pieces: string[] }
  | { type: "tool_use"; id: string; name: string; pieces: string[]; startInput?: Record<string, unknown> };

type Reply = { blocks: ReplyBlock[]; stopReason: string };

const REPLIES: Record<string, Reply> = {
  text: { blocks: [{ type: "text", pieces: ["It is", " sunny."] }], stopReason: "end_turn" },
  "text-then-call": {
    blocks: [
      { type: "text", pieces: ["Let me", " check."] },
      { type: "tool_use", id: "toolu_weather", name: "get_weather", pieces: ['{"city":', ' "Par', 'is"}'] },
    ],
    stopReason: "tool_use",
  },
  "two-calls": {
    blocks: [
      { type: "text", pieces: ["Both."] },
      { type: "tool_use", id: "toolu_weather", name: "get_weather", pieces: ['{"city": "Paris"}'] },
      { type: "tool_use", id: "toolu_time", name: "get_time", pieces: [] },
    ],
    stopReason: "tool_use",
  },
  "cut-call": {
    blocks: [{ type: "tool_use", id: "toolu_weather", name: "get_weather", pieces: ['{"city":', ' "Pa'] }],
    stopReason: "max_tokens",
  },
  "whole-input": {
    blocks: [
      {
        type: "tool_use",
        id: "toolu_weather",
        name: "get_weather",
        pieces: [],
        startInput: { city: "Paris" },
      },
    ],
    stopReason: "tool_use",
  },
};

let server: Server;
let baseURL: string;
const bodies: Record<string, unknown>[] = [];

beforeAll(async () => {
  server = createServer(async (request, response) => {
    let text = "";
    for await (const chunk of request) text += chunk;
    const body = JSON.parse(text) as Record<string, unknown>;
    bodies.push(body);
    const problem = toolUseProblem(body);
    if (problem) {
      response.writeHead(400, { "content-type": "application/json" });
      response.end(
        JSON.stringify({ type: "error", error: { type: "invalid_request_error", message: problem } }),
      );
      return;
    }
    await streamReply(response, REPLIES[String(body.model)] ?? (REPLIES.text as Reply));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function streamReply(response: ServerResponse, reply: Reply): Promise<void> {
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  // Each event in a write of its own, so the client reads them as they would come.
  const send = async (data: { type: string } & Record<string, unknown>) => {
    response.write(`event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`);
    await new Promise((resolve) => setImmediate(resolve));
  };
  await send({
    type: "message_start",
    message: {
      id: "msg_tools",
      type: "message",
      role: "assistant",
      content: [],
      model: "claude",
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 12, output_tokens: 1 },
    },
  });
  let outputTokens = 0;
  for (const [index, block] of reply.blocks.entries()) {
    if (block.type === "text") {
      await send({ type: "content_block_start", index, content_block: { type: "text", text: "" } });
      if (index === 0) await send({ type: "ping" });
      for (const text of block.pieces) {
        await send({ type: "content_block_delta", index, delta: { type: "text_delta", text } });
      }
    } else {
      await send({
        type: "content_block_start",
        index,
        content_block: { type: "tool_use", id: block.id, name: block.name, input: block.startInput ?? {} },
      });
      if (block.startInput === undefined) {
        for (const partial_json of ["", ...block.pieces]) {
          await send({
            type: "content_block_delta",
            index,
            delta: { type: "input_json_delta", partial_json },
          });
        }
      }
    }
    outputTokens += block.pieces.length;
    await send({ type: "content_block_stop", index });
  }
  await send({
    type: "message_delta",
    delta: { stop_reason: reply.stopReason, stop_sequence: null },
    usage: { output_tokens: outputTokens },
  });
  await send({ type: "message_stop" });
  response.end();
}

type Block = { type: string; id?: string; tool_use_id?: string; input?: unknown };

/** The checks of the real Messages API on tools and turns. */
function toolUseProblem(body: Record<string, unknown>): string | undefined {
  if (body.tool_choice !== undefined && !Array.isArray(body.tools)) {
    return "tool_choice: may only be specified while providing tools";
  }
  const messages = body.messages as { role: string; content: string | Block[] }[];
  for (const [index, message] of messages.entries()) {
    if (index > 0 && messages[index - 1]?.role === message.role) return "messages: roles must alternate";
    const blocks = typeof message.content === "string" ? [] : message.content;
    for (const block of blocks) {
      const input = block.input;
      if (
        block.type === "tool_use" &&
        (typeof input !== "object" || input === null || Array.isArray(input))
      ) {
        return `messages.${index}: tool_use.input: Input should be a valid dictionary`;
      }
    }
    const calls = blocks.filter((block) => block.type === "tool_use").map((block) => block.id);
    if (calls.length === 0) continue;
    const next = messages[index + 1];
    const nextBlocks = typeof next?.content === "object" ? next.content : [];
    const firstOther = nextBlocks.findIndex((block) => block.type !== "tool_result");
    const leadingResults = firstOther === -1 ? nextBlocks : nextBlocks.slice(0, firstOther);
    const answered = leadingResults.map((block) => block.tool_use_id);
    if (next !== undefined && calls.some((id) => !answered.includes(id))) {
      return `messages.${index + 1}: tool_use ids were found without tool_result blocks immediately after`;
    }
  }
  return undefined;
}

const model = (modelId: string) => new AnthropicChatModel({ modelId, baseURL, apiKey: "test-key" });

async function collect(modelId: string, options: Partial<ChatCallOptions> = {}): Promise<ChatStreamPart[]> {
  const parts: ChatStreamPart[] = [];
  for await (const part of model(modelId).stream({
    prompt: [{ role: "user", content: "Weather in Paris?" }],
    ...options,
  })) {
    parts.push(part);
  }
  return parts;
}

/** The calls a reply made, put together from their parts as a client would. */
function toolCallsOf(parts: readonly ChatStreamPart[]): ToolCall[] {
  const calls: ToolCall[] = [];
  for (const part of parts) {
    if (part.type === "tool_call.start") calls[part.index] = { id: part.id, name: part.name, arguments: "" };
    if (part.type === "tool_call.delta") (calls[part.index] as ToolCall).arguments += part.arguments;
  }
  return calls;
}

const weather: ToolDefinition = {
  name: "get_weather",
  description: "The weather in a city now.",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  strict: true,
};
const time: ToolDefinition = { name: "get_time" };

describe("AnthropicChatModel with tools, against an Anthropic-format upstream over HTTP", () => {
  it("sends tools with their schemas (any object without one), and no tool fields without tools", async () => {
    await collect("text", { tools: [weather, time] });
    expect(bodies.at(-1)?.tools).toEqual([
      {
        name: "get_weather",
        description: "The weather in a city now.",
        input_schema: weather.parameters,
      },
      { name: "get_time", input_schema: { type: "object" } },
    ]);
    expect(bodies.at(-1)).not.toHaveProperty("tool_choice");

    for (const tools of [undefined, []]) {
      const parts = await collect("text", { tools, toolChoice: "required", parallelToolCalls: false });
      expect(parts.at(-1)).toEqual({ type: "finish", reason: "stop" });
      expect(bodies.at(-1)).not.toHaveProperty("tools");
      expect(bodies.at(-1)).not.toHaveProperty("tool_choice");
    }
  });

  it("maps each tool choice, with parallelToolCalls false as disable_parallel_tool_use", async () => {
    const cases: [Partial<ChatCallOptions>, unknown][] = [
      [{ toolChoice: "auto" }, { type: "auto" }],
      [{ toolChoice: "required" }, { type: "any" }],
      [{ toolChoice: { name: "get_time" } }, { type: "tool", name: "get_time" }],
      [{ toolChoice: "none" }, { type: "none" }],
      [{ parallelToolCalls: false }, { type: "auto", disable_parallel_tool_use: true }],
      [
        { toolChoice: "auto", parallelToolCalls: false },
        { type: "auto", disable_parallel_tool_use: true },
      ],
      [
        { toolChoice: "required", parallelToolCalls: false },
        { type: "any", disable_parallel_tool_use: true },
      ],
      [
        { toolChoice: { name: "get_time" }, parallelToolCalls: false },
        { type: "tool", name: "get_time", disable_parallel_tool_use: true },
      ],
      // No call at all leaves nothing to limit, and the API's `none` takes no such field.
      [{ toolChoice: "none", parallelToolCalls: false }, { type: "none" }],
      [{ parallelToolCalls: true }, undefined],
    ];
    for (const [options, expected] of cases) {
      const parts = await collect("text", { tools: [weather, time], ...options });
      expect(parts.at(-1), JSON.stringify(options)).toEqual({ type: "finish", reason: "stop" });
      expect(bodies.at(-1)?.tool_choice, JSON.stringify(options)).toEqual(expected);
    }
  });

  it("streams text, then a tool call whose arguments arrive in pieces, and finishes with tool_calls", async () => {
    const parts = await collect("text-then-call", { tools: [weather] });
    expect(parts).toEqual([
      { type: "text.delta", text: "Let me" },
      { type: "text.delta", text: " check." },
      { type: "tool_call.start", index: 0, id: "toolu_weather", name: "get_weather" },
      // The empty piece the API opens the input with is not passed on.
      { type: "tool_call.delta", index: 0, arguments: '{"city":' },
      { type: "tool_call.delta", index: 0, arguments: ' "Par' },
      { type: "tool_call.delta", index: 0, arguments: 'is"}' },
      { type: "usage", inputTokens: 12, outputTokens: 5 },
      { type: "finish", reason: "tool_calls" },
    ]);
    expect(JSON.parse(toolCallsOf(parts)[0]?.arguments ?? "")).toEqual({ city: "Paris" });
  });

  it("numbers two calls 0 and 1, not by their content blocks, which text takes too", async () => {
    const parts = await collect("two-calls", { tools: [weather, time] });
    expect(parts.filter((part) => part.type.startsWith("tool_call."))).toEqual([
      { type: "tool_call.start", index: 0, id: "toolu_weather", name: "get_weather" },
      { type: "tool_call.delta", index: 0, arguments: '{"city": "Paris"}' },
      // A call without arguments has no piece at all.
      { type: "tool_call.start", index: 1, id: "toolu_time", name: "get_time" },
    ]);
    expect(parts.at(-1)).toEqual({ type: "finish", reason: "tool_calls" });
  });

  it("maps stop reasons: tool_use to tool_calls, end_turn with tools offered to stop, max_tokens mid-call to length", async () => {
    expect((await collect("text-then-call", { tools: [weather] })).at(-1)).toEqual({
      type: "finish",
      reason: "tool_calls",
    });
    expect((await collect("text", { tools: [weather] })).at(-1)).toEqual({ type: "finish", reason: "stop" });
    const cut = await collect("cut-call", { tools: [weather] });
    expect(toolCallsOf(cut)[0]?.arguments).toBe('{"city": "Pa');
    expect(cut.at(-1)).toEqual({ type: "finish", reason: "length" });
  });

  it("takes a call's input given whole at its block's start, as the SDK does for compatible servers", async () => {
    const parts = await collect("whole-input", { tools: [weather] });
    expect(parts.filter((part) => part.type.startsWith("tool_call."))).toEqual([
      { type: "tool_call.start", index: 0, id: "toolu_weather", name: "get_weather" },
      { type: "tool_call.delta", index: 0, arguments: '{"city":"Paris"}' },
    ]);
  });

  it("sends a reply's calls back as tool_use blocks and the results as tool_result blocks the API accepts", async () => {
    const first = await collect("two-calls", { tools: [weather, time] });
    const prompt: ChatPrompt = [
      { role: "system", content: "Be brief." },
      { role: "user", content: "Weather and time in Paris?" },
      { role: "assistant", content: "Both.", toolCalls: toolCallsOf(first) },
      { role: "tool", toolCallId: "toolu_weather", content: "18°C, sunny" },
      { role: "tool", toolCallId: "toolu_time", content: "clock unavailable", isError: true },
      { role: "user", content: "And tomorrow?" },
    ];
    const parts = await collect("text", { prompt, tools: [weather, time] });
    expect(parts.at(-1)).toEqual({ type: "finish", reason: "stop" });
    expect(bodies.at(-1)?.system).toBe("Be brief.");
    expect(bodies.at(-1)?.messages).toEqual([
      { role: "user", content: "Weather and time in Paris?" },
      {
        role: "assistant",
        content: [
          { type: "text", text: "Both." },
          { type: "tool_use", id: "toolu_weather", name: "get_weather", input: { city: "Paris" } },
          { type: "tool_use", id: "toolu_time", name: "get_time", input: {} },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_weather", content: "18°C, sunny" },
          { type: "tool_result", tool_use_id: "toolu_time", content: "clock unavailable", is_error: true },
          { type: "text", text: "And tomorrow?" },
        ],
      },
    ]);
  });

  it("sends a call cut short by the token limit back in a form the API accepts", async () => {
    const cut = await collect("cut-call", { tools: [weather] });
    const parts = await collect("text", {
      prompt: [
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: "", toolCalls: toolCallsOf(cut) },
        { role: "tool", toolCallId: "toolu_weather", content: "Arguments are not JSON.", isError: true },
      ],
      tools: [weather],
    });
    expect(parts.at(-1)).toEqual({ type: "finish", reason: "stop" });
    expect(bodies.at(-1)?.messages).toEqual([
      { role: "user", content: "Weather in Paris?" },
      {
        role: "assistant",
        content: [
          {
            type: "tool_use",
            id: "toolu_weather",
            name: "get_weather",
            input: { _unparsed_arguments: '{"city": "Pa' },
          },
        ],
      },
      {
        role: "user",
        content: [
          {
            type: "tool_result",
            tool_use_id: "toolu_weather",
            content: "Arguments are not JSON.",
            is_error: true,
          },
        ],
      },
    ]);
  });

  it("is checked by an upstream that refuses calls left unanswered, as the API does", async () => {
    const parts = await collect("text", {
      prompt: [
        { role: "user", content: "Weather in Paris?" },
        {
          role: "assistant",
          content: "",
          toolCalls: [{ id: "toolu_1", name: "get_weather", arguments: "{}" }],
        },
        { role: "user", content: "Never mind." },
      ],
      tools: [weather],
    });
    expect(parts.at(-1)).toMatchObject({ type: "error", error: { statusCode: 400 } });
  });
});
