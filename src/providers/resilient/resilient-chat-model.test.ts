/**
 * The upstream faults U1-U15 of reliability.md, each against the fault upstream over real HTTP, once through the
 * OpenAI-compatible provider and once through the Anthropic provider.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type FaultUpstream,
  imagePartsOf,
  startFaultUpstream,
  type UpstreamApi,
} from "../../../test/support/fault-upstream.js";
import type { ProviderError } from "../../core/app-error.js";
import { samplePng } from "../../files/test-support/sample-images.js";
import { AnthropicChatModel } from "../anthropic/anthropic-chat-model.js";
import type { ChatImage, ChatModel, ChatStreamPart, ModelStartPart, ResponseFormat } from "../chat-model.js";
import { OpenAICompatibleChatModel } from "../openai-compatible/openai-compatible-chat-model.js";
import { CircuitBreaker, type CircuitState } from "./circuit-breaker.js";
import { type AttemptReport, ResilientChatModel } from "./resilient-chat-model.js";
import { RetryPolicy, type RetryPolicyConfig } from "./retry-policy.js";
import type { StreamTimeoutsConfig } from "./timeout-chat-model.js";

let upstream: FaultUpstream;

beforeAll(async () => {
  upstream = await startFaultUpstream({
    retryAfterSeconds: 1,
    firstTokenDelayMs: 1000,
    pingIntervalMs: 200,
    outageMs: 800,
  });
});

afterAll(async () => {
  await upstream.close();
});

type CandidateSpec = {
  model: string;
  supportsPrefill?: boolean;
  breaker?: CircuitBreaker;
  endpointId?: string;
  modalities?: string[];
  structuredOutputs?: boolean;
  toolCalls?: boolean;
  thinking?: boolean;
};

type ChainOptions = {
  policy?: RetryPolicyConfig;
  timeouts?: StreamTimeoutsConfig;
  /** The provider's own connect and headers timeout. */
  headersTimeoutMs?: number;
};

function providerFor(api: UpstreamApi, model: string, headersTimeoutMs?: number): ChatModel {
  return api === "openai"
    ? new OpenAICompatibleChatModel({
        modelId: model,
        baseURL: upstream.openAIBaseURL,
        timeoutMs: headersTimeoutMs,
      })
    : new AnthropicChatModel({
        modelId: model,
        baseURL: upstream.anthropicBaseURL,
        timeoutMs: headersTimeoutMs,
      });
}

function chain(api: UpstreamApi, candidates: (string | CandidateSpec)[], options: ChainOptions = {}) {
  const reports: AttemptReport[] = [];
  const model = new ResilientChatModel({
    candidates: candidates.map((candidate) => {
      const spec = typeof candidate === "string" ? { model: candidate } : candidate;
      return {
        id: spec.model,
        chatModel: providerFor(api, spec.model, options.headersTimeoutMs),
        ...(spec.breaker && { breaker: spec.breaker }),
        ...(spec.endpointId && { endpointId: spec.endpointId }),
        ...(spec.supportsPrefill !== undefined && { supportsPrefill: spec.supportsPrefill }),
        ...(spec.modalities && { modalities: spec.modalities }),
        ...(spec.structuredOutputs !== undefined && { structuredOutputs: spec.structuredOutputs }),
        ...(spec.toolCalls !== undefined && { toolCalls: spec.toolCalls }),
        ...(spec.thinking !== undefined && { thinking: spec.thinking }),
      };
    }),
    retryPolicy: new RetryPolicy({ maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 100, ...options.policy }),
    timeouts: options.timeouts ?? { firstTokenTimeoutMs: 5000, idleTimeoutMs: 2000 },
    onAttempt: (report) => reports.push(report),
  });
  return { model, reports };
}

type Outcome = {
  parts: ChatStreamPart[];
  text: string;
  models: ModelStartPart[];
  /** The last part: the one finish or error. */
  end: ChatStreamPart | undefined;
  error: ProviderError | undefined;
  elapsedMs: number;
};

