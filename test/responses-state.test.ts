/**
 * The responses Parley keeps, through the official openai client on a real `parley serve` with accounts and a fake
 * upstream: a request that names a stored response in `previous_response_id` is answered after that response's
 * conversation and stored in it; `responses.retrieve` reads a response back, finished or still being written; and
 * a response that is not the user's, or was not stored, is neither read nor gone on from.
 */
import OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { samplePng } from "../src/files/test-support/sample-images.js";
import { type Client, callAs } from "./support/call-as.js";
import { type FaultUpstream, TOOL_CALL_ARGUMENTS } from "./support/fault-upstream.js";
import type { ParleyProcess } from "./support/parley-process.js";
import { anthropicProvider, faultModel, openAIProvider, VISION } from "./support/remote-config.js";
import { startRemoteParley } from "./support/remote-parley.js";
import { waitUntil } from "./support/wait-until.js";

let upstream: FaultUpstream;
let parley: ParleyProcess;
let key: string;
let openai: OpenAI;
/** Another user's client. */
let bob: OpenAI;

beforeAll(async () => {
  const served = await startRemoteParley(
    (upstream) => ({
      providers: [
        openAIProvider("openai", upstream, [
          // Its reply is the last user message: it shows which turn each request ended with.
          faultModel("gpt-echo", "echo@gpt"),
          faultModel("gpt-vision", "echo@vision", VISION),
          faultModel("gpt-tools", "tools@gpt"),
          // 200 one-character deltas: a reply to read while it is written.
          faultModel("gpt-slow", "slow@gpt"),
        ]),
        anthropicProvider("anthropic", upstream, [faultModel("claude-tools", "tools@claude")]),
      ],
    }),
    // The slow reply takes some 8 s: still being written when it is read back and stopped, however loaded the machine.
    { parley: { accounts: true, waitForModels: false }, upstream: { slowDeltaMs: 40 } },
  );
  ({ parley, upstream } = served);
  const cookieOf = (response: Response) => (response.headers.get("set-cookie") ?? "").split(";")[0] as string;
  const setup = await callAs(parley, {}, "/api/auth/setup", {
    body: { email: "admin@example.com", password: "admin-password" },
  });
  const admin: Client = { cookie: cookieOf(setup) };
  await callAs(parley, admin, "/api/users", { body: { email: "bob@example.com", password: "bob-password" } });
  const login = await callAs(parley, {}, "/api/auth/login", {
    body: { email: "bob@example.com", password: "bob-password" },
  });
  const keyOf = async (client: Client) =>
    ((await (await callAs(parley, client, "/api/keys", { body: { name: "k" } })).json()) as { key: string })
      .key;
  key = await keyOf(admin);
  openai = new OpenAI({ apiKey: key, baseURL: `${parley.url}/v1`, maxRetries: 0 });
  bob = new OpenAI({
    apiKey: await keyOf({ cookie: cookieOf(login) }),
    baseURL: `${parley.url}/v1`,
    maxRetries: 0,
  });
  return served.stop;
});

type StoredMessage = {
  id: string;
  parentId: string | null;
  role: string;
  content: string;
  runId: string | null;
  toolCalls?: { id: string }[];
  toolCallId?: string;
};

async function conversationsOf(client: Client) {
  const listed = await callAs(parley, client, "/api/conversations");
  return ((await listed.json()) as { conversations: { id: string; title: string }[] }).conversations;
}

async function messagesOf(conversationId: string): Promise<StoredMessage[]> {
  const read = await callAs(parley, { key }, `/api/conversations/${conversationId}`);
  return ((await read.json()) as { messages: StoredMessage[] }).messages;
}

const runIdOf = (response: { id: string }) => response.id.replace(/^resp_/, "");

function textOf(response: OpenAI.Responses.Response): string {
  return response.output
    .flatMap((item) => (item.type === "message" ? item.content : []))
    .map((part) => (part.type === "output_text" ? part.text : ""))
    .join("");
}

const weather: OpenAI.Responses.FunctionTool = {
  type: "function",
  name: "get_weather",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  strict: false,
};

