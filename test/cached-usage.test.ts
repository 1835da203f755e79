/**
 * Prompt-cache usage from upstream to client: what an upstream read from and wrote to its prompt cache comes back on
 * both compatible APIs in each one's own shape (whichever API the upstream spoke), is kept with the stored reply,
 * is charged at the model's cache prices, and is summed in the usage ledger (GET /api/usage) and /metrics.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { CACHE_READ_TOKENS, CACHE_WRITE_TOKENS, type FaultUpstream } from "./support/fault-upstream.js";
import type { ParleyProcess } from "./support/parley-process.js";
import { anthropicProvider, faultModel, openAIProvider } from "./support/remote-config.js";
import { startRemoteParley } from "./support/remote-parley.js";

let parley: ParleyProcess;
let upstream: FaultUpstream;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  const served = await startRemoteParley((upstream) => ({
    providers: [
      openAIProvider("openai", upstream, [
        // OpenAI's own discount on cached input, said in the config: Parley assumes none of a compatible server.
        faultModel("gpt", "cached@gpt", { pricing: { input: 2, output: 8, cachedInput: 1 } }),
        faultModel("gpt-plain", "ok@gpt-plain"),
      ]),
      // Anthropic's cache prices follow from its input price: reads at 0.1 times, writes at 1.25 times.
      anthropicProvider("anthropic", upstream, [
        faultModel("claude", "cached@claude", { pricing: { input: 3, output: 15 } }),
        faultModel("claude-plain", "ok@claude-plain"),
      ]),
    ],
  }));
  ({ parley, upstream } = served);
  openai = new OpenAI({ baseURL: `${parley.url}/v1`, apiKey: "unused", maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: parley.url, apiKey: "unused", maxRetries: 0 });
  return served.stop;
});

const messages = [{ role: "user" as const, content: "Say hello." }];
/** The fault upstream counts a word as a token: the request's own words, beside what the cache served and stored. */
const ownWords = 2;
/** `Hello from <model>.`, a token a word. */
const outputTokens = 3;
/** The whole prompt, as Parley (and OpenAI's `prompt_tokens`) counts it. */
const wholePrompt = ownWords + CACHE_READ_TOKENS + CACHE_WRITE_TOKENS;

/** `claude` at $3 in, $15 out: the uncached words at $3, reads at $0.30, writes at $3.75 (per million). */
const claudeCost =
  (ownWords * 3 + CACHE_READ_TOKENS * 0.3 + CACHE_WRITE_TOKENS * 3.75 + outputTokens * 15) / 1e6;
/** `gpt` at $2 in, $1 cached, $8 out; OpenAI's format has no writes, so they are plain input. */
const gptCost = ((ownWords + CACHE_WRITE_TOKENS) * 2 + CACHE_READ_TOKENS * 1 + outputTokens * 8) / 1e6;

type StoredUsage = {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens?: number;
  cacheWriteInputTokens?: number;
  cacheWriteHourInputTokens?: number;
  costUsd?: number;
};

/** The usage kept with the reply a run wrote. */
async function storedUsageOf(runId: string): Promise<StoredUsage | null> {
  const run = await parley.json<{ conversationId: string; assistantMessageId: string }>(`/api/runs/${runId}`);
  const conversation = await parley.json<{ messages: { id: string; usage: StoredUsage | null }[] }>(
    `/api/conversations/${run.conversationId}`,
  );
  return conversation.messages.find((message) => message.id === run.assistantMessageId)?.usage ?? null;
}

type UsageCounts = {
  replies: number;
  inputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
};

/** GET /api/usage's counts by model (each model's days summed), and its totals. */
async function usageCounts(): Promise<{ of(model: string): UsageCounts; totals: UsageCounts }> {
  const usage = await parley.json<{ days: (UsageCounts & { model: string })[]; totals: UsageCounts }>(
    "/api/usage",
  );
  const counts = (rows: UsageCounts[]): UsageCounts => ({
    replies: rows.reduce((sum, row) => sum + row.replies, 0),
    inputTokens: rows.reduce((sum, row) => sum + row.inputTokens, 0),
    cacheReadTokens: rows.reduce((sum, row) => sum + row.cacheReadTokens, 0),
    cacheWriteTokens: rows.reduce((sum, row) => sum + row.cacheWriteTokens, 0),
  });
  return {
    of: (model) => counts(usage.days.filter((day) => day.model === model)),
    totals: counts([usage.totals]),
  };
}