async function ask(
  model: ResilientChatModel,
  question: string,
  images?: readonly ChatImage[],
  responseFormat?: ResponseFormat,
): Promise<Outcome> {
  const startedAt = performance.now();
  const parts: ChatStreamPart[] = [];
  for await (const part of model.stream({
    prompt: [{ role: "user", content: question, ...(images && { images }) }],
    ...(responseFormat && { responseFormat }),
  })) {
    parts.push(part);
  }
  const end = parts.at(-1);
  const terminal = parts.filter((part) => part.type === "finish" || part.type === "error");
  // The stream contract: exactly one finish or error, and it is the last part.
  expect(terminal).toHaveLength(1);
  expect(terminal[0]).toBe(end);
  return {
    parts,
    text: parts.map((part) => (part.type === "text.delta" ? part.text : "")).join(""),
    models: parts.filter((part): part is ModelStartPart => part.type === "model.start"),
    end,
    error: end?.type === "error" ? (end.error as ProviderError) : undefined,
    elapsedMs: performance.now() - startedAt,
  };
}

const gapsOf = (requests: { at: number }[]) =>
  requests.slice(1).map((request, index) => request.at - (requests[index] as { at: number }).at);

const lastMessageOf = (request: { body: Record<string, unknown> } | undefined) =>
  (request?.body.messages as { role: string; content: unknown }[] | undefined)?.at(-1);

