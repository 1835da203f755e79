/**
 * OpenAI's Responses API (`POST /v1/responses`) on a real `parley serve` with accounts, through the official openai
 * client: the tiny local model's replies, streamed and not; tool calls and their results with remote models of a
 * fake upstream in each wire format; what is stored; what a key held to some models is refused; and what a request
 * asking for what Parley does not give is told.
 */
import OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { type Client, callAs } from "./support/call-as.js";
import { type FaultUpstream, TOOL_CALL_ARGUMENTS, TOOL_PREAMBLE } from "./support/fault-upstream.js";
import type { ParleyProcess } from "./support/parley-process.js";
import { anthropicProvider, faultModel, openAIProvider } from "./support/remote-config.js";
import { startRemoteParley } from "./support/remote-parley.js";
import { ALPHABET } from "./support/sse-client.js";

let upstream: FaultUpstream;
let parley: ParleyProcess;
/** May use every model. */
let key: string;
/** May use `gpt-tools` only. */
let limitedKey: string;
let openai: OpenAI;

beforeAll(async () => {
  const served = await startRemoteParley(
    (upstream) => ({
      engine: { threads: 1, sequences: 2, contextSize: 2048 },
      runs: { maxOutputTokens: 256 },
      models: [{ id: "tiny", file: "./tiny.gguf", tier: "fast" }],
      providers: [
        openAIProvider("openai", upstream, [
          faultModel("gpt-tools", "tools@gpt"),
          // Two words of its reply, then an error in the stream.
          faultModel("gpt-broken", "error-event@broken"),
          // 200 one-character deltas, 10 ms apart: something to stop mid-way.
          faultModel("gpt-slow", "slow@gpt"),
        ]),
        anthropicProvider("anthropic", upstream, [faultModel("claude-tools", "tools@claude")]),
      ],
    }),
    { tinyModel: true, parley: { accounts: true, waitForModels: false } },
  );
  ({ parley, upstream } = served);
  const setup = await callAs(parley, {}, "/api/auth/setup", {
    body: { email: "admin@example.com", password: "admin-password" },
  });
  const admin: Client = { cookie: (setup.headers.get("set-cookie") ?? "").split(";")[0] as string };
  const newKey = async (body: Record<string, unknown>) =>
    ((await (await callAs(parley, admin, "/api/keys", { body })).json()) as { key: string }).key;
  key = await newKey({ name: "everything" });
  limitedKey = await newKey({ name: "tools only", models: ["gpt-tools"] });
  openai = new OpenAI({ apiKey: key, baseURL: `${parley.url}/v1`, maxRetries: 0 });
  // The tiny model's engine starts in the background; /api/models needs the key on a server with accounts.
  for (let ready = false; !ready; await new Promise((resolve) => setTimeout(resolve, 50))) {
    const listed = await callAs(parley, { key }, "/api/models");
    ready = ((await listed.json()) as { models: { ready: boolean }[] }).models.every((model) => model.ready);
  }
  return served.stop;
});

type StoredConversation = {
  title: string;
  messages: {
    role: string;
    content: string;
    status?: string;
    toolCalls?: { id: string; name: string; arguments: string }[];
    toolCallId?: string;
  }[];
};

async function conversations(): Promise<{ id: string; title: string }[]> {
  const listed = await callAs(parley, { key }, "/api/conversations");
  return ((await listed.json()) as { conversations: { id: string; title: string }[] }).conversations;
}

async function storedConversation(title: string): Promise<StoredConversation> {
  const found = (await conversations()).find((conversation) => conversation.title === title);
  if (!found) throw new Error(`no conversation titled ${title}`);
  return (await (
    await callAs(parley, { key }, `/api/conversations/${found.id}`)
  ).json()) as StoredConversation;
}

function textOf(response: OpenAI.Responses.Response): string {
  return response.output
    .flatMap((item) => (item.type === "message" ? item.content : []))
    .map((part) => (part.type === "output_text" ? part.text : ""))
    .join("");
}

const weather: OpenAI.Responses.FunctionTool = {
  type: "function",
  name: "get_weather",
  description: "The weather in a city now.",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  strict: false,
};
const time: OpenAI.Responses.FunctionTool = {
  type: "function",
  name: "get_time",
  parameters: { type: "object", properties: { city: { type: "string" } } },
  strict: null,
};

