/**
 * JSON replies (`response_format`) on the OpenAI-compatible API with remote models: what reaches the upstream, which
 * models may be asked, how `auto` and failover choose among them, and what a malformed request is told. And what a
 * streamed request is told when its model fails before answering.
 */
import OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import type { FaultUpstream } from "./support/fault-upstream.js";
import type { ParleyProcess } from "./support/parley-process.js";
import { anthropicProvider, faultModel, openAIProvider } from "./support/remote-config.js";
import { startRemoteParley } from "./support/remote-parley.js";

let upstream: FaultUpstream;
let parley: ParleyProcess;
let openai: OpenAI;

beforeAll(async () => {
  const served = await startRemoteParley((upstream) => ({
    providers: [
      openAIProvider("openai", upstream, [
        faultModel("json-ok", "ok@json", { tier: "balanced", pricing: { input: 3, output: 15 } }),
        // A cheap OpenAI-compatible server that does not take response_format.
        faultModel("plain-fast", "ok@plain", {
          tier: "fast",
          pricing: { input: 0.1, output: 0.2 },
          structuredOutputs: false,
        }),
        // Always 503: its chain goes on to the Anthropic model first, then to json-ok.
        faultModel("json-down", "503@down", { tier: "smart", fallbacks: ["claude", "json-ok"] }),
        // Always 503, with nothing to fall back to.
        faultModel("always-down", "503@alone", { tier: "smart" }),
        // Headers at once, the first text a second later.
        faultModel("slow-start", "slow-first-token@start", { tier: "smart" }),
      ]),
      anthropicProvider("anthropic", upstream, [
        // A server of Anthropic's API that cannot be held to JSON (it would not take the forced tool call).
        faultModel("claude", "ok@claude", {
          tier: "fast",
          pricing: { input: 0.05, output: 0.1 },
          structuredOutputs: false,
        }),
        // A model that calls the tools it is offered, as Anthropic's own do.
        faultModel("claude-json", "tools@claude-json", { tier: "smart", pricing: { input: 15, output: 75 } }),
      ]),
    ],
  }));
  ({ parley, upstream } = served);
  openai = new OpenAI({ baseURL: `${parley.url}/v1`, apiKey: "unused", maxRetries: 0 });
  return served.stop;
});

const messages = [{ role: "user" as const, content: "Answer in JSON." }];
const SCHEMA = {
  type: "object",
  properties: { answer: { type: "string" } },
  required: ["answer"],
  additionalProperties: false,
};