/** `parley_tokens_total` by model and direction, from /metrics (a series never counted is absent). */
async function tokenMetrics(): Promise<Map<string, number>> {
  const text = await (await parley.api("/metrics")).text();
  const series = new Map<string, number>();
  for (const [, model, direction, value] of text.matchAll(
    /^parley_tokens_total\{model="([^"]+)",direction="([^"]+)"\} (\d+)$/gm,
  )) {
    series.set(`${model} ${direction}`, Number(value));
  }
  return series;
}

/** What `model`'s replies have cost so far, as GET /api/usage charges them. */
async function chargedFor(model: string): Promise<number> {
  const { days } = await parley.json<{ days: { model: string; costUsd: number }[] }>("/api/usage");
  return days.filter((day) => day.model === model).reduce((sum, day) => sum + day.costUsd, 0);
}

describe("the fake upstream's cached model", () => {
  it("reports its cache as each real API does, in the official SDKs' types", async () => {
    const direct = {
      openai: new OpenAI({ baseURL: upstream.openAIBaseURL, apiKey: "unused", maxRetries: 0 }),
      anthropic: new Anthropic({ baseURL: upstream.anthropicBaseURL, apiKey: "unused", maxRetries: 0 }),
    };
    const completion = await direct.openai.chat.completions.create({ model: "cached", messages });
    expect(completion.usage?.prompt_tokens).toBe(wholePrompt);
    expect(completion.usage?.prompt_tokens_details?.cached_tokens).toBe(CACHE_READ_TOKENS);
    const anthropicUsage = {
      input_tokens: ownWords,
      cache_read_input_tokens: CACHE_READ_TOKENS,
      cache_creation_input_tokens: CACHE_WRITE_TOKENS,
    };
    const message = await direct.anthropic.messages.create({ model: "cached", max_tokens: 100, messages });
    expect(message.usage).toMatchObject(anthropicUsage);
    const events: Anthropic.MessageStreamEvent[] = [];
    const stream = direct.anthropic.messages.stream({ model: "cached", max_tokens: 100, messages });
    stream.on("streamEvent", (event) => events.push(event));
    await stream.finalMessage();
    // Streamed, the input counts come with message_start; message_delta adds the output.
    expect(events[0]).toMatchObject({ type: "message_start", message: { usage: anthropicUsage } });
  });
});

describe("cached tokens on /v1/chat/completions", () => {
  const expected = {
    prompt_tokens: wholePrompt,
    completion_tokens: outputTokens,
    total_tokens: wholePrompt + outputTokens,
    prompt_tokens_details: { cached_tokens: CACHE_READ_TOKENS },
  };

  it.each([
    ["an Anthropic model", "claude"],
    ["an OpenAI-compatible model", "gpt"],
  ])(
    "come back as prompt_tokens_details.cached_tokens within the whole prompt, from %s, streamed and not",
    async (_, model) => {
      const completion = await openai.chat.completions.create({ model, messages });
      expect(completion.usage).toEqual(expected);
      const stream = openai.chat.completions.stream({
        model,
        messages,
        stream_options: { include_usage: true },
      });
      expect((await stream.finalChatCompletion()).usage).toEqual(expected);
    },
  );

  it("are left out when the upstream did not report any", async () => {
    const completion = await openai.chat.completions.create({ model: "claude-plain", messages });
    expect(completion.usage).toEqual({ prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 });
  });
});

