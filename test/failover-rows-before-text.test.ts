/**
 * Rows U1, U2, U5, U6 and U7 of reliability.md through a real Parley: faults that strike before the first word
 * (rate limits, resets, silence, a slow start), against a fake upstream that speaks the real wire formats.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Answer, ask, expectStillServing, pingsBetween } from "./support/ask-parley.js";
import { type FaultUpstream, startFaultUpstream } from "./support/fault-upstream.js";
import type { ParleyProcess } from "./support/parley-process.js";
import { anthropicProvider, faultModel, openAIProvider } from "./support/remote-config.js";
import { startRemoteParley } from "./support/remote-parley.js";

const PING_MS = 100;
const FIRST_TOKEN_DELAY_MS = 1500;
const MAX_RETRY_AFTER_MS = 1500;
const BASE_DELAY_MS = 100;

let upstream: FaultUpstream;
/** Asks for a minute's wait, longer than Parley obeys. */
let impatientUpstream: FaultUpstream;
let parley: ParleyProcess;

beforeAll(async () => {
  impatientUpstream = await startFaultUpstream({ retryAfterSeconds: 60 });
  const toBackup = { fallbacks: ["backup"] };
  const served = await startRemoteParley(
    (upstream) => ({
      http: { pingIntervalSeconds: PING_MS / 1000 },
      failover: {
        maxAttempts: 3,
        baseDelayMs: BASE_DELAY_MS,
        maxDelayMs: 1000,
        maxRetryAfterMs: MAX_RETRY_AFTER_MS,
        firstTokenTimeoutMs: 5000,
        // Far shorter than the slow first token: only the wait for the first token may be long.
        idleTimeoutMs: 400,
        // These rows are about retries; the breaker has its own test.
        breakerFailureThreshold: 10,
      },
      providers: [
        openAIProvider("openai-like", upstream, [
          faultModel("wait", "429-retry-after@u1"),
          faultModel("busy", "429@u2"),
          faultModel("busy-then-backup", "429@u2-fallback", toBackup),
          faultModel("reset", "reset@u5", toBackup),
          faultModel("slow-openai", "slow-first-token@u7"),
        ]),
        openAIProvider("impatient", impatientUpstream, [faultModel("wait-long", "429-retry-after@u1-long")]),
        // Its requests time out after 300 ms without response headers.
        openAIProvider("hanging", upstream, [faultModel("hang", "hang@u6", toBackup)], { timeoutMs: 300 }),
        anthropicProvider("claude-like", upstream, [
          faultModel("backup", "ok@backup"),
          faultModel("slow-claude", "slow-first-token@u7-claude"),
        ]),
      ],
    }),
    { upstream: { retryAfterSeconds: 1, firstTokenDelayMs: FIRST_TOKEN_DELAY_MS, pingIntervalMs: 200 } },
  );
  ({ parley, upstream } = served);
  return served.stop;
});

afterAll(async () => {
  await impatientUpstream?.close();
});

const gapsOf = (requests: readonly { at: number }[]) =>
  requests.slice(1).map((request, index) => request.at - (requests[index] as { at: number }).at);

/** The longest the client went without a byte between two events: pings must keep that short. */
function longestSilence(answer: Answer, fromEvent: number, toEvent: number): number {
  const from = answer.eventTimes[fromEvent] ?? 0;
  const to = answer.eventTimes[toEvent] ?? 0;
  const arrivals = [from, ...pingsBetween(answer, fromEvent, toEvent), to];
  return Math.max(...gapsOf(arrivals.map((at) => ({ at }))));
}

const firstTextIndex = (answer: Answer) => answer.events.findIndex((event) => event.event === "text.delta");

/** What /metrics counted of `model`'s failed upstream calls, by error code. */
async function upstreamErrors(model: string): Promise<Record<string, number>> {
  const text = await (await parley.api("/metrics")).text();
  const counts: Record<string, number> = {};
  const pattern = new RegExp(
    `^parley_upstream_errors_total\\{model="${model}",endpoint="[^"]+",code="([a-z_]+)"\\} (\\d+)$`,
    "gm",
  );
  for (const [, code, count] of text.matchAll(pattern)) counts[code as string] = Number(count);
  return counts;
}