function post(body: Record<string, unknown>) {
  return fetch(`${parley.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "json-ok", messages, ...body }),
  });
}

describe("JSON replies on /v1/chat/completions with remote models", () => {
  it("sends response_format to an OpenAI-compatible upstream as OpenAI's API takes it, streamed or not", async () => {
    const answer = await openai.chat.completions.create({
      model: "json-ok",
      messages,
      response_format: {
        type: "json_schema",
        json_schema: { name: "answer_v1", description: "One answer.", schema: SCHEMA, strict: true },
      },
    });
    expect(answer.choices[0]?.message.content).toBe(upstream.replyText("ok@json"));
    expect(upstream.requestsFor("ok@json").at(-1)?.body.response_format).toEqual({
      type: "json_schema",
      json_schema: { name: "answer_v1", description: "One answer.", schema: SCHEMA, strict: true },
    });

    const stream = await openai.chat.completions.create({
      model: "json-ok",
      messages,
      response_format: { type: "json_object" },
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe(upstream.replyText("ok@json"));
    expect(upstream.requestsFor("ok@json").at(-1)?.body.response_format).toEqual({ type: "json_object" });

    // `text`, what clients send by default, asks for nothing and sends nothing.
    await openai.chat.completions.create({ model: "json-ok", messages, response_format: { type: "text" } });
    expect(upstream.requestsFor("ok@json").at(-1)?.body).not.toHaveProperty("response_format");
  });

  it("refuses a model that cannot be held to JSON, naming the models that can, and calls no upstream", async () => {
    const before = upstream.requests.length;
    for (const model of ["claude", "plain-fast"]) {
      const refusal = await openai.chat.completions
        .create({ model, messages, response_format: { type: "json_object" } })
        .catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(OpenAI.BadRequestError);
      expect((refusal as Error).message).toMatch(
        new RegExp(`"${model}" cannot be held to JSON replies.*Models that can: "json-ok", "json-down"`),
      );
    }
    expect(upstream.requests.length).toBe(before);
  });

  it("routes `auto` to the cheapest model that can be held to JSON, past cheaper ones that cannot", async () => {
    const json = await openai.chat.completions.create({
      model: "auto",
      messages,
      response_format: { type: "json_object" },
    });
    expect(json.model).toBe("json-ok");
    // Without JSON asked for, the cheapest model answers.
    const plain = await openai.chat.completions.create({ model: "auto", messages });
    expect(plain.model).toBe("claude");
  });

  it("fails over past fallbacks that cannot be held to JSON, and to them when no JSON is asked for", async () => {
    const claudeCalls = () => upstream.requestsFor("ok@claude").length;
    const before = claudeCalls();
    const json = await openai.chat.completions.create({
      model: "json-down",
      messages,
      response_format: { type: "json_object" },
    });
    expect(json.choices[0]?.message.content).toBe(upstream.replyText("ok@json"));
    expect(claudeCalls()).toBe(before);
    expect(upstream.requestsFor("ok@json").at(-1)?.body.response_format).toEqual({ type: "json_object" });

    const plain = await openai.chat.completions.create({ model: "json-down", messages });
    expect(plain.choices[0]?.message.content).toBe(upstream.replyText("ok@claude"));
    expect(claudeCalls()).toBe(before + 1);
  });

  it("holds an Anthropic model's reply to JSON with a forced call of a tool made from the schema, streamed and not", async () => {
    const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };
    const format = { type: "json_schema" as const, json_schema: { name: "place", schema } };
    const plain = await openai.chat.completions.create({
      model: "claude-json",
      messages,
      response_format: format,
    });
    expect(JSON.parse(plain.choices[0]?.message.content ?? "")).toEqual({ city: "Paris" });
    expect(plain.choices[0]?.finish_reason).toBe("stop");
    const sent = upstream.requestsFor("tools@claude-json").at(-1);
    expect(sent?.body.tools).toEqual([
      { name: "place", description: expect.any(String), input_schema: schema },
    ]);
    expect(sent?.body.tool_choice).toEqual({ type: "tool", name: "place", disable_parallel_tool_use: true });

    const streamed = await openai.chat.completions
      .stream({ model: "claude-json", messages, response_format: { type: "json_object" } })
      .finalChatCompletion();
    expect(JSON.parse(streamed.choices[0]?.message.content ?? "")).toEqual({ city: "Paris" });
    expect(upstream.requestsFor("tools@claude-json").at(-1)?.body.tool_choice).toMatchObject({
      name: "json_reply",
    });

    // Its API takes object schemas only as a tool's input: another is the client's 400, and no fallback is tried.
    const array = await openai.chat.completions
      .create({
        model: "claude-json",
        messages,
        response_format: { type: "json_schema", json_schema: { name: "list", schema: { type: "array" } } },
      })
      .catch((error: unknown) => error);
    expect(array).toBeInstanceOf(OpenAI.BadRequestError);
    expect((array as Error).message).toMatch(/only as objects/);
    // Nor can it be offered tools besides: its JSON is a tool call of Parley's own.
    const withTools = await openai.chat.completions
      .create({
        model: "claude-json",
        messages,
        response_format: { type: "json_object" },
        tools: [{ type: "function", function: { name: "lookup" } }],
      })
      .catch((error: unknown) => error);
    expect(withTools).toBeInstanceOf(OpenAI.BadRequestError);
    expect((withTools as Error).message).toMatch(/cannot also be offered tools/);
  });

  it("answers a malformed response_format with a 400 that names what is wrong", async () => {
    const cases: [unknown, RegExp][] = [
      [{ type: "xml" }, /response_format.*must be \{"type": "text"\}, \{"type": "json_object"\} or/],
      [{ type: "json_schema" }, /response_format\.json_schema`: must be an object with the schema.s "name"/],
      [{ type: "json_schema", json_schema: { name: "has space" } }, /name.*1-64 letters/],
      [{ type: "json_schema", json_schema: { name: "ok", schema: "object" } }, /schema.*JSON Schema object/],
    ];
    for (const [format, message] of cases) {
      const response = await post({ response_format: format });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: { message: string; type: string } };
      expect(body.error.type).toBe("invalid_request_error");
      expect(body.error.message).toMatch(message);
    }
  });
});

describe("a streamed request whose model fails before answering", () => {
  it("is the HTTP error the SDKs act on, in each API's shape, not a 200 stream with the error inside", async () => {
    const openAIFailure = await openai.chat.completions
      .create({ model: "always-down", messages, stream: true })
      .catch((error: unknown) => error);
    expect(openAIFailure).toBeInstanceOf(OpenAI.APIError);
    expect((openAIFailure as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((openAIFailure as Error).message).toMatch(/HTTP 503/);

    const response = await fetch(`${parley.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: "always-down", max_tokens: 50, messages, stream: true }),
    });
    expect(response.status).toBe(502);
    expect(response.headers.get("content-type")).toMatch(/application\/json/);
    expect(await response.json()).toMatchObject({ type: "error", error: { type: "api_error" } });

    // A model that answers still streams as before.
    const stream = await openai.chat.completions.create({ model: "json-ok", messages, stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe(upstream.replyText("ok@json"));
  });

  it("still sends the stream's headers as soon as the model's server takes the request, not at its first token", async () => {
    const sentAt = performance.now();
    const response = await fetch(`${parley.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "slow-start", messages, stream: true }),
    });
    const headersAfterMs = performance.now() - sentAt;
    expect(response.status).toBe(200);
    const body = await response.text();
    const replyAfterMs = performance.now() - sentAt;
    expect(body).toContain("Hello");
    // The upstream waits a second before its first text; the headers came well before the reply.
    expect(replyAfterMs).toBeGreaterThanOrEqual(1000);
    expect(headersAfterMs).toBeLessThan(replyAfterMs - 500);
  });
});