describe("going on from a stored response with previous_response_id", () => {
  it("sends the model the earlier turns without their instructions, and stores the turns after that reply in its conversation", async () => {
    const first = await openai.responses.create({
      model: "gpt-echo",
      instructions: "Be brief.",
      input: "Otters hold hands while they sleep",
    });
    expect(first.output_text).toBe("Otters hold hands while they sleep");
    const second = await openai.responses.create({
      model: "gpt-echo",
      previous_response_id: first.id,
      instructions: "Be kind.",
      input: "Do sea otters use tools",
    });
    expect(second.output_text).toBe("Do sea otters use tools");
    expect(second.previous_response_id).toBe(first.id);
    expect(second.instructions).toBe("Be kind.");
    // The earlier instructions stay with the earlier response, as the Responses API has it.
    expect(upstream.requestsFor("echo@gpt").at(-1)).toMatchObject({
      system: "Be kind.",
      turns: [
        { role: "user", content: "Otters hold hands while they sleep" },
        { role: "assistant", content: "Otters hold hands while they sleep" },
        { role: "user", content: "Do sea otters use tools" },
      ],
    });

    // Streamed, a third turn goes on from the second: every earlier turn is sent.
    const third = await openai.responses
      .stream({ model: "gpt-echo", previous_response_id: second.id, input: "Where do otters live" })
      .finalResponse();
    // A streamed response has no output_text, which the client adds to what `create` returns.
    expect(third.output).toMatchObject([{ type: "message", content: [{ text: "Where do otters live" }] }]);
    expect(third.previous_response_id).toBe(second.id);
    const sent = upstream.requestsFor("echo@gpt").at(-1);
    expect(sent?.system).toBe("");
    expect(sent?.turns.map((turn) => turn.content)).toEqual([
      "Otters hold hands while they sleep",
      "Otters hold hands while they sleep",
      "Do sea otters use tools",
      "Do sea otters use tools",
      "Where do otters live",
    ]);

    // One conversation: each exchange hangs from the reply it went on from.
    const conversation = (await conversationsOf({ key })).filter((listed) =>
      listed.title.startsWith("Otters hold hands"),
    );
    expect(conversation).toHaveLength(1);
    const messages = await messagesOf(conversation[0]?.id as string);
    const byId = new Map(messages.map((message) => [message.id, message]));
    const replyOf = (response: { id: string }) =>
      messages.find((message) => message.runId === runIdOf(response)) as StoredMessage;
    const chainTo = (message: StoredMessage | undefined): string[] =>
      message ? [...chainTo(byId.get(message.parentId ?? "")), `${message.role}: ${message.content}`] : [];
    expect(chainTo(replyOf(third))).toEqual([
      "system: Be brief.",
      "user: Otters hold hands while they sleep",
      "assistant: Otters hold hands while they sleep",
      "system: Be kind.",
      "user: Do sea otters use tools",
      "assistant: Do sea otters use tools",
      "user: Where do otters live",
      "assistant: Where do otters live",
    ]);
  });

  for (const model of ["gpt-tools", "claude-tools"]) {
    it(`answers a function_call_output sent alone after ${model}'s response that made the call`, async () => {
      const first = await openai.responses.create({
        model,
        input: `Weather in Oslo, asked of ${model}?`,
        tools: [weather],
        parallel_tool_calls: false,
      });
      const call = first.output.find(
        (item): item is OpenAI.Responses.ResponseFunctionToolCall => item.type === "function_call",
      );
      expect(call).toMatchObject({ name: "get_weather", arguments: TOOL_CALL_ARGUMENTS });
      const second = await openai.responses.create({
        model,
        previous_response_id: first.id,
        input: [{ type: "function_call_output", call_id: call?.call_id as string, output: "-3°C and snow" }],
        tools: [weather],
      });
      expect(second.output_text).toBe("The tool said: -3°C and snow");
      const sent = upstream.requestsFor(model === "gpt-tools" ? "tools@gpt" : "tools@claude").at(-1);
      expect(sent?.turns.map((turn) => turn.role)).toEqual(["user", "assistant", "tool"]);
      expect(sent?.turns[1]?.toolCalls).toMatchObject([{ id: call?.call_id, name: "get_weather" }]);
      expect(sent?.turns[2]).toMatchObject({ toolCallId: call?.call_id, content: "-3°C and snow" });
    });
  }

  it("refuses a function_call_output that answers no call of the previous response or the input, calling no model", async () => {
    const first = await openai.responses.create({ model: "gpt-echo", input: "A question with no call" });
    const before = upstream.requests.length;
    const refused = await openai.responses
      .create({
        model: "gpt-tools",
        previous_response_id: first.id,
        input: [{ type: "function_call_output", call_id: "call_nowhere", output: "?" }],
      })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as Error).message).toContain("`input.0.call_id`");
    expect(upstream.requests.length).toBe(before);
  });

  it("refuses a previous_response_id that names no stored response of the user's with a 400 previous_response_not_found, calling no model", async () => {
    const bobs = await bob.responses.create({ model: "gpt-echo", input: "Bob's own question" });
    const unstored = await openai.responses.create({ model: "gpt-echo", input: "Not kept", store: false });
    const before = upstream.requests.length;
    for (const previous of [bobs.id, unstored.id, "resp_run_unknown", "not-a-response-id"]) {
      const refused = await openai.responses
        .create({ model: "gpt-echo", previous_response_id: previous, input: "Go on" })
        .catch((error: unknown) => error);
      expect(refused, previous).toBeInstanceOf(OpenAI.BadRequestError);
      expect((refused as InstanceType<typeof OpenAI.APIError>).code).toBe("previous_response_not_found");
      expect((refused as Error).message).toContain(previous);
    }
    expect(upstream.requests.length).toBe(before);
  });

  it("keeps nothing new when the request goes on from a stored response with store: false", async () => {
    const first = await openai.responses.create({ model: "gpt-echo", input: "Kept, then gone on from" });
    const conversation = (await conversationsOf({ key })).find(
      (listed) => listed.title === "Kept, then gone on from",
    );
    const second = await openai.responses.create({
      model: "gpt-echo",
      previous_response_id: first.id,
      input: "Not kept at all",
      store: false,
    });
    expect(second.output_text).toBe("Not kept at all");
    expect((await messagesOf(conversation?.id as string)).map((message) => message.content)).toEqual([
      "Kept, then gone on from",
      "Kept, then gone on from",
    ]);
  });
});