describe.each(["openai", "anthropic"] as const)("ResilientChatModel over the %s wire format", (api) => {
  const name = (fault: string, label: string) => `${fault}@${api}-${label}`;

  it("U1: a 429 with Retry-After waits as told, retries once, and succeeds", async () => {
    const primary = name("429-retry-after", "a");
    const { model } = chain(api, [primary]);
    const outcome = await ask(model, "U1 waits");
    expect(outcome.text).toBe(`Hello from ${primary}.`);
    expect(outcome.end).toEqual({ type: "finish", reason: "stop" });
    expect(outcome.models).toEqual([
      { type: "model.start", candidateId: primary, modelId: primary, continuation: false },
    ]);
    const requests = upstream.requestsFor(primary);
    expect(requests).toHaveLength(2);
    const [gap] = gapsOf(requests);
    expect(gap).toBeGreaterThanOrEqual(990);
    expect(gap).toBeLessThan(1800);

    // The wait is capped: a policy that allows at most 200 ms does not sit out the whole second.
    const capped = chain(api, [primary], { policy: { maxRetryAfterMs: 200 } });
    const before = upstream.requestsFor(primary).length;
    const cappedOutcome = await ask(capped.model, "U1 capped");
    expect(cappedOutcome.end).toEqual({ type: "finish", reason: "stop" });
    const cappedRequests = upstream.requestsFor(primary).slice(before);
    expect(cappedRequests).toHaveLength(2);
    const [cappedGap] = gapsOf(cappedRequests);
    expect(cappedGap).toBeGreaterThanOrEqual(190);
    expect(cappedGap).toBeLessThan(900);
  });

  it("U2: a 429 without Retry-After backs off exponentially with jitter, for a bounded number of attempts", async () => {
    const primary = name("429", "a");
    // random() = 1 pins the jitter to its ceiling: 100 ms, then 200 ms.
    const { model } = chain(api, [primary], {
      policy: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.999 },
    });
    const outcome = await ask(model, "U2 backs off");
    expect(outcome.text).toBe("");
    expect(outcome.models).toEqual([]);
    expect(outcome.error).toMatchObject({ statusCode: 429, isRetryable: true });
    const requests = upstream.requestsFor(primary);
    expect(requests).toHaveLength(3);
    const [first, second] = gapsOf(requests) as [number, number];
    expect(first).toBeGreaterThanOrEqual(95);
    expect(first).toBeLessThan(600);
    expect(second).toBeGreaterThanOrEqual(195);
    expect(second).toBeLessThan(700);
  });

  it("U3: a 500 once is retried once, and the reply arrives once, without duplicate text", async () => {
    const primary = name("500-once", "a");
    const { model, reports } = chain(api, [primary]);
    const outcome = await ask(model, "U3 once");
    expect(outcome.text).toBe(`Hello from ${primary}.`);
    expect(outcome.end).toEqual({ type: "finish", reason: "stop" });
    expect(outcome.models).toHaveLength(1);
    expect(upstream.requestsFor(primary)).toHaveLength(2);
    expect(reports.map((report) => [report.attempt, report.outcome, report.error?.statusCode])).toEqual([
      [1, "failed", 500],
      [2, "finished", undefined],
    ]);
  });

  it("U4: a 503 on every call falls back to the next model, and the reply says which model answered", async () => {
    const primary = name("503", "a");
    const fallback = name("ok", "u4");
    const { model } = chain(api, [primary, { model: fallback, endpointId: "fallback-endpoint" }]);
    const outcome = await ask(model, "U4 falls back");
    expect(outcome.text).toBe(`Hello from ${fallback}.`);
    expect(outcome.end).toEqual({ type: "finish", reason: "stop" });
    expect(outcome.models).toEqual([
      {
        type: "model.start",
        candidateId: fallback,
        modelId: fallback,
        endpointId: "fallback-endpoint",
        continuation: false,
      },
    ]);
    expect(outcome.parts.find((part) => part.type === "usage")).toMatchObject({ outputTokens: 3 });
    expect(upstream.requestsFor(primary)).toHaveLength(2);
    expect(upstream.requestsFor(fallback)).toHaveLength(1);
  });

  it("U5: a TCP reset before headers is retried like a 5xx, then falls back", async () => {
    const primary = name("reset", "a");
    const fallback = name("ok", "u5");
    const { model, reports } = chain(api, [primary, fallback]);
    const outcome = await ask(model, "U5 reset");
    expect(outcome.text).toBe(`Hello from ${fallback}.`);
    expect(outcome.models.map((part) => part.candidateId)).toEqual([fallback]);
    expect(upstream.requestsFor(primary)).toHaveLength(2);
    expect(reports.slice(0, 2).map((report) => report.error?.code)).toEqual([
      "upstream_unreachable",
      "upstream_unreachable",
    ]);
  });

  it("U6: no response at all times out, the request is cancelled, retried, then a fallback answers", async () => {
    const primary = name("hang", "a");
    const fallback = name("ok", "u6");
    const { model, reports } = chain(api, [primary, fallback], { headersTimeoutMs: 250 });
    const outcome = await ask(model, "U6 hangs");
    expect(outcome.text).toBe(`Hello from ${fallback}.`);
    expect(outcome.models.map((part) => part.candidateId)).toEqual([fallback]);
    expect(outcome.elapsedMs).toBeGreaterThanOrEqual(500);
    expect(reports.slice(0, 2).map((report) => report.error?.code)).toEqual([
      "upstream_timeout",
      "upstream_timeout",
    ]);
    const hung = upstream.requestsFor(primary);
    expect(hung).toHaveLength(2);
    await expect.poll(() => hung.every((request) => request.closedByClient)).toBe(true);

    // Without a provider timeout, the first-token timeout of the wrapper catches it the same way.
    const backstop = chain(api, [primary, fallback], {
      timeouts: { firstTokenTimeoutMs: 250, idleTimeoutMs: 250 },
    });
    const before = upstream.requestsFor(primary).length;
    const backstopOutcome = await ask(backstop.model, "U6 backstop");
    expect(backstopOutcome.text).toBe(`Hello from ${fallback}.`);
    expect(upstream.requestsFor(primary).length - before).toBe(2);
    await expect
      .poll(() => upstream.requestsFor(primary).every((request) => request.closedByClient))
      .toBe(true);
  });

  it("U7: a first token after a long wait is no timeout: idle timeouts only start once the reply has begun", async () => {
    const primary = name("slow-first-token", "a");
    const { model } = chain(api, [primary, name("ok", "u7")], {
      headersTimeoutMs: 300,
      timeouts: { firstTokenTimeoutMs: 3000, idleTimeoutMs: 300 },
    });
    const outcome = await ask(model, "U7 slow");
    expect(outcome.text).toBe(`Hello from ${primary}.`);
    expect(outcome.end).toEqual({ type: "finish", reason: "stop" });
    expect(outcome.models.map((part) => part.candidateId)).toEqual([primary]);
    expect(outcome.elapsedMs).toBeGreaterThanOrEqual(990);
    expect(upstream.requestsFor(primary)).toHaveLength(1);
  });

  it("U8: a stream cut mid-answer continues on a fallback with the partial text as prefill, nothing doubled", async () => {
    const primary = name("cut", "a");
    const fallback = name("ok", "u8");
    const { model } = chain(api, [primary, fallback]);
    const outcome = await ask(model, "U8 cut");
    expect(outcome.parts).toEqual([
      { type: "model.start", candidateId: primary, modelId: primary, continuation: false },
      { type: "text.delta", text: "Hello" },
      { type: "text.delta", text: " from" },
      { type: "model.start", candidateId: fallback, modelId: fallback, continuation: true },
      { type: "text.delta", text: ` ${fallback}.` },
      expect.objectContaining({ type: "usage", outputTokens: 1 }),
      { type: "finish", reason: "stop" },
    ]);
    expect(outcome.text).toBe(`Hello from ${fallback}.`);
    // The cut call is not repeated (its text was shown); the fallback got that text as the assistant's prefill.
    expect(upstream.requestsFor(primary)).toHaveLength(1);
    expect(upstream.requestsFor(fallback)).toHaveLength(1);
    expect(lastMessageOf(upstream.requestsFor(fallback)[0])).toEqual({
      role: "assistant",
      content: "Hello from",
    });
  });

  it("U8: with no fallback able to continue, the reply ends with an error and keeps its partial text", async () => {
    const primary = name("cut", "alone");
    const alone = await ask(chain(api, [primary]).model, "U8 alone");
    expect(alone.text).toBe("Hello from");
    expect(alone.parts.some((part) => part.type === "finish")).toBe(false);
    expect(alone.error).toMatchObject({ code: "reply_incomplete", isRetryable: true });
    expect(alone.error?.message).toContain("no fallback model could continue it");

    // A fallback that cannot take a prefill would restart the reply, so it is not asked.
    const restarter = name("ok", "restarts");
    const noPrefill = await ask(
      chain(api, [primary, { model: restarter, supportsPrefill: false }]).model,
      "U8 no prefill",
    );
    expect(noPrefill.text).toBe("Hello from");
    expect(noPrefill.error).toMatchObject({ code: "reply_incomplete" });
    expect(upstream.requestsFor(restarter)).toHaveLength(0);
  });

  it("U9: a stream that stalls mid-answer hits the idle timeout, is cancelled, and continues as U8", async () => {
    const primary = name("stall", "a");
    const fallback = name("ok", "u9");
    const { model, reports } = chain(api, [primary, fallback], {
      timeouts: { firstTokenTimeoutMs: 3000, idleTimeoutMs: 300 },
    });
    const outcome = await ask(model, "U9 stalls");
    expect(outcome.text).toBe(`Hello from ${fallback}.`);
    expect(outcome.end).toEqual({ type: "finish", reason: "stop" });
    expect(outcome.models.map((part) => [part.candidateId, part.continuation])).toEqual([
      [primary, false],
      [fallback, true],
    ]);
    expect(reports[0]?.error?.code).toBe("upstream_idle_timeout");
    expect(outcome.elapsedMs).toBeGreaterThanOrEqual(290);
    expect(upstream.requestsFor(primary)).toHaveLength(1);
    await expect.poll(() => upstream.requestsFor(primary)[0]?.closedByClient).toBe(true);
    expect(lastMessageOf(upstream.requestsFor(fallback)[0])).toEqual({
      role: "assistant",
      content: "Hello from",
    });
  });

  it("U10: a malformed chunk is an in-band error, not a crash: the reply continues on a fallback", async () => {
    const primary = name("malformed", "a");
    const fallback = name("ok", "u10");
    const { model, reports } = chain(api, [primary, fallback]);
    const outcome = await ask(model, "U10 malformed");
    expect(outcome.text).toBe(`Hello from ${fallback}.`);
    expect(outcome.end).toEqual({ type: "finish", reason: "stop" });
    expect(outcome.models.map((part) => part.candidateId)).toEqual([primary, fallback]);
    expect(reports[0]).toMatchObject({ outcome: "failed", deliveredCharacters: "Hello from".length });
    expect(upstream.requestsFor(primary)).toHaveLength(1);
  });

  it("U11: a stream without its end marker is a cut, not a success", async () => {
    const primary = name("no-done", "a");
    const alone = await ask(chain(api, [primary]).model, "U11 alone");
    expect(alone.text).toBe(`Hello from ${primary}.`);
    expect(alone.parts.some((part) => part.type === "finish")).toBe(false);
    expect(alone.error).toMatchObject({ code: "reply_incomplete" });

    // With a fallback, the whole text goes as the prefill; the fallback has nothing to add and finishes it.
    const fallback = name("ok", "u11");
    const outcome = await ask(chain(api, [primary, fallback]).model, "U11 fallback");
    expect(outcome.text).toBe(`Hello from ${primary}.`);
    expect(outcome.end).toEqual({ type: "finish", reason: "stop" });
    expect(outcome.models.map((part) => [part.candidateId, part.continuation])).toEqual([
      [primary, false],
      [fallback, true],
    ]);
    expect(lastMessageOf(upstream.requestsFor(fallback)[0])).toEqual({
      role: "assistant",
      content: `Hello from ${primary}.`,
    });
  });

  it("U12: context length exceeded is a clear error: not resent, not routed to a fallback", async () => {
    const primary = name("context", "a");
    const fallback = name("ok", "u12");
    const outcome = await ask(chain(api, [primary, fallback]).model, "U12 too long");
    expect(outcome.parts).toHaveLength(1);
    expect(outcome.error).toMatchObject({
      code: "context_length_exceeded",
      statusCode: 400,
      isRetryable: false,
    });
    expect(upstream.requestsFor(primary)).toHaveLength(1);
    expect(upstream.requestsFor(fallback)).toHaveLength(0);
  });

  it("U13: a content filter is a clear error, not routed around", async () => {
    const primary = name("content-filter", "a");
    const fallback = name("ok", "u13");
    const outcome = await ask(chain(api, [primary, fallback]).model, "U13 filtered");
    expect(outcome.text).toBe("Hello");
    expect(outcome.models.map((part) => part.candidateId)).toEqual([primary]);
    expect(outcome.error).toMatchObject({ code: "content_filtered", isRetryable: false });
    expect(upstream.requestsFor(primary)).toHaveLength(1);
    expect(upstream.requestsFor(fallback)).toHaveLength(0);
  });

  it("U14: a fallback that rejects the prefill ends the reply with a clear error, the partial text kept", async () => {
    const primary = name("cut", "u14");
    const fallback = name("prefill-rejected", "b");
    const outcome = await ask(chain(api, [primary, fallback]).model, "U14 rejected");
    expect(outcome.text).toBe("Hello from");
    expect(outcome.parts.some((part) => part.type === "finish")).toBe(false);
    expect(outcome.error).toMatchObject({ code: "reply_incomplete", isRetryable: true });
    expect(outcome.error?.message).toContain(`${fallback} refused to continue it`);
    expect(outcome.error?.message).toContain("prefill");
    // A 400 is not retried.
    expect(upstream.requestsFor(fallback)).toHaveLength(1);
    expect(lastMessageOf(upstream.requestsFor(fallback)[0])).toEqual({
      role: "assistant",
      content: "Hello from",
    });
  });

  it("U15: during an outage the circuit breaker keeps calls to the primary few, and goes back to it after", async () => {
    const primary = name("outage", "a");
    const fallback = name("ok", "u15");
    const transitions: string[] = [];
    const breaker = new CircuitBreaker({
      failureThreshold: 2,
      coolDownMs: 250,
      onStateChange: (from: CircuitState, to: CircuitState) => transitions.push(`${from}->${to}`),
    });
    const { model } = chain(api, [{ model: primary, breaker }, fallback]);
    const answeredBy: string[] = [];
    // The outage lasts 800 ms from the first call; ask every 40 ms until the primary answers again.
    for (let run = 0; run < 60; run++) {
      const outcome = await ask(model, "U15 outage");
      expect(outcome.end).toEqual({ type: "finish", reason: "stop" });
      answeredBy.push(outcome.models[0]?.candidateId ?? "none");
      if (answeredBy.at(-1) === primary) break;
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    const duringOutage = answeredBy.slice(0, -1);
    expect(answeredBy.at(-1)).toBe(primary);
    expect(duringOutage.length).toBeGreaterThanOrEqual(4);
    expect(duringOutage.every((candidate) => candidate === fallback)).toBe(true);
    // Two failures open the circuit; after that only one trial per cool-down, and one success at the end.
    // Without the breaker, every reply of the outage would have cost two calls to the primary.
    const primaryCalls = upstream.requestsFor(primary).length;
    expect(primaryCalls).toBeLessThanOrEqual(2 + Math.ceil(800 / 250) + 2);
    expect(primaryCalls).toBeLessThan(2 * duringOutage.length);
    expect(transitions[0]).toBe("closed->open");
    expect(transitions.at(-1)).toBe("half-open->closed");
    expect(breaker.state).toBe("closed");

    // Closed again: the next reply goes straight to the primary.
    const after = await ask(model, "U15 outage");
    expect(after.models.map((part) => part.candidateId)).toEqual([primary]);
  });

  it("an abort mid-reply ends with a stopped finish and cancels the upstream request", async () => {
    const primary = name("slow", "a");
    const { model } = chain(api, [primary]);
    const controller = new AbortController();
    const parts: ChatStreamPart[] = [];
    for await (const part of model.stream({
      prompt: [{ role: "user", content: "abort" }],
      signal: controller.signal,
    })) {
      parts.push(part);
      if (parts.filter((each) => each.type === "text.delta").length === 3) controller.abort();
    }
    expect(parts.at(-1)).toEqual({ type: "finish", reason: "stopped" });
    expect(upstream.requestsFor(primary)).toHaveLength(1);
    await expect.poll(() => upstream.requestsFor(primary)[0]?.closedByClient).toBe(true);
  });

  it("sends one usage, the sum of every call that reported one, just before the end", async () => {
    const primary = name("no-done", "usage");
    const fallback = name("ok", "usage");
    const { model, reports } = chain(api, [primary, fallback]);
    const outcome = await ask(model, "usage sum");
    const usages = outcome.parts.filter((part) => part.type === "usage");
    expect(usages).toHaveLength(1);
    expect(outcome.parts.at(-2)).toBe(usages[0]);
    const reported = reports.flatMap((report) => (report.usage ? [report.usage] : []));
    expect(reported.length).toBeGreaterThanOrEqual(1);
    expect(usages[0]).toMatchObject({
      inputTokens: reported.reduce((total, usage) => total + usage.inputTokens, 0),
      outputTokens: reported.reduce((total, usage) => total + usage.outputTokens, 0),
    });
    expect(model.modelId).toBe(primary);
  });

  describe("a prompt with images", () => {
    const seeing = ["text", "image"];
    const textOnly = ["text"];
    const png: ChatImage = {
      mediaType: "image/png",
      data: samplePng(4, 3).toString("base64"),
      width: 4,
      height: 3,
    };

    it("fails over past a fallback that cannot see images to one that can, and sends it the image", async () => {
      const primary = name("503", "img-primary");
      const blind = name("ok", "img-blind");
      const sighted = name("ok", "img-sighted");
      const { model, reports } = chain(api, [
        { model: primary, modalities: seeing },
        { model: blind, modalities: textOnly },
        { model: sighted, modalities: seeing },
      ]);
      const outcome = await ask(model, "What is in this picture?", [png]);
      expect(outcome.text).toBe(`Hello from ${sighted}.`);
      expect(outcome.end).toEqual({ type: "finish", reason: "stop" });
      expect(outcome.models.map((part) => part.candidateId)).toEqual([sighted]);
      expect(upstream.requestsFor(blind)).toHaveLength(0);
      // The skip is no call: it is neither reported nor counted against the blind model.
      expect(reports.map((report) => report.candidateId)).not.toContain(blind);
      const sent = upstream.requestsFor(sighted)[0]?.body.messages as { content: unknown }[];
      expect(imagePartsOf(sent.at(-1)?.content)).toHaveLength(1);

      // The same chain without an image takes the first fallback, as before.
      const plain = await ask(model, "Just text");
      expect(plain.text).toBe(`Hello from ${blind}.`);
    });

    it("does not continue a cut reply on a fallback that cannot see images, and says why it stayed cut", async () => {
      const primary = name("cut", "img-cut");
      const blind = name("ok", "img-cut-blind");
      const { model } = chain(api, [
        { model: primary, modalities: seeing },
        { model: blind, modalities: textOnly },
      ]);
      const outcome = await ask(model, "Describe this", [png]);
      expect(outcome.text).toBe("Hello from");
      expect(outcome.error).toMatchObject({ code: "reply_incomplete" });
      expect(outcome.error?.message).toContain(
        `no fallback model could continue it (models that cannot see the prompt's images were not tried: ${blind})`,
      );
      expect(upstream.requestsFor(blind)).toHaveLength(0);
    });

    it("ends with the primary's failure when every fallback is blind, naming the fallbacks not tried", async () => {
      const primary = name("503", "img-alone");
      const blind = [name("ok", "img-alone-blind-1"), name("ok", "img-alone-blind-2")];
      const { model } = chain(api, [
        { model: primary, modalities: seeing },
        ...blind.map((id) => ({ model: id, modalities: textOnly })),
      ]);
      const outcome = await ask(model, "Look", [png]);
      expect(outcome.text).toBe("");
      expect(outcome.error).toMatchObject({ code: "upstream_error", statusCode: 503, isRetryable: true });
      expect(outcome.error?.message).toMatch(
        new RegExp(`Models that cannot see the prompt's images were not tried: ${blind.join(", ")}\\.$`),
      );
      for (const id of blind) expect(upstream.requestsFor(id)).toHaveLength(0);
      expect(upstream.requestsFor(primary)).toHaveLength(2);
    });
  });
});