describe("faults before the first word, through Parley", () => {
  it("U1: a 429 with Retry-After is waited out as told, retried, and answered; a longer wait is capped", async () => {
    const answer = await ask(parley, "wait", "U1 waits");
    expect(answer.text).toBe("Hello from 429-retry-after@u1.");
    expect(answer.end).toMatchObject({ event: "run.end", data: { model: "wait", finishReason: "stop" } });
    expect(answer.stored).toMatchObject({
      status: "complete",
      model: "wait",
      content: "Hello from 429-retry-after@u1.",
      error: null,
    });
    const requests = upstream.requestsFor("429-retry-after@u1");
    expect(requests).toHaveLength(2);
    // Retry-After: 1 means one second, not the 100 ms backoff.
    expect(gapsOf(requests)[0]).toBeGreaterThanOrEqual(990);
    expect(gapsOf(requests)[0]).toBeLessThan(1900);

    // Asked to wait a minute, Parley waits its cap (1.5 s) instead, then retries and is answered.
    const capped = await ask(parley, "wait-long", "U1 capped");
    expect(capped.text).toBe("Hello from 429-retry-after@u1-long.");
    expect(capped.stored).toMatchObject({ status: "complete", model: "wait-long" });
    const cappedRequests = impatientUpstream.requestsFor("429-retry-after@u1-long");
    expect(cappedRequests).toHaveLength(2);
    expect(gapsOf(cappedRequests)[0]).toBeGreaterThanOrEqual(MAX_RETRY_AFTER_MS - 10);
    expect(gapsOf(cappedRequests)[0]).toBeLessThan(MAX_RETRY_AFTER_MS + 1500);
    await expectStillServing(parley, capped.conversationId);
  });

  it("U2: a 429 without Retry-After backs off within growing bounds, stops after maxAttempts, and says so", async () => {
    const answer = await ask(parley, "busy", "U2 backs off");
    expect(answer.text).toBe("");
    expect(answer.end).toMatchObject({
      event: "run.error",
      data: { code: "upstream_error", retryable: true, model: "busy" },
    });
    expect(answer.end?.data.message).toContain("429");
    expect(answer.stored).toMatchObject({
      status: "incomplete",
      content: "",
      error: { code: "upstream_error" },
    });
    const requests = upstream.requestsFor("429@u2");
    expect(requests).toHaveLength(3);
    // Full jitter: each wait is below its ceiling, 100 ms and then 200 ms (plus the time a request takes).
    const [first, second] = gapsOf(requests) as [number, number];
    expect(first).toBeLessThan(BASE_DELAY_MS + 400);
    expect(second).toBeLessThan(2 * BASE_DELAY_MS + 400);
    // Bounded: nothing more is sent later on.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(upstream.requestsFor("429@u2")).toHaveLength(3);
    await expectStillServing(parley, answer.conversationId);

    // With a fallback, the reply goes on there after the same bounded attempts.
    const rescued = await ask(parley, "busy-then-backup", "U2 falls back");
    expect(rescued.text).toBe("Hello from ok@backup.");
    expect(rescued.end).toMatchObject({ event: "run.end", data: { model: "backup", finishReason: "stop" } });
    expect(rescued.stored).toMatchObject({ status: "complete", model: "backup" });
    expect(upstream.requestsFor("429@u2-fallback")).toHaveLength(3);
  });

  it("U5: a TCP reset before headers is retried like a 5xx, then the fallback answers", async () => {
    const answer = await ask(parley, "reset", "U5 resets");
    expect(answer.text).toBe("Hello from ok@backup.");
    expect(answer.events[0]).toMatchObject({ event: "run.start", data: { model: "reset" } });
    expect(answer.end).toMatchObject({ event: "run.end", data: { model: "backup", finishReason: "stop" } });
    expect(answer.stored).toMatchObject({
      status: "complete",
      model: "backup",
      content: "Hello from ok@backup.",
    });
    expect(upstream.requestsFor("reset@u5")).toHaveLength(3);
    expect(await upstreamErrors("reset")).toEqual({ upstream_unreachable: 3 });
    await expectStillServing(parley, answer.conversationId);
  });

  it("U6: an upstream that never answers times out, is cancelled, retried, then a fallback answers; pings meanwhile", async () => {
    const answer = await ask(parley, "hang", "U6 hangs");
    expect(answer.text).toBe("Hello from ok@backup.");
    expect(answer.end).toMatchObject({ event: "run.end", data: { model: "backup", finishReason: "stop" } });
    expect(answer.stored).toMatchObject({ status: "complete", model: "backup" });
    const hung = upstream.requestsFor("hang@u6");
    expect(hung).toHaveLength(3);
    await expect.poll(() => hung.every((request) => request.closedByClient)).toBe(true);
    expect(await upstreamErrors("hang")).toEqual({ upstream_timeout: 3 });
    // Three 300 ms timeouts and two backoffs passed between run.start and the first word; the client heard pings.
    const first = firstTextIndex(answer);
    expect((answer.eventTimes[first] ?? 0) - (answer.eventTimes[0] ?? 0)).toBeGreaterThanOrEqual(880);
    expect(pingsBetween(answer, 0, first).length).toBeGreaterThanOrEqual(5);
    expect(longestSilence(answer, 0, first)).toBeLessThan(PING_MS * 5);
    await expectStillServing(parley, answer.conversationId);
  });

  it.each([
    ["OpenAI", "slow-openai", "slow-first-token@u7"],
    ["Anthropic", "slow-claude", "slow-first-token@u7-claude"],
  ])(
    "U7 (%s): a first token after a long wait is no timeout, and pings keep the client's connection alive",
    async (_api, model, upstreamModel) => {
      const answer = await ask(parley, model, `U7 ${model}`);
      expect(answer.text).toBe(`Hello from ${upstreamModel}.`);
      expect(answer.end).toMatchObject({ event: "run.end", data: { model, finishReason: "stop" } });
      const timings = answer.end?.data.timings as { ttftMs: number } | undefined;
      expect(timings?.ttftMs).toBeGreaterThanOrEqual(FIRST_TOKEN_DELAY_MS - 10);
      expect(answer.stored).toMatchObject({
        status: "complete",
        model,
        content: `Hello from ${upstreamModel}.`,
      });
      // Asked once: the wait was not taken for a failure.
      expect(upstream.requestsFor(upstreamModel)).toHaveLength(1);
      const first = firstTextIndex(answer);
      expect(pingsBetween(answer, 0, first).length).toBeGreaterThanOrEqual(8);
      expect(longestSilence(answer, 0, first)).toBeLessThan(PING_MS * 5);
      await expectStillServing(parley, answer.conversationId);
    },
  );
});