describe("counting a request's input tokens after a stored response", () => {
  it("counts the earlier turns, not the earlier instructions, and refuses a previous response that is not there", async () => {
    const first = await openai.responses.create({
      model: "gpt-echo",
      instructions: "Long instructions, said once. ".repeat(40),
      input: "A first turn about beavers and their dams",
    });
    const alone = await openai.responses.inputTokens.count({ model: "gpt-echo", input: "A second turn" });
    const after = await openai.responses.inputTokens.count({
      model: "gpt-echo",
      previous_response_id: first.id,
      input: "A second turn",
    });
    // Two turns of a few words more; the earlier instructions' hundreds of tokens stay behind.
    expect(after.input_tokens).toBeGreaterThan(alone.input_tokens + 10);
    expect(after.input_tokens).toBeLessThan(alone.input_tokens + 60);
    const refused = await openai.responses.inputTokens
      .count({ model: "gpt-echo", previous_response_id: "resp_run_nowhere", input: "Hi" })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
  });
});

describe("reading a response back with responses.retrieve", () => {
  it("reads back a stored response as it was made: id, status, output, usage, model, instructions and previous_response_id", async () => {
    const first = await openai.responses.create({
      model: "gpt-echo",
      instructions: "Answer plainly.",
      input: "Read me back later",
    });
    const second = await openai.responses.create({
      model: "gpt-echo",
      previous_response_id: first.id,
      input: "And me too",
    });
    const read = await openai.responses.retrieve(second.id);
    expect(read).toMatchObject({
      id: second.id,
      object: "response",
      status: "completed",
      model: "gpt-echo",
      output_text: "And me too",
      previous_response_id: first.id,
      instructions: null,
      usage: second.usage,
      error: null,
      created_at: second.created_at,
    });
    expect(read.output).toEqual(second.output);
    expect((await openai.responses.retrieve(first.id)).instructions).toBe("Answer plainly.");
  });

  it("reads back a response that called a function with its function_call item", async () => {
    const made = await openai.responses.create({
      model: "gpt-tools",
      input: "Weather in Lima?",
      tools: [weather],
      tool_choice: "required",
    });
    const read = await openai.responses.retrieve(made.id);
    expect(read.output).toEqual(made.output);
    expect(read.output.map((item) => item.type)).toEqual(["function_call"]);
  });

  it("reads a response still being written as in_progress with its text so far, and once stopped as cancelled", async () => {
    const stream = openai.responses.stream({ model: "gpt-slow", input: "Write slowly" });
    let id = "";
    let written = "";
    stream.on("response.created", (event) => {
      id = event.response.id;
    });
    stream.on("response.output_text.delta", (event) => {
      written += event.delta;
    });
    await waitUntil(() => written.length >= 5, { timeoutMs: 5_000, what: "five characters streamed" });
    const writing = await openai.responses.retrieve(id);
    expect(writing.status).toBe("in_progress");
    expect(writing.output_text.length).toBeGreaterThanOrEqual(5);
    expect(writing.usage).toBeNull();

    const stopped = await callAs(parley, { key }, `/api/runs/${runIdOf({ id })}/stop`, { body: {} });
    expect(stopped.status).toBe(200);
    await stream.done().catch(() => undefined);
    const read = await openai.responses.retrieve(id);
    expect(read.status).toBe("cancelled");
    expect(read.output_text.length).toBeGreaterThanOrEqual(writing.output_text.length);
    expect(read.output_text.length).toBeLessThan(200);
  });

  it("cancels a response being written: its stream and a request waiting whole end cancelled with the text so far, as it reads back", async () => {
    const whole = openai.responses.create({ model: "gpt-slow", input: "Cancel me whole" });
    const stream = openai.responses.stream({ model: "gpt-slow", input: "Cancel me streamed" });
    let id = "";
    let written = "";
    stream.on("response.created", (event) => {
      id = event.response.id;
    });
    stream.on("response.output_text.delta", (event) => {
      written += event.delta;
    });
    await waitUntil(() => written.length >= 5, { timeoutMs: 5_000, what: "five characters streamed" });
    // The request answered whole says its id only at the end: its run is found in its stored conversation.
    let wholeId = "";
    for (let attempt = 0; attempt < 100 && wholeId === ""; attempt++) {
      const conversation = (await conversationsOf({ key })).find((c) => c.title === "Cancel me whole");
      const reply = conversation && (await messagesOf(conversation.id)).find((m) => m.runId !== null);
      if (reply?.runId) wholeId = `resp_${reply.runId}`;
      else await new Promise((resolve) => setTimeout(resolve, 20));
    }

    const notBobs = await bob.responses.cancel(id).catch((error: unknown) => error);
    expect(notBobs).toBeInstanceOf(OpenAI.NotFoundError);

    // What `cancel` and a stream answer has no output_text, which the client adds to what `create` returns.
    const cancelled = await openai.responses.cancel(id);
    expect(cancelled.status).toBe("cancelled");
    const text = textOf(cancelled);
    expect(text.length).toBeGreaterThanOrEqual(5);
    expect(text.length).toBeLessThan(200);
    const streamed = await stream.finalResponse();
    expect(streamed).toMatchObject({ id, status: "cancelled" });
    expect(streamed.output).toMatchObject([{ type: "message", status: "incomplete", content: [{ text }] }]);
    expect(await openai.responses.retrieve(id)).toMatchObject({ status: "cancelled", output_text: text });
    // Cancelling it again answers the same.
    const again = await openai.responses.cancel(id);
    expect([again.status, textOf(again)]).toEqual(["cancelled", text]);

    const wholeCancelled = await openai.responses.cancel(wholeId);
    expect(wholeCancelled.status).toBe("cancelled");
    expect(textOf(wholeCancelled).length).toBeLessThan(200);
    expect(await whole).toMatchObject({
      id: wholeId,
      status: "cancelled",
      output_text: textOf(wholeCancelled),
    });
  });

  it("refuses to cancel a response that has ended, with a 400 saying how it ended", async () => {
    const made = await openai.responses.create({ model: "gpt-echo", input: "Done already" });
    const refused = await openai.responses.cancel(made.id).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect(refused).toMatchObject({ status: 400, code: "response_not_in_progress" });
    expect((refused as Error).message).toMatch(/has ended already \(completed\)/);
    expect((await openai.responses.retrieve(made.id)).status).toBe("completed");
  });

  it("answers 404 in OpenAI's shape for another user's response, an unknown id, and a response made with store: false", async () => {
    const bobs = await bob.responses.create({ model: "gpt-echo", input: "Bob's secret" });
    const unstored = await openai.responses.create({ model: "gpt-echo", input: "Gone", store: false });
    for (const id of [bobs.id, unstored.id, "resp_run_unknown", "chatcmpl-123"]) {
      const missing = await openai.responses.retrieve(id).catch((error: unknown) => error);
      expect(missing, id).toBeInstanceOf(OpenAI.NotFoundError);
      expect((missing as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({
        type: "invalid_request_error",
        code: "not_found",
      });
    }
    // Bob reads his own.
    expect((await bob.responses.retrieve(bobs.id)).output_text).toBe("Bob's secret");
  });

  it("streams a response again as the same typed events, from its first or after starting_after", async () => {
    const streamed: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of await openai.responses.create({
      model: "gpt-echo",
      input: "Once more, with feeling",
      stream: true,
    }))
      streamed.push(event);
    const id = (streamed[0] as OpenAI.Responses.ResponseCreatedEvent).response.id;
    // The response read back keeps no settings but its instructions, and says when it ended: the rest is the same.
    const comparable = (event: OpenAI.Responses.ResponseStreamEvent) =>
      "response" in event ? { ...event, response: { ...event.response, completed_at: null } } : event;

    const again: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of await openai.responses.retrieve(id, { stream: true })) again.push(event);
    expect(again.map(comparable)).toEqual(streamed.map(comparable));
    expect(again.at(-1)).toMatchObject({ type: "response.completed", response: { status: "completed" } });

    const after: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of await openai.responses.retrieve(id, { stream: true, starting_after: 3 }))
      after.push(event);
    expect(after.map(comparable)).toEqual(streamed.slice(4).map(comparable));
    expect(after[0]?.sequence_number).toBe(4);
  });

  it("refuses a starting_after that is not a sequence number, or without stream=true, with a 400 naming it", async () => {
    const made = await openai.responses.create({ model: "gpt-echo", input: "Once is enough" });
    for (const query of [
      "stream=true&starting_after=soon",
      "stream=true&starting_after=-1",
      "starting_after=2",
    ]) {
      const refused = await callAs(parley, { key }, `/v1/responses/${made.id}?${query}`);
      expect(refused.status, query).toBe(400);
      const { error } = (await refused.json()) as { error: { message: string; type: string } };
      expect(error.message, query).toContain("`starting_after`");
      expect(error.type).toBe("invalid_request_error");
    }
  });
});