describe("cached tokens on /v1/messages", () => {
  it("come back as Anthropic's own counts from an Anthropic model: input_tokens without the cache's, streamed and not", async () => {
    const expected = {
      input_tokens: ownWords,
      output_tokens: outputTokens,
      cache_read_input_tokens: CACHE_READ_TOKENS,
      cache_creation_input_tokens: CACHE_WRITE_TOKENS,
    };
    const message = await anthropic.messages.create({ model: "claude", max_tokens: 100, messages });
    expect(message.usage).toEqual({
      ...expected,
      cache_creation: { ephemeral_5m_input_tokens: CACHE_WRITE_TOKENS, ephemeral_1h_input_tokens: 0 },
    });
    const streamed = await anthropic.messages
      .stream({ model: "claude", max_tokens: 100, messages })
      .finalMessage();
    // The SDK reads the split of the writes (cache_creation) from message_start only, which goes out before the
    // model has said it: Parley's message_delta carries it.
    expect(streamed.usage).toMatchObject(expected);
  });

  it("come back from an OpenAI-compatible model as cache reads, with the writes it cannot tell null", async () => {
    const expected = {
      input_tokens: wholePrompt - CACHE_READ_TOKENS,
      output_tokens: outputTokens,
      cache_read_input_tokens: CACHE_READ_TOKENS,
      cache_creation_input_tokens: null,
    };
    const message = await anthropic.messages.create({ model: "gpt", max_tokens: 100, messages });
    expect(message.usage).toEqual(expected);
    const streamed = await anthropic.messages
      .stream({ model: "gpt", max_tokens: 100, messages })
      .finalMessage();
    // The stream helper takes message_delta's counts over message_start's only where they are not null, so the
    // unknown writes stay as message_start left them: unset.
    const { cache_creation_input_tokens: _, ...known } = expected;
    expect(streamed.usage).toMatchObject(known);
    expect(streamed.usage.cache_creation_input_tokens ?? null).toBeNull();
  });

  it("are left out when the upstream did not report any, and count_tokens is unchanged", async () => {
    const message = await anthropic.messages.create({ model: "gpt-plain", max_tokens: 100, messages });
    expect(message.usage).toEqual({ input_tokens: 2, output_tokens: 3 });
    const counted = await anthropic.messages.countTokens({ model: "claude", messages });
    expect(counted).toEqual({ input_tokens: expect.any(Number) });
  });
});

describe("cached tokens kept and charged", () => {
  it("are kept with the stored reply, with its cost at the cache prices", async () => {
    const message = await anthropic.messages.create({ model: "claude", max_tokens: 100, messages });
    const usage = await storedUsageOf(message.id.slice("msg_".length));
    expect(usage).toMatchObject({
      inputTokens: wholePrompt,
      outputTokens,
      cachedInputTokens: CACHE_READ_TOKENS,
      cacheWriteInputTokens: CACHE_WRITE_TOKENS,
    });
    expect(usage?.costUsd).toBeCloseTo(claudeCost, 10);

    const completion = await openai.chat.completions.create({ model: "gpt", messages });
    const gptUsage = await storedUsageOf(completion.id.slice("chatcmpl-".length));
    expect(gptUsage).toMatchObject({ inputTokens: wholePrompt, cachedInputTokens: CACHE_READ_TOKENS });
    expect(gptUsage).not.toHaveProperty("cacheWriteInputTokens");
    expect(gptUsage?.costUsd).toBeCloseTo(gptCost, 10);
  });

  it("price writes kept an hour, which a client asks for with ttl 1h, at twice the input price, and say so in Anthropic's shape", async () => {
    const message = await anthropic.messages.create({
      model: "claude",
      max_tokens: 100,
      messages: [
        {
          role: "user",
          content: [{ type: "text", text: "Say hello.", cache_control: { type: "ephemeral", ttl: "1h" } }],
        },
      ],
    });
    expect(message.usage).toMatchObject({
      cache_creation_input_tokens: CACHE_WRITE_TOKENS,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: CACHE_WRITE_TOKENS },
    });
    const usage = await storedUsageOf(message.id.slice("msg_".length));
    expect(usage).toMatchObject({
      cacheWriteInputTokens: CACHE_WRITE_TOKENS,
      cacheWriteHourInputTokens: CACHE_WRITE_TOKENS,
    });
    // The writes at $6 (2 x $3) rather than $3.75 per million.
    expect(usage?.costUsd).toBeCloseTo(claudeCost + (CACHE_WRITE_TOKENS * (6 - 3.75)) / 1e6, 10);
  });

  it("are charged to the user at the cache prices, streamed or not", async () => {
    const before = await chargedFor("claude");
    await anthropic.messages.create({ model: "claude", max_tokens: 100, messages });
    const stream = openai.chat.completions.stream({ model: "claude", messages });
    await stream.finalChatCompletion();
    // Two replies, each far cheaper than its whole prompt at the full $3 would be.
    const charged = (await chargedFor("claude")) - before;
    expect(charged).toBeCloseTo(2 * claudeCost, 9);
    expect(charged).toBeLessThan((2 * (wholePrompt * 3 + outputTokens * 15)) / 1e6);
  });

  it("are priced in the catalog: Anthropic's multipliers by default, the config's own prices when it gives them", async () => {
    const { models } = await parley.json<{ models: { id: string; pricing: Record<string, number> }[] }>(
      "/api/models",
    );
    const pricing = Object.fromEntries(models.map((model) => [model.id, model.pricing]));
    expect(pricing.claude).toEqual({
      inputPerMillion: 3,
      outputPerMillion: 15,
      cachedInputPerMillion: 0.3,
      cacheWritePerMillion: 3.75,
      cacheWriteHourPerMillion: 6,
    });
    expect(pricing.gpt).toEqual({
      inputPerMillion: 2,
      outputPerMillion: 8,
      cachedInputPerMillion: 1,
      cacheWritePerMillion: 2,
      cacheWriteHourPerMillion: 2,
    });
  });
});

