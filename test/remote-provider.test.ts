import { beforeAll, describe, expect, it } from "vitest";
import { sendMessage } from "./support/ask-parley.js";
import type { FaultUpstream } from "./support/fault-upstream.js";
import type { ParleyProcess } from "./support/parley-process.js";
import { faultModel, openAIProvider } from "./support/remote-config.js";
import { startRemoteParley } from "./support/remote-parley.js";
import { textOf } from "./support/sse-client.js";

let upstream: FaultUpstream;
let parley: ParleyProcess;

beforeAll(async () => {
  const served = await startRemoteParley((upstream) => ({
    providers: [
      openAIProvider("remote", upstream, [
        faultModel("remote-balanced", "ok", {
          label: "Remote Balanced",
          tier: "balanced",
          contextWindow: 8192,
          pricing: { input: 3, output: 15 },
        }),
        faultModel("remote-cut", "cut"),
      ]),
    ],
  }));
  ({ parley, upstream } = served);
  return served.stop;
});

const reply = (model: string) => sendMessage(parley, { content: "hello upstream", model });

describe("a remote OpenAI-compatible provider from the config", () => {
  it("lists the remote models with their tier and prices", async () => {
    const { models } = await parley.json<{ models: Record<string, unknown>[] }>("/api/models");
    expect(models).toMatchObject([
      {
        id: "remote-balanced",
        label: "Remote Balanced",
        provider: "openai-compatible",
        tier: "balanced",
        contextWindow: 8192,
        pricing: { inputPerMillion: 3, outputPerMillion: 15 },
        ready: true,
      },
      { id: "remote-cut" },
    ]);
  });

  it("answers through the upstream under its own model name and records usage and cost", async () => {
    const { conversationId, events } = await reply("remote-balanced");
    expect(textOf(events)).toBe(upstream.replyText("ok"));
    const request = upstream.requests.at(-1);
    expect(request?.model).toBe("ok");
    expect(request?.body.messages).toEqual([{ role: "user", content: "hello upstream" }]);
    // The upstream counts a word as a token: 2 input tokens at $3/M and 3 output tokens at $15/M.
    const end = events.at(-1);
    expect(end).toMatchObject({
      event: "run.end",
      data: { usage: { inputTokens: 2, outputTokens: 3, costUsd: 0.000051 } },
    });
    const conversation = await parley.json<{ messages: { role: string; usage: unknown; model: string }[] }>(
      `/api/conversations/${conversationId}`,
    );
    const stored = conversation.messages.find((message) => message.role === "assistant");
    expect(stored).toMatchObject({
      model: "remote-balanced",
      usage: { inputTokens: 2, outputTokens: 3, costUsd: 0.000051 },
    });
  });

  it("never passes off a cut stream as complete: run.error, partial text kept and marked incomplete", async () => {
    const { conversationId, events } = await reply("remote-cut");
    // The upstream cuts the connection after two of the reply's three words.
    expect(textOf(events)).toBe("Hello from");
    expect(events.at(-1)).toMatchObject({ event: "run.error", data: { retryable: true } });
    const conversation = await parley.json<{ messages: { role: string; content: string; status: string }[] }>(
      `/api/conversations/${conversationId}`,
    );
    expect(conversation.messages.find((message) => message.role === "assistant")).toMatchObject({
      content: "Hello from",
      status: "incomplete",
    });
  });

  it("sums usage and cost per day and model in /api/usage, and refuses a malformed day", async () => {
    type UsageDay = { day: string; model: string; replies: number; inputTokens: number; costUsd: number };
    const repliesOf = (days: UsageDay[]) => days.find((day) => day.model === "remote-balanced")?.replies ?? 0;
    const before = await parley.json<{ days: UsageDay[] }>("/api/usage");
    await reply("remote-balanced");
    await reply("remote-balanced");
    const today = new Date().toISOString().slice(0, 10);
    const usage = await parley.json<{
      to: string;
      days: UsageDay[];
      totals: { replies: number; costUsd: number };
    }>(`/api/usage?from=${today}&to=${today}`);
    expect(usage.to).toBe(today);
    const balanced = usage.days.find((day) => day.model === "remote-balanced");
    expect(balanced).toMatchObject({ day: today, replies: repliesOf(before.days) + 2 });
    const replies = balanced?.replies ?? 0;
    expect(balanced?.inputTokens).toBe(2 * replies);
    expect(balanced?.costUsd).toBeCloseTo(0.000051 * replies, 12);
    const response = await parley.api("/api/usage?from=yesterday");
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(
      /`from`: must be a day as YYYY-MM-DD/,
    );
  });

  it("exposes runs, tokens, cost, latency and upstream errors per model at /metrics", async () => {
    await reply("remote-balanced");
    await reply("remote-cut");
    const response = await parley.api("/metrics");
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await response.text();
    const value = (line: RegExp) => Number(text.match(line)?.[1]);
    expect(
      value(/^parley_runs_total\{model="remote-balanced",outcome="completed"\} (\d+)$/m),
    ).toBeGreaterThanOrEqual(1);
    expect(value(/^parley_runs_total\{model="remote-cut",outcome="failed"\} (\d+)$/m)).toBeGreaterThanOrEqual(
      1,
    );
    expect(
      value(
        /^parley_upstream_errors_total\{model="remote-cut",endpoint="remote:[^"]+",code="upstream_error"\} (\d+)$/m,
      ),
    ).toBeGreaterThanOrEqual(1);
    expect(
      value(
        /^parley_upstream_attempts_total\{model="remote-balanced",endpoint="remote:[^"]+",outcome="finished"\} (\d+)$/m,
      ),
    ).toBeGreaterThanOrEqual(1);
    expect(
      value(/^parley_circuit_breaker_state\{model="remote-balanced",endpoint="remote:[^"]+"\} (\d+)$/m),
    ).toBe(0);
    expect(
      value(/^parley_tokens_total\{model="remote-balanced",direction="output"\} (\d+)$/m),
    ).toBeGreaterThanOrEqual(2);
    expect(value(/^parley_cost_usd_total\{model="remote-balanced"\} ([\d.e-]+)$/m)).toBeGreaterThan(0);
    expect(
      value(/^parley_time_to_first_token_seconds_count\{model="remote-balanced"\} (\d+)$/m),
    ).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(
      /^parley_inter_token_latency_seconds_bucket\{le="0.001",model="remote-balanced"\} \d+$/m,
    );
    expect(value(/^parley_active_runs (\d+)$/m)).toBe(0);
  });
});