describe("background responses, which go on without their client", () => {
  it("answers a background request at once, in_progress, and goes on writing it until it is cancelled", async () => {
    const made = await openai.responses.create({
      model: "gpt-slow",
      input: "Write on without me",
      background: true,
    });
    expect(made).toMatchObject({ status: "in_progress", background: true });
    let read = await openai.responses.retrieve(made.id);
    for (let attempt = 0; attempt < 250 && read.output_text.length < 10; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      read = await openai.responses.retrieve(made.id);
    }
    expect(read.status).toBe("in_progress");
    expect(read.output_text.length).toBeGreaterThanOrEqual(10);
    const cancelled = await openai.responses.cancel(made.id);
    expect(cancelled.status).toBe("cancelled");
    expect(textOf(cancelled).length).toBeLessThan(200);
  });

  it("resumes a background stream cut off mid-way after the last event it had, and reads it to the end", async () => {
    const controller = new AbortController();
    const first: OpenAI.Responses.ResponseStreamEvent[] = [];
    const deltas = (events: OpenAI.Responses.ResponseStreamEvent[]) =>
      events.flatMap((event) => (event.type === "response.output_text.delta" ? [event.delta] : []));
    try {
      const stream = await openai.responses.create(
        { model: "gpt-slow", input: "Stream on without me", background: true, stream: true },
        { signal: controller.signal },
      );
      for await (const event of stream) {
        first.push(event);
        if (deltas(first).length >= 10) controller.abort();
      }
    } catch (error) {
      expect((error as Error).name).toMatch(/Abort/);
    }
    const id = (first[0] as OpenAI.Responses.ResponseCreatedEvent).response.id;
    const last = first.length - 1;
    expect(first.map((event) => event.sequence_number)).toEqual([...first.keys()]);
    // Its client gone, the reply goes on.
    expect((await openai.responses.retrieve(id)).status).toBe("in_progress");

    const resumed = openai.responses.stream({ response_id: id, starting_after: last });
    const rest: OpenAI.Responses.ResponseStreamEvent[] = [];
    resumed.on("event", (event) => rest.push(event));
    const final = await resumed.finalResponse();
    expect(rest.map((event) => event.sequence_number)).toEqual(rest.map((_, index) => last + 1 + index));
    expect(final).toMatchObject({ id, status: "completed" });
    const text = textOf(final);
    expect(text).toHaveLength(200);
    expect([...deltas(first), ...deltas(rest)].join("")).toBe(text);
  });

  it("refuses a background response that is not stored, with a 400 naming background", async () => {
    const refused = await openai.responses
      .create({ model: "gpt-echo", input: "Not kept", background: true, store: false })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as Error).message).toMatch(/`background`: .* must be stored/);
  });
});

