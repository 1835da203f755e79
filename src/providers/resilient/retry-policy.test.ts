import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FaultUpstream, startFaultUpstream } from "../../../test/support/fault-upstream.js";
import { ProviderError } from "../../core/app-error.js";
import { AnthropicChatModel } from "../anthropic/anthropic-chat-model.js";
import type { ChatModel } from "../chat-model.js";
import { OpenAICompatibleChatModel } from "../openai-compatible/openai-compatible-chat-model.js";
import { parseRetryAfter } from "./retry-after.js";
import { RetryPolicy } from "./retry-policy.js";

let upstream: FaultUpstream;

beforeAll(async () => {
  upstream = await startFaultUpstream({ retryAfterSeconds: 7 });
});

afterAll(async () => {
  await upstream.close();
});

async function firstErrorOf(model: ChatModel): Promise<unknown> {
  for await (const part of model.stream({ prompt: [{ role: "user", content: "policy" }] })) {
    if (part.type === "error") return part.error;
  }
  throw new Error("expected an error part");
}

const error = (options: ConstructorParameters<typeof ProviderError>[1]) =>
  new ProviderError("failed", options);

describe("RetryPolicy", () => {
  it("honours Retry-After from a real 429 of either wire format, capped", async () => {
    const policy = new RetryPolicy({ maxRetryAfterMs: 20_000 });
    const capped = new RetryPolicy({ maxRetryAfterMs: 3_000 });
    for (const model of [
      new OpenAICompatibleChatModel({ modelId: "429-retry-after@openai", baseURL: upstream.openAIBaseURL }),
      new AnthropicChatModel({ modelId: "429-retry-after@anthropic", baseURL: upstream.anthropicBaseURL }),
    ]) {
      const failure = await firstErrorOf(model);
      expect(policy.decide({ attempt: 1, error: failure, deliveredText: false })).toEqual({
        retry: true,
        delayMs: 7000,
      });
      expect(capped.decide({ attempt: 1, error: failure, deliveredText: false })).toEqual({
        retry: true,
        delayMs: 3000,
      });
    }
  });

  it("reads Retry-After as seconds or as an HTTP date, and retry-after-ms before both", () => {
    const now = Date.parse("2030-01-01T00:00:00Z");
    expect(parseRetryAfter("2", now)).toBe(2000);
    expect(parseRetryAfter("0.5", now)).toBe(500);
    expect(parseRetryAfter("Tue, 01 Jan 2030 00:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Mon, 31 Dec 2029 23:59:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter("-3", now)).toBeUndefined();
    const policy = new RetryPolicy({ now: () => now });
    const both = error({ statusCode: 429, details: { retryAfter: "9", retryAfterMs: "250" } });
    expect(policy.decide({ attempt: 1, error: both, deliveredText: false })).toEqual({
      retry: true,
      delayMs: 250,
    });
    const dated = error({ statusCode: 503, details: { retryAfter: "Tue, 01 Jan 2030 00:00:04 GMT" } });
    expect(policy.decide({ attempt: 1, error: dated, deliveredText: false })).toEqual({
      retry: true,
      delayMs: 4000,
    });
  });

  it("backs off with full jitter below an exponential ceiling that is capped", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 0.999_999, noNaN: true }),
        fc.integer({ min: 1, max: 30 }),
        (random, attempt) => {
          const policy = new RetryPolicy({ baseDelayMs: 100, maxDelayMs: 5000, random: () => random });
          const ceiling = Math.min(5000, 100 * 2 ** (attempt - 1));
          const delay = policy.backoffMs(attempt);
          return delay >= 0 && delay < ceiling && delay === Math.floor(random * ceiling);
        },
      ),
    );
  });

  it("retries passing failures a bounded number of times, and never an attempt that delivered text", () => {
    const policy = new RetryPolicy({ maxAttempts: 3, random: () => 0 });
    const overloaded = error({ statusCode: 529 });
    expect(policy.decide({ attempt: 1, error: overloaded, deliveredText: false }).retry).toBe(true);
    expect(policy.decide({ attempt: 2, error: overloaded, deliveredText: false }).retry).toBe(true);
    expect(policy.decide({ attempt: 3, error: overloaded, deliveredText: false }).retry).toBe(false);
    expect(policy.decide({ attempt: 1, error: overloaded, deliveredText: true }).retry).toBe(false);
    for (const statusCode of [400, 401, 403, 404]) {
      expect(policy.decide({ attempt: 1, error: error({ statusCode }), deliveredText: false }).retry).toBe(
        false,
      );
    }
    expect(policy.decide({ attempt: 1, error: new Error("a defect"), deliveredText: false }).retry).toBe(
      false,
    );
  });

  it("fails over for endpoint failures, but not for errors about the request itself", () => {
    const policy = new RetryPolicy();
    expect(policy.canFailOver(error({ statusCode: 503 }))).toBe(true);
    expect(policy.canFailOver(error({ statusCode: 401 }))).toBe(true);
    expect(policy.canFailOver(error({ statusCode: 404 }))).toBe(true);
    expect(policy.canFailOver(error({ statusCode: 400 }))).toBe(false);
    expect(policy.canFailOver(error({ statusCode: 400, code: "context_length_exceeded" }))).toBe(false);
    expect(policy.canFailOver(error({ code: "content_filtered", isRetryable: false }))).toBe(false);
  });
});