describe("ResilientChatModel asked for a JSON reply", () => {
  const json: ResponseFormat = { type: "json_object" };

  it("fails over past a fallback that cannot be held to JSON to one that can, and sends it response_format", async () => {
    const { model, reports } = chain("openai", [
      { model: "503@json-primary", structuredOutputs: true },
      { model: "ok@json-plain", structuredOutputs: false },
      { model: "ok@json-able", structuredOutputs: true },
    ]);
    const outcome = await ask(model, "Answer in JSON", undefined, json);
    expect(outcome.text).toBe("Hello from ok@json-able.");
    expect(upstream.requestsFor("ok@json-plain")).toHaveLength(0);
    expect(reports.map((report) => report.candidateId)).not.toContain("ok@json-plain");
    expect(upstream.requestsFor("ok@json-able")[0]?.body.response_format).toEqual(json);

    // Without JSON asked for, the first fallback answers, as before.
    expect((await ask(model, "Just text")).text).toBe("Hello from ok@json-plain.");
  });

  it("does not continue a JSON reply cut mid-way, even on a fallback that could, and names what was skipped", async () => {
    const { model } = chain("openai", [
      { model: "cut@json-cut", structuredOutputs: true },
      { model: "ok@json-cut-plain", structuredOutputs: false },
      { model: "ok@json-cut-able", structuredOutputs: true },
    ]);
    const outcome = await ask(model, "Answer in JSON", undefined, json);
    expect(outcome.text).toBe("Hello from");
    expect(outcome.error).toMatchObject({ code: "reply_incomplete" });
    expect(upstream.requestsFor("ok@json-cut-able")).toHaveLength(0);
    expect(upstream.requestsFor("ok@json-cut-plain")).toHaveLength(0);

    const failing = chain("openai", [
      { model: "503@json-alone", structuredOutputs: true },
      { model: "ok@json-alone-plain", structuredOutputs: false },
    ]);
    const alone = await ask(failing.model, "Answer in JSON", undefined, json);
    expect(alone.error?.message).toMatch(
      /Models that cannot be held to JSON replies were not tried: ok@json-alone-plain\.$/,
    );
  });
});