describe("cached tokens in the usage ledger and the metrics", () => {
  it("are summed by GET /api/usage per model and in the totals, within the input tokens", async () => {
    const before = await usageCounts();
    await anthropic.messages.create({ model: "claude", max_tokens: 100, messages });
    // OpenAI's format says what the cache served, never what it stored.
    await openai.chat.completions.create({ model: "gpt", messages });
    const after = await usageCounts();

    expect(after.of("claude")).toEqual({
      replies: before.of("claude").replies + 1,
      inputTokens: before.of("claude").inputTokens + wholePrompt,
      cacheReadTokens: before.of("claude").cacheReadTokens + CACHE_READ_TOKENS,
      cacheWriteTokens: before.of("claude").cacheWriteTokens + CACHE_WRITE_TOKENS,
    });
    expect(after.of("gpt")).toEqual({
      replies: before.of("gpt").replies + 1,
      inputTokens: before.of("gpt").inputTokens + wholePrompt,
      cacheReadTokens: before.of("gpt").cacheReadTokens + CACHE_READ_TOKENS,
      cacheWriteTokens: before.of("gpt").cacheWriteTokens,
    });
    expect(after.totals).toEqual({
      replies: before.totals.replies + 2,
      inputTokens: before.totals.inputTokens + 2 * wholePrompt,
      cacheReadTokens: before.totals.cacheReadTokens + 2 * CACHE_READ_TOKENS,
      cacheWriteTokens: before.totals.cacheWriteTokens + CACHE_WRITE_TOKENS,
    });
  });

  it("leave the ledger's cache counts alone when the upstream reported none", async () => {
    const before = (await usageCounts()).of("claude-plain");
    await anthropic.messages.create({ model: "claude-plain", max_tokens: 100, messages });
    expect((await usageCounts()).of("claude-plain")).toEqual({
      replies: before.replies + 1,
      inputTokens: before.inputTokens + ownWords,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    });
  });

  it("are counted in parley_tokens_total as directions cache_read and cache_write, only for models that cached", async () => {
    const before = await tokenMetrics();
    await anthropic.messages.create({ model: "claude", max_tokens: 100, messages });
    await openai.chat.completions.create({ model: "gpt", messages });
    await openai.chat.completions.create({ model: "gpt-plain", messages });
    const after = await tokenMetrics();
    const added = (series: string) => (after.get(series) ?? 0) - (before.get(series) ?? 0);

    expect(added("claude input")).toBe(wholePrompt);
    expect(added("claude cache_read")).toBe(CACHE_READ_TOKENS);
    expect(added("claude cache_write")).toBe(CACHE_WRITE_TOKENS);
    expect(added("gpt cache_read")).toBe(CACHE_READ_TOKENS);
    // No series of zeros: a model whose replies stored nothing in the cache (or used none) has no such line.
    expect(after.has("gpt cache_write")).toBe(false);
    expect(added("gpt-plain input")).toBe(ownWords);
    expect(after.has("gpt-plain cache_read")).toBe(false);
    expect(after.has("gpt-plain cache_write")).toBe(false);
  });
});