describe("the Responses API with the tiny local model, through the official openai client", () => {
  it("answers responses.create with the alphabet, completed, its usage and the request's settings, and stores the exchange", async () => {
    const response = await openai.responses.create({
      model: "tiny",
      instructions: "You are terse.",
      input: "Recite the alphabet for the Responses API",
      temperature: 0.5,
      metadata: { run: "first" },
    });
    expect(response).toMatchObject({
      id: expect.stringMatching(/^resp_/),
      object: "response",
      status: "completed",
      model: "tiny",
      error: null,
      incomplete_details: null,
      instructions: "You are terse.",
      temperature: 0.5,
      tools: [],
      tool_choice: "auto",
      parallel_tool_calls: true,
      store: true,
      metadata: { run: "first" },
      text: { format: { type: "text" } },
    });
    expect(response.output).toEqual([
      {
        type: "message",
        id: expect.stringMatching(/^msg_/),
        status: "completed",
        role: "assistant",
        content: [{ type: "output_text", text: ALPHABET, annotations: [], logprobs: [] }],
      },
    ]);
    // The SDK's own convenience, from the output.
    expect(response.output_text).toBe(ALPHABET);
    const usage = response.usage as OpenAI.Responses.ResponseUsage;
    expect(usage.input_tokens).toBeGreaterThan(10);
    expect(usage.output_tokens).toBeGreaterThanOrEqual(26);
    expect(usage.total_tokens).toBe(usage.input_tokens + usage.output_tokens);
    expect(usage.input_tokens_details.cached_tokens).toBeGreaterThanOrEqual(0);
    expect(usage.output_tokens_details.reasoning_tokens).toBe(0);

    const stored = await storedConversation("Recite the alphabet for the Responses API");
    expect(stored.messages.map((message) => [message.role, message.content])).toEqual([
      ["system", "You are terse."],
      ["user", "Recite the alphabet for the Responses API"],
      ["assistant", ALPHABET],
    ]);
  });

  it("streams the typed events in order, numbered, with deltas joining to the alphabet, ending in response.completed", async () => {
    const stream = await openai.responses.create({
      model: "tiny",
      input: [{ role: "user", content: [{ type: "input_text", text: "Stream it" }] }],
      stream: true,
    });
    const events = await eventsOf(stream);
    const types = typesOf(events);
    expect(types).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, at) => at));
    const deltas = events.filter((event) => event.type === "response.output_text.delta");
    expect(deltas.map((event) => event.delta).join("")).toBe(ALPHABET);
    expect(deltas[0]).toMatchObject({
      output_index: 0,
      content_index: 0,
      item_id: expect.stringMatching(/^msg_/),
    });
    expect(events.find((event) => event.type === "response.output_text.done")).toMatchObject({
      text: ALPHABET,
    });
    const created = events[0] as OpenAI.Responses.ResponseCreatedEvent;
    expect(created.response).toMatchObject({ status: "in_progress", output: [], usage: null });
    const completed = events.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
    expect(completed.response.id).toBe(created.response.id);
    expect(completed.response.status).toBe("completed");
    expect(textOf(completed.response)).toBe(ALPHABET);
    expect(completed.response.usage?.output_tokens).toBeGreaterThanOrEqual(26);
  });

  it("works with the client's stream helper and finalResponse()", async () => {
    const final = await openai.responses.stream({ model: "tiny", input: "helper" }).finalResponse();
    expect(final.status).toBe("completed");
    expect(textOf(final)).toBe(ALPHABET);
    expect(final.usage?.total_tokens).toBe(
      (final.usage?.input_tokens ?? 0) + (final.usage?.output_tokens ?? 0),
    );
  });

  it("ends a reply cut by max_output_tokens as incomplete, reason max_output_tokens, streamed and not", async () => {
    const cut = await openai.responses.create({ model: "tiny", input: "cut short", max_output_tokens: 10 });
    expect(cut.status).toBe("incomplete");
    expect(cut.incomplete_details).toEqual({ reason: "max_output_tokens" });
    expect(cut.max_output_tokens).toBe(10);
    expect(cut.output).toMatchObject([{ type: "message", status: "incomplete" }]);
    expect(cut.output_text).toBe(ALPHABET.slice(0, 10));

    const stream = await openai.responses.create({
      model: "tiny",
      input: "cut short, streamed",
      max_output_tokens: 10,
      stream: true,
    });
    const events = await eventsOf(stream);
    const last = events.at(-1) as OpenAI.Responses.ResponseIncompleteEvent;
    expect(last.type).toBe("response.incomplete");
    expect(last.response).toMatchObject({
      status: "incomplete",
      incomplete_details: { reason: "max_output_tokens" },
    });
    expect(textOf(last.response)).toBe(ALPHABET.slice(0, 10));
  });

  it("counts a request's input tokens as the model does (responses.inputTokens.count): the usage.input_tokens of its response", async () => {
    const request = {
      model: "tiny",
      instructions: "You are terse.",
      input: "Count me for the Responses API",
    };
    const counted = await openai.responses.inputTokens.count(request);
    expect(counted.object).toBe("response.input_tokens");
    const response = await openai.responses.create({ ...request, max_output_tokens: 8 });
    expect(counted.input_tokens).toBe(response.usage?.input_tokens);
    const longer = await openai.responses.inputTokens.count({
      ...request,
      instructions: "You are terse. ".repeat(20),
    });
    expect(longer.input_tokens).toBeGreaterThan(counted.input_tokens + 40);
    const unknown = await openai.responses.inputTokens
      .count({ ...request, model: "gpt-9" })
      .catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("keeps nothing when the request says store: false, streamed or not", async () => {
    const before = (await conversations()).length;
    const answer = await openai.responses.create({ model: "tiny", input: "forget me", store: false });
    expect(answer.output_text).toBe(ALPHABET);
    expect(answer).toMatchObject({ store: false });
    const streamed = await openai.responses
      .stream({ model: "tiny", input: "forget me too", store: false })
      .finalResponse();
    expect(textOf(streamed)).toBe(ALPHABET);
    expect((await conversations()).length).toBe(before);
  });
});

