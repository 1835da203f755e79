/**
 * Tool calls on the compatible APIs, through the official SDKs, with remote models that call tools (the fault
 * upstream's `tools` model, in each API's real wire format): a client offers tools, the model calls one, the client
 * sends its result back and the model answers from it. Each API in front of each kind of upstream, the exchange as
 * stored, which models may be asked, failover, and what a malformed request is told.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { type FaultUpstream, TOOL_CALL_ARGUMENTS, TOOL_PREAMBLE } from "./support/fault-upstream.js";
import type { ParleyProcess } from "./support/parley-process.js";
import { anthropicProvider, faultModel, openAIProvider } from "./support/remote-config.js";
import { startRemoteParley } from "./support/remote-parley.js";
import { openStream, postMessage, textOf } from "./support/sse-client.js";

let upstream: FaultUpstream;
let parley: ParleyProcess;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  const served = await startRemoteParley((upstream) => ({
    providers: [
      openAIProvider("openai", upstream, [
        faultModel("gpt-tools", "tools@gpt", { tier: "balanced", pricing: { input: 3, output: 15 } }),
        // The cheapest model, and one that cannot call tools: `auto` must pass it over when tools are offered.
        faultModel("plain-fast", "ok@plain", {
          tier: "fast",
          pricing: { input: 0.1, output: 0.2 },
          toolCalls: false,
        }),
        // Always 503: its chain skips the fallback that cannot call tools and ends on Claude.
        faultModel("tools-down", "503@tools-down", {
          tier: "smart",
          fallbacks: ["plain-fast", "claude-tools"],
        }),
      ]),
      anthropicProvider("anthropic", upstream, [
        faultModel("claude-tools", "tools@claude", { tier: "smart", pricing: { input: 15, output: 75 } }),
        // Its first text a second after the response began.
        faultModel("claude-slow", "slow-first-token@claude", {
          tier: "smart",
          pricing: { input: 15, output: 75 },
        }),
      ]),
    ],
  }));
  ({ parley, upstream } = served);
  openai = new OpenAI({ baseURL: `${parley.url}/v1`, apiKey: "unused", maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: parley.url, apiKey: "unused", maxRetries: 0 });
  return served.stop;
});

const weather: OpenAI.Chat.ChatCompletionTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "The weather in a city now.",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};
const time: OpenAI.Chat.ChatCompletionTool = {
  type: "function",
  function: { name: "get_time", parameters: { type: "object", properties: { city: { type: "string" } } } },
};
const claudeWeather: Anthropic.Tool = {
  name: "get_weather",
  description: "The weather in a city now.",
  input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};

function lastRequestTo(model: string) {
  const request = upstream.requestsFor(model).at(-1);
  if (!request) throw new Error(`${model} was never called`);
  return request;
}

async function storedConversation(title: string) {
  const { conversations } = await parley.json<{ conversations: { id: string; title: string }[] }>(
    "/api/conversations",
  );
  const found = conversations.find((conversation) => conversation.title === title);
  if (!found) throw new Error(`no conversation titled ${title}`);
  return parley.json<{
    messages: {
      id: string;
      role: string;
      content: string;
      finishReason: string | null;
      toolCalls?: { id: string; name: string; arguments: string }[];
      toolCallId?: string;
    }[];
  }>(`/api/conversations/${found.id}`);
}

describe("tool calls through the official openai client", () => {
  for (const model of ["gpt-tools", "claude-tools"]) {
    it(`streams ${model}'s call of a tool, then its answer from the tool's result (finalChatCompletion both times)`, async () => {
      const ask = `Weather in Paris, via ${model}?`;
      const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: "user", content: ask }];
      const first = await openai.chat.completions
        .stream({ model, messages, tools: [weather], parallel_tool_calls: false })
        .finalChatCompletion();
      const [choice] = first.choices;
      expect(choice?.finish_reason).toBe("tool_calls");
      expect(choice?.message.content).toBe(TOOL_PREAMBLE);
      const calls = choice?.message.tool_calls ?? [];
      expect(calls).toHaveLength(1);
      const call = calls[0] as OpenAI.Chat.ChatCompletionMessageFunctionToolCall;
      expect(call.function).toEqual({ name: "get_weather", arguments: TOOL_CALL_ARGUMENTS });
      expect(call.id).toMatch(model === "gpt-tools" ? /^call_/ : /^toolu_/);

      // The upstream was offered the tool in its own API's terms.
      const offered = lastRequestTo(model === "gpt-tools" ? "tools@gpt" : "tools@claude");
      expect(offered.tools).toEqual(["get_weather"]);
      expect(offered.parallelToolCalls).toBe(false);

      messages.push(choice?.message as OpenAI.Chat.ChatCompletionMessageParam, {
        role: "tool",
        tool_call_id: call.id,
        content: "18°C and sunny",
      });
      const second = await openai.chat.completions
        .stream({ model, messages, tools: [weather], stream_options: { include_usage: true } })
        .finalChatCompletion();
      expect(second.choices[0]?.message.content).toBe("The tool said: 18°C and sunny");
      expect(second.choices[0]?.finish_reason).toBe("stop");
      expect(second.usage?.completion_tokens).toBeGreaterThan(0);

      // The whole exchange is stored: the call on the reply that made it, the result tied to that call.
      const stored = await storedConversation(ask);
      expect(stored.messages.map((message) => message.role)).toEqual([
        "user",
        "assistant",
        "tool",
        "assistant",
      ]);
      expect(stored.messages[1]?.toolCalls).toEqual([
        { id: call.id, name: "get_weather", arguments: TOOL_CALL_ARGUMENTS },
      ]);
      expect(stored.messages[2]).toMatchObject({ toolCallId: call.id, content: "18°C and sunny" });
      expect(stored.messages[3]).toMatchObject({
        content: "The tool said: 18°C and sunny",
        finishReason: "stop",
      });
    });
  }

  it("answers a non-streamed completion with two parallel calls, content null when tool_choice required leaves no text", async () => {
    const completion = await openai.chat.completions.create({
      model: "gpt-tools",
      messages: [{ role: "user", content: "Weather and time in Paris?" }],
      tools: [weather, time],
      tool_choice: "required",
    });
    const [choice] = completion.choices;
    expect(choice?.finish_reason).toBe("tool_calls");
    expect(choice?.message.content).toBeNull();
    expect(
      choice?.message.tool_calls?.map(
        (call) => (call as OpenAI.Chat.ChatCompletionMessageFunctionToolCall).function,
      ),
    ).toEqual([
      { name: "get_weather", arguments: TOOL_CALL_ARGUMENTS },
      { name: "get_time", arguments: TOOL_CALL_ARGUMENTS },
    ]);
    expect(lastRequestTo("tools@gpt").toolChoice).toBe("required");
  });

  it("streams Claude's call of the tool tool_choice names, and only that one, though two are offered", async () => {
    const stream = await openai.chat.completions.create({
      model: "claude-tools",
      messages: [{ role: "user", content: "Weather and time in Paris, streamed?" }],
      tools: [weather, time],
      tool_choice: { type: "function", function: { name: "get_time" } },
      stream: true,
    });
    const indexes: number[] = [];
    for await (const chunk of stream) {
      for (const piece of chunk.choices[0]?.delta.tool_calls ?? []) indexes.push(piece.index);
    }
    // The named tool only: Anthropic's tool choice makes it the one call.
    expect(new Set(indexes)).toEqual(new Set([0]));
    expect(lastRequestTo("tools@claude").toolChoice).toEqual({ name: "get_time" });
  });
});

describe("an exchange with tools, continued in the web app", () => {
  it("continues the stored conversation, and regenerates its reply to a tool's result, with the calls as text", async () => {
    const ask = "Weather in Oslo, then in the web app?";
    const first = await openai.chat.completions.create({
      model: "claude-tools",
      messages: [{ role: "user", content: ask }],
      tools: [weather],
    });
    const call = first.choices[0]?.message
      .tool_calls?.[0] as OpenAI.Chat.ChatCompletionMessageFunctionToolCall;
    await openai.chat.completions.create({
      model: "claude-tools",
      messages: [
        { role: "user", content: ask },
        first.choices[0]?.message as OpenAI.Chat.ChatCompletionMessageParam,
        { role: "tool", tool_call_id: call.id, content: "snow" },
      ],
      tools: [weather],
    });
    const { conversations } = await parley.json<{ conversations: { id: string; title: string }[] }>(
      "/api/conversations",
    );
    const conversationId = conversations.find((conversation) => conversation.title === ask)?.id as string;
    const stored = await storedConversation(ask);
    const answer = stored.messages.at(-1)?.id as string;

    // The web app offers no tools: Anthropic's API would refuse tool blocks without them, so they go as text.
    const regenerated = await openStream(
      `${parley.url}/api/conversations/${conversationId}/messages/${answer}/regenerate`,
      { method: "POST", body: "{}" },
    );
    expect(textOf(await regenerated.events())).toBe("Hello from tools@claude.");
    const sent = lastRequestTo("tools@claude");
    expect(sent.tools).toEqual([]);
    expect(sent.turns.map((turn) => turn.content)).toEqual([
      ask,
      `${TOOL_PREAMBLE}\n\nCalled the tool get_weather with ${TOOL_CALL_ARGUMENTS}`,
      "Result from the tool get_weather:\nsnow",
    ]);

    const next = await postMessage(parley, conversationId, {
      content: "And tomorrow?",
      model: "claude-tools",
    });
    expect(textOf(await next.events())).toBe("Hello from tools@claude.");
    expect(lastRequestTo("tools@claude").turns.at(-1)?.content).toBe("And tomorrow?");
  });
});

describe("tool calls through the official @anthropic-ai/sdk", () => {
  for (const model of ["claude-tools", "gpt-tools"]) {
    it(`streams ${model}'s tool_use block, then its answer from the tool_result (finalMessage both times)`, async () => {
      const ask = `Weather in Paris, for Claude's client via ${model}?`;
      const messages: Anthropic.MessageParam[] = [{ role: "user", content: ask }];
      const first = await anthropic.messages
        .stream({ model, max_tokens: 200, messages, tools: [claudeWeather] })
        .finalMessage();
      expect(first.stop_reason).toBe("tool_use");
      expect(first.content.map((block) => block.type)).toEqual(["text", "tool_use"]);
      expect(first.content[0]).toMatchObject({ type: "text", text: TOOL_PREAMBLE });
      const use = first.content[1] as Anthropic.ToolUseBlock;
      expect(use).toMatchObject({ name: "get_weather", input: JSON.parse(TOOL_CALL_ARGUMENTS) });

      messages.push(
        { role: "assistant", content: first.content as Anthropic.ContentBlockParam[] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: "21°C" }] },
      );
      const second = await anthropic.messages
        .stream({ model, max_tokens: 200, messages, tools: [claudeWeather] })
        .finalMessage();
      expect(second.stop_reason).toBe("end_turn");
      expect(second.content.map((block) => [block.type, block.type === "text" && block.text])).toEqual([
        ["text", "The tool said: 21°C"],
      ]);
      expect(second.usage.output_tokens).toBeGreaterThan(0);
    });
  }

  it("sends a content block's start in the same write as its first text, so that text is not held back", async () => {
    // The first text comes a second after the stream opened: the writer is past its coalescing window by then.
    const response = await fetch(`${parley.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "claude-slow",
        max_tokens: 200,
        stream: true,
        messages: [{ role: "user", content: "Hello, write by write?" }],
      }),
    });
    const reads: string[] = [];
    const decoder = new TextDecoder();
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    for (let read = await reader.read(); !read.done; read = await reader.read())
      reads.push(decoder.decode(read.value));
    const start = reads.find((text) => text.includes("content_block_start"));
    expect(start).toMatch(/content_block_start[\s\S]*content_block_delta/);
  });

  it("answers a non-streamed message that must call a tool with the tool_use block alone, no empty text block", async () => {
    const message = await anthropic.messages.create({
      model: "gpt-tools",
      max_tokens: 200,
      messages: [{ role: "user", content: "Weather in Paris, no words?" }],
      tools: [claudeWeather],
      tool_choice: { type: "any", disable_parallel_tool_use: true },
    });
    expect(message.stop_reason).toBe("tool_use");
    expect(message.content).toEqual([
      {
        type: "tool_use",
        id: expect.stringMatching(/^call_/),
        name: "get_weather",
        input: { city: "Paris" },
      },
    ]);
    const sent = lastRequestTo("tools@gpt");
    expect(sent.toolChoice).toBe("required");
    expect(sent.parallelToolCalls).toBe(false);
  });

  it("streams a reply that is only a call without an empty text block before it", async () => {
    const events: string[] = [];
    const stream = anthropic.messages.stream({
      model: "claude-tools",
      max_tokens: 200,
      messages: [{ role: "user", content: "Weather in Paris, only the call?" }],
      tools: [claudeWeather],
      tool_choice: { type: "tool", name: "get_weather" },
    });
    stream.on("streamEvent", (event) => {
      if (event.type === "content_block_start") events.push(event.content_block.type);
    });
    const message = await stream.finalMessage();
    expect(events).toEqual(["tool_use"]);
    expect(message.content.map((block) => block.type)).toEqual(["tool_use"]);
  });
});

describe("counting a prompt with tools", () => {
  it("counts the tools' definitions as part of the prompt (count_tokens), as the model's server puts them there", async () => {
    const messages: Anthropic.MessageParam[] = [{ role: "user", content: "Weather in Paris?" }];
    const without = await anthropic.messages.countTokens({ model: "claude-tools", messages });
    const withTools = await anthropic.messages.countTokens({
      model: "claude-tools",
      messages,
      tools: [claudeWeather],
    });
    expect(withTools.input_tokens).toBeGreaterThan(without.input_tokens + 10);
  });
});

describe("which models are asked when a request offers tools", () => {
  it("refuses a named model that cannot call tools, naming those that can", async () => {
    const error = await openai.chat.completions
      .create({ model: "plain-fast", messages: [{ role: "user", content: "Weather?" }], tools: [weather] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).code).toBe("model_cannot_call_tools");
    expect((error as Error).message).toMatch(/"gpt-tools"/);
    // The catalog says which models call tools.
    const { models } = await parley.json<{ models: { id: string; toolCalls: boolean }[] }>("/api/models");
    expect(Object.fromEntries(models.map((model) => [model.id, model.toolCalls]))).toMatchObject({
      "gpt-tools": true,
      "plain-fast": false,
      "claude-tools": true,
    });
  });

  it("sends `auto` past the cheapest model when it cannot call tools, and to it when tool_choice is none", async () => {
    const called = await openai.chat.completions.create({
      model: "auto",
      messages: [{ role: "user", content: "Weather, auto?" }],
      tools: [weather],
    });
    expect(called.model).toBe("gpt-tools");
    expect(called.choices[0]?.finish_reason).toBe("tool_calls");

    const plain = await openai.chat.completions.create({
      model: "auto",
      messages: [{ role: "user", content: "Weather, auto, no calls?" }],
      tools: [weather],
      tool_choice: "none",
    });
    expect(plain.model).toBe("plain-fast");
    // The model that cannot call tools is not sent them.
    expect(lastRequestTo("ok@plain").tools).toEqual([]);
  });

  it("sends earlier calls and results to a model that cannot call tools as text it can read", async () => {
    const completion = await openai.chat.completions.create({
      model: "plain-fast",
      messages: [
        { role: "user", content: "Weather in Paris, then a summary?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "call_x", type: "function", function: { name: "get_weather", arguments: "{}" } },
          ],
        },
        { role: "tool", tool_call_id: "call_x", content: "rain" },
        { role: "user", content: "Summarize." },
      ],
    });
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    const sent = lastRequestTo("ok@plain");
    expect(sent.turns.map((turn) => [turn.role, turn.content])).toEqual([
      ["user", "Weather in Paris, then a summary?"],
      ["assistant", "Called the tool get_weather with {}"],
      ["user", "Result from the tool get_weather:\nrain"],
      ["user", "Summarize."],
    ]);
  });

  it("fails over past a fallback that cannot call tools to one that can, in the other API's format", async () => {
    const completion = await openai.chat.completions.create({
      model: "tools-down",
      messages: [{ role: "user", content: "Weather, with failover?" }],
      tools: [weather],
    });
    expect(completion.choices[0]?.finish_reason).toBe("tool_calls");
    expect(completion.choices[0]?.message.tool_calls?.[0]?.id).toMatch(/^toolu_/);
    expect(
      upstream
        .requestsFor("ok@plain")
        .some((request) => request.turns[0]?.content === "Weather, with failover?"),
    ).toBe(false);
  });
});

describe("malformed requests with tools", () => {
  async function postOpenAI(body: Record<string, unknown>) {
    const response = await fetch(`${parley.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-tools", messages: [{ role: "user", content: "Hi" }], ...body }),
    });
    return { status: response.status, body: (await response.json()) as { error: { message: string } } };
  }

  async function postAnthropic(body: Record<string, unknown>) {
    const response = await fetch(`${parley.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "claude-tools",
        max_tokens: 100,
        messages: [{ role: "user", content: "Hi" }],
        ...body,
      }),
    });
    return { status: response.status, body: (await response.json()) as { error: { message: string } } };
  }

  it("answers each with a 400 that says what is wrong, and calls no model", async () => {
    const before = upstream.requests.length;
    const cases: [Promise<{ status: number; body: { error: { message: string } } }>, RegExp][] = [
      [
        postOpenAI({
          messages: [
            { role: "user", content: "Hi" },
            { role: "tool", tool_call_id: "call_nobody", content: "42" },
          ],
        }),
        /messages\.1\.tool_call_id.*"call_nobody", which no earlier assistant message called/,
      ],
      [postOpenAI({ messages: [{ role: "tool", content: "42" }] }), /must say which call it answers/],
      [
        postOpenAI({ tools: [weather], tool_choice: { type: "function", function: { name: "nope" } } }),
        /"nope"/,
      ],
      [postOpenAI({ tool_choice: "required" }), /needs `tools`/],
      [postOpenAI({ tools: [weather, weather] }), /two tools are named "get_weather"/],
      [
        postOpenAI({ tools: [{ type: "function", function: { name: "bad name!" } }] }),
        /tools\.0\.function\.name/,
      ],
      [postOpenAI({ tools: [{ type: "custom", custom: { name: "x" } }] }), /only "function" tools/],
      [postOpenAI({ functions: [{ name: "legacy" }] }), /`functions`.*deprecated/],
      [
        postAnthropic({
          messages: [{ role: "user", content: [{ type: "tool_use", id: "t", name: "x", input: {} }] }],
        }),
        /only assistant messages call tools/,
      ],
      [postAnthropic({ tools: [{ type: "web_search_20250305", name: "web_search" }] }), /tools\.0/],
      [postAnthropic({ tools: [claudeWeather], tool_choice: { type: "tool", name: "other" } }), /"other"/],
      [
        postAnthropic({
          messages: [
            { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_none", content: "x" }] },
          ],
        }),
        /"toolu_none", which no earlier assistant message called/,
      ],
    ];
    for (const [answer, message] of cases) {
      const { status, body } = await answer;
      expect(status).toBe(400);
      expect(body.error.message).toMatch(message);
    }
    expect(upstream.requests.length).toBe(before);
  });
});
