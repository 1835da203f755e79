/**
 * The sampling settings a client sends on either compatible API, as each kind of upstream receives them: for an
 * OpenAI-compatible server all of OpenAI's (and `top_k`, which OpenAI's API refuses, only to a server configured as
 * reading it), and for Anthropic's API those it has (it has no seed and no penalties).
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import type { FaultUpstream } from "./support/fault-upstream.js";
import type { ParleyProcess } from "./support/parley-process.js";
import { anthropicProvider, faultModel, openAIProvider } from "./support/remote-config.js";
import { startRemoteParley } from "./support/remote-parley.js";

let upstream: FaultUpstream;
let parley: ParleyProcess;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  const served = await startRemoteParley((upstream) => ({
    providers: [
      openAIProvider("openai", upstream, [
        faultModel("gpt", "ok@sampling-gpt"),
        faultModel("o-model", "reasoning@sampling-o"),
      ]),
      anthropicProvider("anthropic", upstream, [faultModel("claude", "ok@sampling-claude")]),
      openAIProvider("vllm", upstream, [faultModel("vllm-model", "ok@sampling-vllm")], { readsTopK: true }),
    ],
  }));
  ({ parley, upstream } = served);
  openai = new OpenAI({ baseURL: `${parley.url}/v1`, apiKey: "unused", maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: parley.url, apiKey: "unused", maxRetries: 0 });
  return served.stop;
});

const settings = {
  messages: [{ role: "user" as const, content: "Say hello." }],
  temperature: 0.3,
  top_p: 0.9,
  stop: ["END"],
  seed: 42,
  max_completion_tokens: 50,
  presence_penalty: 0.5,
  frequency_penalty: -1,
  reasoning_effort: "low" as const,
};

describe("sampling settings on /v1/chat/completions", () => {
  it("reach an OpenAI-compatible upstream as the client sent them", async () => {
    await openai.chat.completions.create({ model: "gpt", ...settings });
    expect(upstream.requestsFor("ok@sampling-gpt").at(-1)?.body).toMatchObject({
      temperature: 0.3,
      top_p: 0.9,
      stop: ["END"],
      seed: 42,
      max_tokens: 50,
      presence_penalty: 0.5,
      frequency_penalty: -1,
      reasoning_effort: "low",
    });
  });

  it("reach Anthropic's API as the ones it has, without a seed, penalties or reasoning effort it would refuse", async () => {
    await openai.chat.completions.create({ model: "claude", ...settings });
    const body = upstream.requestsFor("ok@sampling-claude").at(-1)?.body;
    expect(body).toMatchObject({ temperature: 0.3, top_p: 0.9, stop_sequences: ["END"], max_tokens: 50 });
    for (const field of ["seed", "presence_penalty", "frequency_penalty", "reasoning_effort"])
      expect(body).not.toHaveProperty(field);
  });

  it("reach a model that reads only max_completion_tokens (OpenAI's reasoning models) with the token limit there", async () => {
    const completion = await openai.chat.completions.create({
      model: "o-model",
      messages: settings.messages,
      max_tokens: 30,
    });
    expect(completion.choices[0]?.message.content).toBe("Hello from reasoning@sampling-o.");
    const bodies = upstream.requestsFor("reasoning@sampling-o").map((request) => request.body);
    expect(bodies.at(-1)).toMatchObject({ max_completion_tokens: 30 });
    expect(bodies.at(-1)).not.toHaveProperty("max_tokens");
    // Without a limit from the client, Parley's own default limit goes to the same field.
    await openai.chat.completions.create({ model: "o-model", messages: settings.messages });
    expect(upstream.requestsFor("reasoning@sampling-o").at(-1)?.body).toHaveProperty("max_completion_tokens");
  });

  it("sends no penalty when the client sends 0, as clients do by default, and refuses a penalty or effort out of range", async () => {
    await openai.chat.completions.create({
      model: "gpt",
      messages: settings.messages,
      presence_penalty: 0,
      frequency_penalty: 0,
    });
    const body = upstream.requestsFor("ok@sampling-gpt").at(-1)?.body;
    expect(body).not.toHaveProperty("presence_penalty");
    expect(body).not.toHaveProperty("frequency_penalty");
    const refused = await openai.chat.completions
      .create({ model: "gpt", messages: settings.messages, frequency_penalty: 2.5 })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as Error).message).toMatch(/frequency_penalty/);
    const effort = await openai.chat.completions
      .create({
        model: "gpt",
        messages: settings.messages,
        reasoning_effort: "extreme" as "low",
      })
      .catch((error: unknown) => error);
    expect(effort).toBeInstanceOf(OpenAI.BadRequestError);
    expect((effort as Error).message).toMatch(/reasoning_effort/);
  });
});

describe("sampling settings on /v1/messages", () => {
  // This SDK's request type lacks top_k, which the API takes.
  const settings = {
    max_tokens: 50,
    messages: [{ role: "user" as const, content: "Say hello." }],
    temperature: 0.3,
    top_p: 0.9,
    top_k: 5,
    stop_sequences: ["END"],
  } as Omit<Anthropic.MessageCreateParamsNonStreaming, "model">;

  it("reach Anthropic's API whole, top_k included", async () => {
    await anthropic.messages.create({ ...settings, model: "claude" });
    expect(upstream.requestsFor("ok@sampling-claude").at(-1)?.body).toMatchObject({
      temperature: 0.3,
      top_p: 0.9,
      top_k: 5,
      stop_sequences: ["END"],
      max_tokens: 50,
    });
  });

  it("reach an OpenAI-compatible upstream as OpenAI's fields, leaving out the top_k its API would refuse", async () => {
    await anthropic.messages.create({ ...settings, model: "gpt" });
    const body = upstream.requestsFor("ok@sampling-gpt").at(-1)?.body;
    expect(body).toMatchObject({ temperature: 0.3, top_p: 0.9, stop: ["END"], max_tokens: 50 });
    expect(body).not.toHaveProperty("top_k");
  });

  it("reach an OpenAI-compatible server configured as reading top_k (vLLM, llama.cpp's server) with top_k too", async () => {
    await anthropic.messages.create({ ...settings, model: "vllm-model" });
    expect(upstream.requestsFor("ok@sampling-vllm").at(-1)?.body).toMatchObject({ top_k: 5, top_p: 0.9 });
    // On OpenAI's API too, where top_k is the extension those servers take.
    await openai.chat.completions.create({
      model: "vllm-model",
      messages: [{ role: "user", content: "Say hello." }],
      top_k: 3,
    } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    expect(upstream.requestsFor("ok@sampling-vllm").at(-1)?.body).toMatchObject({ top_k: 3 });
  });

  it("refuses extended thinking of a model that cannot think, by name, and lets turning it off pass", async () => {
    const refused = await anthropic.messages
      .create({
        ...settings,
        model: "gpt",
        thinking: { type: "enabled", budget_tokens: 1024 },
      } as Anthropic.MessageCreateParamsNonStreaming)
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Anthropic.BadRequestError);
    expect((refused as Error).message).toMatch(/cannot think before it answers/);
    const before = upstream.requestsFor("ok@sampling-gpt").length;
    await anthropic.messages.create({
      ...settings,
      model: "gpt",
      thinking: { type: "disabled" },
    } as Anthropic.MessageCreateParamsNonStreaming);
    expect(upstream.requestsFor("ok@sampling-gpt").length).toBe(before + 1);
  });

  it("passes Anthropic's output_config.effort on to an OpenAI-compatible server as its reasoning effort, xhigh and max as high", async () => {
    for (const [effort, sent] of [
      ["low", "low"],
      ["max", "high"],
    ] as const) {
      await anthropic.messages.create({ ...settings, model: "o-model", output_config: { effort } });
      expect(upstream.requestsFor("reasoning@sampling-o").at(-1)?.body).toMatchObject({
        reasoning_effort: sent,
      });
    }
  });

  it("refuses by name, on either API, what needs servers Parley does not run or a setting it cannot honour; nothing reaches a model", async () => {
    const before = upstream.requests.length;
    const anthropicRefusals: [Record<string, unknown>, RegExp][] = [
      [
        { mcp_servers: [{ type: "url", url: "https://mcp.example.com", name: "docs" }] },
        /`mcp_servers`: Parley connects to no MCP server/,
      ],
      [{ container: "container_1" }, /`container`: Parley runs no code execution container/],
      [
        { tools: [{ type: "web_search_20250305", name: "web_search" }] },
        /`tools\.0\.type`: only custom tools are supported: Parley runs no server tool/,
      ],
    ];
    for (const [fields, message] of anthropicRefusals) {
      const refused = await anthropic.messages
        .create({ ...settings, model: "claude", ...fields } as Anthropic.MessageCreateParamsNonStreaming)
        .catch((error: unknown) => error);
      expect(refused, JSON.stringify(fields)).toBeInstanceOf(Anthropic.BadRequestError);
      expect((refused as Error).message).toMatch(message);
    }
    const openAIRefusals: [Record<string, unknown>, RegExp][] = [
      [{ web_search_options: {} }, /`web_search_options`: Parley's models do not search the web/],
      [{ verbosity: "low" }, /`verbosity`: Parley cannot set a reply's verbosity/],
      [{ logit_bias: { "50256": -100 } }, /`logit_bias`: Parley cannot bias tokens by their ids/],
    ];
    for (const [fields, message] of openAIRefusals) {
      const refused = await openai.chat.completions
        .create({
          model: "gpt",
          messages: [{ role: "user", content: "Say hello." }],
          ...fields,
        } as OpenAI.ChatCompletionCreateParamsNonStreaming)
        .catch((error: unknown) => error);
      expect(refused, JSON.stringify(fields)).toBeInstanceOf(OpenAI.BadRequestError);
      expect((refused as Error).message).toMatch(message);
    }
    expect(upstream.requests.length).toBe(before);
    // Their harmless values pass.
    await openai.chat.completions.create({
      model: "gpt",
      messages: [{ role: "user", content: "Say hello." }],
      verbosity: "medium",
      logit_bias: {},
    } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    await anthropic.messages.create({
      ...settings,
      model: "claude",
      mcp_servers: [],
      container: null,
    } as Anthropic.MessageCreateParamsNonStreaming);
    expect(upstream.requests.length).toBe(before + 2);
  });
});