describe.each(["openai", "anthropic"] as const)(
  "ResilientChatModel offering tools over the %s wire format",
  (api) => {
    const tools = [{ name: "get_weather", parameters: { type: "object" } }];
    const call = async (model: ResilientChatModel, question: string) => {
      const parts: ChatStreamPart[] = [];
      for await (const part of model.stream({ prompt: [{ role: "user", content: question }], tools }))
        parts.push(part);
      return parts;
    };

    it("passes a model's tool calls on after its model.start, and fails over past a fallback that cannot call tools", async () => {
      const { model, reports } = chain(api, [
        { model: `503@${api}-tools-primary` },
        { model: `ok@${api}-tools-plain`, toolCalls: false },
        { model: `tools@${api}-tools-able` },
      ]);
      const parts = await call(model, "Weather in Paris?");
      expect(parts.map((part) => part.type)).toContain("tool_call.start");
      expect(parts.find((part) => part.type === "model.start")).toMatchObject({
        candidateId: `tools@${api}-tools-able`,
      });
      expect(parts.at(-1)).toEqual({ type: "finish", reason: "tool_calls" });
      expect(upstream.requestsFor(`ok@${api}-tools-plain`)).toHaveLength(0);
      expect(reports.map((report) => report.candidateId)).not.toContain(`ok@${api}-tools-plain`);
    });

    it("does not continue a reply cut after it began a call, even on a fallback that calls tools", async () => {
      const { model } = chain(api, [{ model: `tools-cut@${api}-cut` }, { model: `tools@${api}-after-cut` }]);
      const parts = await call(model, "Weather in Paris, cut?");
      const start = parts.findIndex((part) => part.type === "tool_call.start");
      expect(start).toBeGreaterThan(0);
      const end = parts.at(-1);
      expect(end?.type).toBe("error");
      expect((end as { error: ProviderError }).error).toMatchObject({ code: "reply_incomplete" });
      expect((end as { error: ProviderError }).error.message).toMatch(
        /a reply that called tools is not continued/,
      );
      expect(upstream.requestsFor(`tools@${api}-after-cut`)).toHaveLength(0);
    });
  },
);