describe("function calls on the Responses API, with remote models in each wire format", () => {
  for (const model of ["gpt-tools", "claude-tools"]) {
    it(`streams ${model}'s function call, then answers from its function_call_output (finalResponse both times)`, async () => {
      const ask = `Weather in Paris, via ${model} and the Responses API?`;
      const input: OpenAI.Responses.ResponseInput = [{ role: "user", content: ask }];
      const first = await openai.responses
        .stream({ model, input, tools: [weather], parallel_tool_calls: false })
        .finalResponse();
      expect(first.status).toBe("completed");
      expect(first.output.map((item) => item.type)).toEqual(["message", "function_call"]);
      expect(textOf(first)).toBe(TOOL_PREAMBLE);
      const call = first.output[1] as OpenAI.Responses.ResponseFunctionToolCall;
      expect(call).toMatchObject({
        name: "get_weather",
        arguments: TOOL_CALL_ARGUMENTS,
        call_id: expect.stringMatching(model === "gpt-tools" ? /^call_/ : /^toolu_/),
        status: "completed",
      });
      expect(first.tools).toMatchObject([{ type: "function", name: "get_weather" }]);
      const offered = upstream.requestsFor(model === "gpt-tools" ? "tools@gpt" : "tools@claude").at(-1);
      expect(offered?.tools).toEqual(["get_weather"]);
      expect(offered?.parallelToolCalls).toBe(false);

      // The response's output goes back as input, as the Agents SDK sends it, then the call's result.
      input.push(...(first.output as OpenAI.Responses.ResponseInputItem[]), {
        type: "function_call_output",
        call_id: call.call_id,
        output: "18°C and sunny",
      });
      const second = await openai.responses.create({ model, input, tools: [weather] });
      expect(second.output_text).toBe("The tool said: 18°C and sunny");
      expect(second.status).toBe("completed");
      expect(second.usage?.output_tokens).toBeGreaterThan(0);

      // Stored as chat completions stores it: the call on the reply that made it, the result tied to that call.
      const stored = await storedConversation(ask);
      expect(stored.messages.map((message) => message.role)).toEqual([
        "user",
        "assistant",
        "tool",
        "assistant",
      ]);
      expect(stored.messages[1]).toMatchObject({
        content: TOOL_PREAMBLE,
        toolCalls: [{ id: call.call_id, name: "get_weather", arguments: TOOL_CALL_ARGUMENTS }],
      });
      expect(stored.messages[2]).toMatchObject({ toolCallId: call.call_id, content: "18°C and sunny" });
    });
  }

  it("answers a response that must call tools with function_call items alone, streamed in order", async () => {
    const response = await openai.responses.create({
      model: "gpt-tools",
      input: "Weather and time in Paris?",
      tools: [weather, time],
      tool_choice: "required",
    });
    expect(response.tool_choice).toBe("required");
    expect(
      response.output.map((item) => item.type === "function_call" && [item.name, item.arguments]),
    ).toEqual([
      ["get_weather", TOOL_CALL_ARGUMENTS],
      ["get_time", TOOL_CALL_ARGUMENTS],
    ]);
    expect(upstream.requestsFor("tools@gpt").at(-1)?.toolChoice).toBe("required");

    const stream = await openai.responses.create({
      model: "claude-tools",
      input: "Time in Paris, streamed?",
      tools: [weather, time],
      tool_choice: { type: "function", name: "get_time" },
      stream: true,
    });
    const events = await eventsOf(stream);
    const types = typesOf(events);
    expect(types).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.completed",
    ]);
    const added = events.find((event) => event.type === "response.output_item.added");
    expect(added).toMatchObject({ item: { type: "function_call", name: "get_time", arguments: "" } });
    expect(events.find((event) => event.type === "response.function_call_arguments.done")).toMatchObject({
      name: "get_time",
      arguments: TOOL_CALL_ARGUMENTS,
    });
    expect(upstream.requestsFor("tools@claude").at(-1)?.toolChoice).toEqual({ name: "get_time" });
  });
});

