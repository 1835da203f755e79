/**
 * Anthropic's prompt cache through Parley: a request to an Anthropic model marks the end of its system prompt and,
 * in a conversation under way, of its last turn as cache breakpoints, so the conversation's next request reads that
 * prefix from the cache. A prompt whose beginning will not recur (a bot's knowledge passages for one question) and a
 * provider configured with `promptCaching: false` are sent none. A client that marks its own breakpoints
 * (`cache_control` on /v1/messages) has them kept where it put them, and Parley adds none.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { sendMessage } from "./support/ask-parley.js";
import type { FaultUpstream } from "./support/fault-upstream.js";
import { type ParleyProcess, sendJson } from "./support/parley-process.js";
import { anthropicProvider, faultModel } from "./support/remote-config.js";
import { startRemoteParley } from "./support/remote-parley.js";

let upstream: FaultUpstream;
let parley: ParleyProcess;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  const served = await startRemoteParley((upstream) => ({
    providers: [
      anthropicProvider("anthropic", upstream, [faultModel("claude", "ok@cached-claude")]),
      anthropicProvider("uncached", upstream, [faultModel("claude-uncached", "ok@uncached-claude")], {
        promptCaching: false,
      }),
    ],
  }));
  ({ parley, upstream } = served);
  openai = new OpenAI({ baseURL: `${parley.url}/v1`, apiKey: "unused", maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: parley.url, apiKey: "unused", maxRetries: 0 });
  return served.stop;
});

const EPHEMERAL = { type: "ephemeral" };
const conversation: OpenAI.ChatCompletionMessageParam[] = [
  { role: "system", content: "You translate technical articles." },
  { role: "user", content: "Translate: one" },
  { role: "assistant", content: "un" },
  { role: "user", content: "Translate: two" },
];

describe("Anthropic's prompt cache", () => {
  it("is asked to keep the system prompt and the conversation up to its last turn", async () => {
    await openai.chat.completions.create({ model: "claude", messages: conversation });
    const body = upstream.requestsFor("ok@cached-claude").at(-1)?.body as {
      system: unknown;
      messages: { role: string; content: unknown }[];
    };
    expect(body.system).toEqual([
      { type: "text", text: "You translate technical articles.", cache_control: EPHEMERAL },
    ]);
    expect(body.messages).toEqual([
      { role: "user", content: "Translate: one" },
      { role: "assistant", content: "un" },
      { role: "user", content: [{ type: "text", text: "Translate: two", cache_control: EPHEMERAL }] },
    ]);
  });

  it("is asked to keep the system prompt of a single question, and not the question, which will most likely not recur", async () => {
    await openai.chat.completions.create({ model: "claude", messages: conversation.slice(0, 2) });
    const body = upstream.requestsFor("ok@cached-claude").at(-1)?.body as {
      system: unknown;
      messages: unknown;
    };
    expect(body.system).toEqual([
      { type: "text", text: "You translate technical articles.", cache_control: EPHEMERAL },
    ]);
    expect(body.messages).toEqual([{ role: "user", content: "Translate: one" }]);
  });

  it("is not asked to keep the prompt of a bot whose knowledge passages, chosen for each question, open it", async () => {
    const bot = await sendJson<{ id: string }>(parley, "/api/bots", {
      name: "Guide",
      instructions: "Answer from the guide.",
      model: "claude",
    });
    await sendJson(parley, `/api/bots/${bot.id}/knowledge`, {
      title: "Event loop guide",
      content: "Timers fire after their delay. Microtasks run before the next timer.",
    });
    const first = await sendMessage(parley, { content: "When do timers fire?" }, { botId: bot.id });
    expect(first.status).toBe(200);
    await sendMessage(parley, { content: "And microtasks?" }, { conversationId: first.conversationId });
    const body = upstream.requestsFor("ok@cached-claude").at(-1)?.body as { system: string };
    expect(body.system).toMatch(/Microtasks run before the next timer/);
    expect(JSON.stringify(body)).not.toContain("cache_control");
  });

  it("is not asked to keep anything for a provider configured with promptCaching: false", async () => {
    await openai.chat.completions.create({ model: "claude-uncached", messages: conversation });
    const body = upstream.requestsFor("ok@uncached-claude").at(-1)?.body as Record<string, unknown>;
    expect(body.system).toBe("You translate technical articles.");
    expect(JSON.stringify(body)).not.toContain("cache_control");
  });
});

describe("Anthropic's prompt cache with the client's own breakpoints", () => {
  const document = "A long article about the event loop. ".repeat(20);
  const HOUR = { type: "ephemeral", ttl: "1h" };

  it("keeps each where the client marked it, inside a message too, with its time to live, and adds none of Parley's", async () => {
    await anthropic.messages.create({
      model: "claude",
      max_tokens: 50,
      system: [
        { type: "text", text: "You answer from documents." },
        { type: "text", text: " Quote them.", cache_control: { type: "ephemeral", ttl: "1h" } },
      ],
      tools: [
        {
          name: "search",
          input_schema: { type: "object" },
          cache_control: { type: "ephemeral" },
        },
      ],
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: document, cache_control: { type: "ephemeral" } },
            { type: "text", text: "What does it say about timers?" },
          ],
        },
        { role: "assistant", content: "That they fire after their delay." },
        { role: "user", content: "And microtasks?" },
      ],
    });
    const body = upstream.requestsFor("ok@cached-claude").at(-1)?.body as {
      system: unknown;
      tools: unknown;
      messages: unknown;
    };
    expect(body.system).toEqual([
      { type: "text", text: "You answer from documents. Quote them.", cache_control: HOUR },
    ]);
    expect(body.tools).toEqual([
      { name: "search", input_schema: { type: "object" }, cache_control: EPHEMERAL },
    ]);
    // The document alone is the cached prefix of the first message: the question after it may change.
    expect(body.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: document, cache_control: EPHEMERAL },
          { type: "text", text: "What does it say about timers?" },
        ],
      },
      { role: "assistant", content: "That they fire after their delay." },
      { role: "user", content: "And microtasks?" },
    ]);
  });

  it("marks a tool result and a call the client marked", async () => {
    await anthropic.messages.create({
      model: "claude",
      max_tokens: 50,
      tools: [{ name: "search", input_schema: { type: "object" } }],
      messages: [
        { role: "user", content: "Find timers." },
        {
          role: "assistant",
          content: [{ type: "tool_use", id: "call_1", name: "search", input: { q: "timers" } }],
        },
        {
          role: "user",
          content: [
            {
              type: "tool_result",
              tool_use_id: "call_1",
              content: "Timers fire after their delay.",
              cache_control: { type: "ephemeral" },
            },
          ],
        },
      ],
    });
    const body = upstream.requestsFor("ok@cached-claude").at(-1)?.body as {
      system?: unknown;
      messages: unknown[];
    };
    expect(body.system).toBeUndefined();
    expect(body.messages.at(-1)).toEqual({
      role: "user",
      content: [
        {
          type: "tool_result",
          tool_use_id: "call_1",
          content: "Timers fire after their delay.",
          cache_control: EPHEMERAL,
        },
      ],
    });
    expect(JSON.stringify(body.messages.slice(0, -1))).not.toContain("cache_control");
  });

  it("refuses more breakpoints than Anthropic's four by name, before anything reaches a model", async () => {
    const before = upstream.requests.length;
    const marked = { type: "ephemeral" as const };
    const refused = await anthropic.messages
      .create({
        model: "claude",
        max_tokens: 50,
        system: [{ type: "text", text: "One.", cache_control: marked }],
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "Two.", cache_control: marked },
              { type: "text", text: "Three.", cache_control: marked },
              { type: "text", text: "Four.", cache_control: marked },
              { type: "text", text: "Five.", cache_control: marked },
            ],
          },
        ],
      })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Anthropic.BadRequestError);
    expect((refused as Error).message).toMatch(/cache_control.*at most 4.*marks 5/);
    expect(upstream.requests.length).toBe(before);
  });

  it("sends none of the client's marks to a provider configured with promptCaching: false", async () => {
    await anthropic.messages.create({
      model: "claude-uncached",
      max_tokens: 50,
      messages: [
        { role: "user", content: [{ type: "text", text: document, cache_control: { type: "ephemeral" } }] },
      ],
    });
    const body = upstream.requestsFor("ok@uncached-claude").at(-1)?.body;
    expect(JSON.stringify(body)).not.toContain("cache_control");
  });
});