describe("ResilientChatModel asked to think, over Anthropic's wire format", () => {
  const think = async (model: ResilientChatModel, question: string) => {
    const parts: ChatStreamPart[] = [];
    const thinking = { type: "enabled" as const, budget_tokens: 1024 };
    for await (const part of model.stream({ prompt: [{ role: "user", content: question }], thinking }))
      parts.push(part);
    return parts;
  };

  it("passes the thinking on after its model.start, before the text, and fails over past a fallback that cannot think", async () => {
    const { model, reports } = chain("anthropic", [
      { model: "503@think-primary", thinking: true },
      { model: "ok@think-plain" },
      { model: "ok@think-able", thinking: true },
    ]);
    const parts = await think(model, "Think, then answer");
    expect(parts.map((part) => part.type).slice(0, 4)).toEqual([
      "model.start",
      "thinking.delta",
      "thinking.delta",
      "thinking.signature",
    ]);
    expect(parts.find((part) => part.type === "model.start")).toMatchObject({ candidateId: "ok@think-able" });
    expect(parts.at(-1)).toEqual({ type: "finish", reason: "stop" });
    expect(upstream.requestsFor("ok@think-plain")).toHaveLength(0);
    expect(reports.map((report) => report.candidateId)).not.toContain("ok@think-plain");
  });

  it("does not continue a reply cut after it began thinking, even on a fallback that thinks", async () => {
    const { model } = chain("anthropic", [
      { model: "cut@think-cut", thinking: true },
      { model: "ok@think-after-cut", thinking: true },
    ]);
    const parts = await think(model, "Think, then be cut");
    expect(parts.some((part) => part.type === "thinking.signature")).toBe(true);
    const end = parts.at(-1) as { type: string; error: ProviderError };
    expect(end.type).toBe("error");
    expect(end.error).toMatchObject({ code: "reply_incomplete" });
    expect(end.error.message).toMatch(/a reply that began by thinking is not continued/);
    expect(upstream.requestsFor("ok@think-after-cut")).toHaveLength(0);
  });
});