describe("failures and refusals on the Responses API", () => {
  it("ends a stream whose model fails after it began with response.failed, the error and the text so far", async () => {
    const stream = await openai.responses.create({
      model: "gpt-broken",
      input: "Break, please",
      stream: true,
    });
    const events = await eventsOf(stream);
    const last = events.at(-1) as OpenAI.Responses.ResponseFailedEvent;
    expect(last.type).toBe("response.failed");
    expect(last.response.status).toBe("failed");
    expect(last.response.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    expect(textOf(last.response)).toBe(
      events.flatMap((event) => (event.type === "response.output_text.delta" ? [event.delta] : [])).join(""),
    );
    expect(events.some((event) => event.type === "response.completed")).toBe(false);
  });

  it("stops the run when the client aborts its stream, keeping the partial reply, as chat completions does", async () => {
    const controller = new AbortController();
    const ask = "Abort me, Responses API";
    const stream = await openai.responses.create(
      { model: "gpt-slow", input: ask, stream: true },
      { signal: controller.signal },
    );
    let received = "";
    try {
      for await (const event of stream) {
        if (event.type === "response.output_text.delta") received += event.delta;
        if (received.length >= 10) controller.abort();
      }
    } catch (error) {
      expect((error as Error).name).toMatch(/Abort/);
    }
    let reply: { status?: string; content: string } | undefined;
    for (let attempt = 0; attempt < 100 && reply?.status !== "stopped"; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      reply = (await storedConversation(ask)).messages.find((message) => message.role === "assistant");
    }
    expect(reply?.status).toBe("stopped");
    expect(reply?.content.length).toBeGreaterThanOrEqual(10);
    expect(reply?.content.length).toBeLessThan(200);
  });

  it("refuses a key held to other models with a 403 naming those it may use; nothing asked or stored", async () => {
    const limited = new OpenAI({ apiKey: limitedKey, baseURL: `${parley.url}/v1`, maxRetries: 0 });
    const before = (await conversations()).length;
    const requests = upstream.requests.length;
    const refusal = await limited.responses
      .create({ model: "tiny", input: "hi" })
      .catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(refusal).toMatchObject({ status: 403, code: "model_not_allowed" });
    expect((refusal as Error).message).toMatch(/"tiny".*may use only: "gpt-tools"/);
    expect((await conversations()).length).toBe(before);
    expect(upstream.requests.length).toBe(requests);

    const allowed = await limited.responses.create({ model: "gpt-tools", input: "hi, limited" });
    expect(allowed.output_text).toBe("Hello from tools@gpt.");
  });

  it("answers each request for what Parley does not give, or malformed, with a 400 naming the field, and calls no model", async () => {
    const post = async (body: Record<string, unknown>) => {
      const response = await callAs(parley, { key }, "/v1/responses", {
        body: { model: "gpt-tools", input: "Hi", ...body },
      });
      return {
        status: response.status,
        body: (await response.json()) as { error: { message: string; type: string } },
      };
    };
    const before = upstream.requests.length;
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { previous_response_id: "resp_123" },
        /`previous_response_id`: there is no stored response "resp_123" of yours/,
      ],
      [{ conversation: "conv_123" }, /`conversation`: Parley keeps no conversation objects/],
      [{ tools: [{ type: "web_search" }] }, /`tools\.0\.type`: only "function" tools are supported/],
      [{ tools: [{ type: "file_search", vector_store_ids: ["vs_1"] }] }, /`tools\.0\.type`/],
      [{ background: true, store: false }, /`background`: .* must be stored/],
      [{ include: ["file_search_call.results"] }, /`include\.0`/],
      [
        { input: [{ type: "item_reference", id: "msg_1" }] },
        /`input\.0\.type`: only "message", "function_call"/,
      ],
      [
        { input: [{ role: "user", content: [{ type: "input_file", file_id: "file_1" }] }] },
        /`input\.0\.content\.0\.type`: only "input_text"/,
      ],
      [{ input: [{ role: "robot", content: "hi" }] }, /`input\.0\.role`/],
      [{ input: [] }, /`input`: must hold at least one item/],
      [{ input: 42 }, /`input`/],
      [
        {
          input: [
            { role: "user", content: [{ type: "input_image", image_url: "https://example.com/x.png" }] },
          ],
        },
        /`input\.0\.content\.0\.image_url` is a web address/,
      ],
      [
        {
          input: [
            { role: "user", content: "Hi" },
            { type: "function_call_output", call_id: "call_x", output: "42" },
          ],
        },
        /`input\.1\.call_id`.*"call_x", which no earlier assistant message called/,
      ],
      [{ tools: [weather], tool_choice: { type: "function", name: "nope" } }, /`tool_choice`.*"nope"/],
      [{ tool_choice: { type: "web_search_preview" } }, /`tool_choice`/],
      [{ text: { format: { type: "json_schema" } } }, /`text\.format\.name`/],
      [{ temperature: 7 }, /`temperature`/],
    ];
    for (const [body, message] of cases) {
      const answer = await post(body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error.type).toBe("invalid_request_error");
      expect(answer.body.error.message, JSON.stringify(body)).toMatch(message);
    }
    expect(upstream.requests.length).toBe(before);

    // Through the SDK, the client's own error class.
    const refusal = await openai.responses
      .create({ model: "tiny", input: "hi", previous_response_id: "resp_1" })
      .catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(OpenAI.BadRequestError);
    // What Codex sends by default with store: false asks for nothing Parley lacks, and is answered.
    const codexLike = await openai.responses.create({
      model: "tiny",
      instructions: "You are a coding agent.",
      input: [
        { type: "message", role: "developer", content: [{ type: "input_text", text: "Be brief." }] },
        { type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] },
      ],
      tools: [],
      tool_choice: "auto",
      parallel_tool_calls: false,
      reasoning: { effort: "low", summary: "auto" },
      store: false,
      include: ["reasoning.encrypted_content"],
      prompt_cache_key: "session-1",
    });
    expect(codexLike.output_text).toBe(ALPHABET);
  });
});

/** The events' types in order, a run of one type (the deltas) as one. */
function typesOf(events: readonly OpenAI.Responses.ResponseStreamEvent[]): string[] {
  return events.map((event) => event.type).filter((type, at, all) => type !== all[at - 1]);
}

async function eventsOf(
  stream: AsyncIterable<OpenAI.Responses.ResponseStreamEvent>,
): Promise<OpenAI.Responses.ResponseStreamEvent[]> {
  const events: OpenAI.Responses.ResponseStreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}