describe("deleting a response with responses.delete", () => {
  const notFound = async (id: string) => {
    const missing = await openai.responses.retrieve(id).catch((error: unknown) => error);
    expect(missing, id).toBeInstanceOf(OpenAI.NotFoundError);
  };

  it("deletes a response with its conversation, after which it is neither read nor gone on from", async () => {
    const made = await openai.responses.create({ model: "gpt-echo", input: "Delete me whole" });
    const deleted = await callAs(parley, { key }, `/v1/responses/${made.id}`, { method: "DELETE" });
    expect(await deleted.json()).toEqual({ id: made.id, object: "response", deleted: true });
    await notFound(made.id);
    expect((await conversationsOf({ key })).some((c) => c.title === "Delete me whole")).toBe(false);
    const goneOn = await openai.responses
      .create({ model: "gpt-echo", previous_response_id: made.id, input: "And then?" })
      .catch((error: unknown) => error);
    expect(goneOn).toMatchObject({ status: 400, code: "previous_response_not_found" });
    // Another user's, or one deleted already, is not found.
    const bobs = await bob.responses.create({ model: "gpt-echo", input: "Bob keeps this" });
    for (const id of [bobs.id, made.id]) {
      const refused = await openai.responses.delete(id).catch((error: unknown) => error);
      expect(refused, id).toBeInstanceOf(OpenAI.NotFoundError);
    }
    expect((await bob.responses.retrieve(bobs.id)).status).toBe("completed");
  });

  it("refuses to delete a response that later ones go on from (409), and deletes the last one's turns alone", async () => {
    const first = await openai.responses.create({ model: "gpt-echo", input: "Keep the first" });
    const second = await openai.responses.create({
      model: "gpt-echo",
      previous_response_id: first.id,
      input: "Drop the second",
    });
    const refused = await openai.responses.delete(first.id).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.ConflictError);
    expect((refused as Error).message).toMatch(/Later turns follow this reply/);

    await openai.responses.delete(second.id);
    await notFound(second.id);
    expect((await openai.responses.retrieve(first.id)).output_text).toBe("Keep the first");
    const conversation = (await conversationsOf({ key })).find((c) => c.title === "Keep the first");
    expect((await messagesOf(conversation?.id ?? "")).map((m) => m.content)).toEqual([
      "Keep the first",
      "Keep the first",
    ]);
    // The first, now the last, goes with its conversation.
    await openai.responses.delete(first.id);
    expect((await conversationsOf({ key })).some((c) => c.title === "Keep the first")).toBe(false);
  });

  it("stops a response still being written before it deletes it", async () => {
    const made = await openai.responses.create({
      model: "gpt-slow",
      input: "Delete me early",
      background: true,
    });
    expect(made.status).toBe("in_progress");
    await openai.responses.delete(made.id);
    await notFound(made.id);
    expect((await conversationsOf({ key })).some((c) => c.title === "Delete me early")).toBe(false);
  });
});

describe("listing what a response answered with responses.inputItems.list", () => {
  it("lists the turns after the previous response, newest first: a function's result alone after the response that called it", async () => {
    const first = await openai.responses.create({
      model: "gpt-tools",
      input: "Weather in Rome?",
      tools: [weather],
      parallel_tool_calls: false,
    });
    const call = first.output.find(
      (item): item is OpenAI.Responses.ResponseFunctionToolCall => item.type === "function_call",
    );
    const second = await openai.responses.create({
      model: "gpt-tools",
      previous_response_id: first.id,
      input: [{ type: "function_call_output", call_id: call?.call_id as string, output: "25°C" }],
      tools: [weather],
    });
    const page = await openai.responses.inputItems.list(second.id);
    expect(page.data).toMatchObject([
      { type: "function_call_output", call_id: call?.call_id, output: "25°C", status: "completed" },
    ]);
    expect(page.has_more).toBe(false);
    // The first response answered one user message, without its instructions.
    expect((await openai.responses.inputItems.list(first.id)).data).toMatchObject([
      { type: "message", role: "user", content: [{ type: "input_text", text: "Weather in Rome?" }] },
    ]);
  });

  it("lists a conversation sent whole as its items, oldest first when asked, a page at a time, with images by their file id", async () => {
    const png = `data:image/png;base64,${samplePng(4, 3).toString("base64")}`;
    const made = await openai.responses.create({
      model: "gpt-vision",
      instructions: "Look closely.",
      input: [
        { role: "user", content: "Hello" },
        { role: "assistant", content: "Hi, what shall I look at?" },
        {
          role: "user",
          content: [
            { type: "input_text", text: "This picture" },
            { type: "input_image", image_url: png, detail: "auto" },
          ],
        },
      ],
    });
    const all = await openai.responses.inputItems.list(made.id, { order: "asc" });
    expect(all.data).toMatchObject([
      { type: "message", role: "user", content: [{ type: "input_text", text: "Hello" }] },
      {
        type: "message",
        role: "assistant",
        content: [{ type: "output_text", text: "Hi, what shall I look at?" }],
      },
      {
        type: "message",
        role: "user",
        content: [
          { type: "input_text", text: "This picture" },
          { type: "input_image", file_id: expect.stringMatching(/^file_/) },
        ],
      },
    ]);
    // The image is the file Parley keeps.
    const image = (all.data[2] as { content: { file_id?: string }[] }).content[1]?.file_id;
    expect((await callAs(parley, { key }, `/api/files/${image}`)).status).toBe(200);

    // Newest first by default; a page of two, then the rest after the last one listed.
    const firstPage = await openai.responses.inputItems.list(made.id, { limit: 2 });
    expect(firstPage.data.map((item) => item.id)).toEqual([all.data[2]?.id, all.data[1]?.id]);
    expect(firstPage.has_more).toBe(true);
    const rest = await openai.responses.inputItems.list(made.id, { limit: 2, after: firstPage.data[1]?.id });
    expect(rest.data.map((item) => item.id)).toEqual([all.data[0]?.id]);
    expect(rest.has_more).toBe(false);

    const wrongAfter = await callAs(
      parley,
      { key },
      `/v1/responses/${made.id}/input_items?after=msg_nowhere`,
    );
    expect(wrongAfter.status).toBe(400);
    const wrongLimit = await callAs(parley, { key }, `/v1/responses/${made.id}/input_items?limit=0`);
    expect(wrongLimit.status).toBe(400);
  });

  it("answers 404 for another user's response and one made with store: false", async () => {
    const bobs = await bob.responses.create({ model: "gpt-echo", input: "Bob's input" });
    const unstored = await openai.responses.create({ model: "gpt-echo", input: "Unkept", store: false });
    for (const id of [bobs.id, unstored.id]) {
      const missing = await openai.responses.inputItems.list(id).catch((error: unknown) => error);
      expect(missing, id).toBeInstanceOf(OpenAI.NotFoundError);
    }
  });
});
