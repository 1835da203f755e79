import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FaultUpstream, startFaultUpstream } from "../../../test/support/fault-upstream.js";
import { ProviderError } from "../../core/app-error.js";
import type { ChatCallOptions, ChatPrompt, ChatStreamPart } from "../chat-model.js";
import { AnthropicChatModel, type AnthropicChatModelConfig } from "./anthropic-chat-model.js";

let upstream: FaultUpstream;

beforeAll(async () => {
  upstream = await startFaultUpstream({ firstTokenDelayMs: 600, pingIntervalMs: 100 });
});

afterAll(async () => {
  await upstream.close();
});

function modelFor(modelId: string, config: Partial<AnthropicChatModelConfig> = {}) {
  return new AnthropicChatModel({
    modelId,
    baseURL: upstream.anthropicBaseURL,
    apiKey: "test-key",
    ...config,
  });
}

async function collect(
  model: AnthropicChatModel,
  options: Partial<ChatCallOptions> = {},
  onPart?: (part: ChatStreamPart) => void,
): Promise<ChatStreamPart[]> {
  const parts: ChatStreamPart[] = [];
  for await (const part of model.stream({ prompt: [{ role: "user", content: "hi" }], ...options })) {
    parts.push(part);
    onPart?.(part);
  }
  return parts;
}

const textOf = (parts: ChatStreamPart[]) =>
  parts.map((part) => (part.type === "text.delta" ? part.text : "")).join("");

function errorOf(parts: ChatStreamPart[]): ProviderError {
  const last = parts.at(-1);
  if (last?.type !== "error") throw new Error(`expected an error part last, got ${JSON.stringify(last)}`);
  expect(last.error).toBeInstanceOf(ProviderError);
  return last.error as ProviderError;
}

describe("AnthropicChatModel against an Anthropic-format upstream over HTTP", () => {
  it("streams text deltas, then usage (input from message_start, output from message_delta), then a finish", async () => {
    const parts = await collect(modelFor("ok"));
    expect(parts).toEqual([
      { type: "text.delta", text: "Hello" },
      { type: "text.delta", text: " from" },
      { type: "text.delta", text: " ok." },
      { type: "usage", inputTokens: 1, outputTokens: 3 },
      { type: "finish", reason: "stop" },
    ]);
  });

  it("sends one system prompt, alternating merged turns, max_tokens, sampling settings and stop sequences", async () => {
    const prompt: ChatPrompt = [
      { role: "system", content: "Be brief." },
      { role: "user", content: "First question." },
      { role: "user", content: "And a second one." },
      { role: "assistant", content: "" },
      { role: "system", content: "Answer in English." },
      { role: "assistant", content: "An answer." },
      { role: "user", content: "Thanks." },
    ];
    const parts = await collect(modelFor("ok@request", { defaultMaxOutputTokens: 321 }), {
      prompt,
      temperature: 0.2,
      topP: 0.9,
      stopSequences: ["END"],
    });
    expect(parts.at(-1)).toEqual({ type: "finish", reason: "stop" });
    expect(upstream.requestsFor("ok@request").at(-1)?.body).toEqual({
      model: "ok@request",
      max_tokens: 321,
      stream: true,
      system: "Be brief.\n\nAnswer in English.",
      messages: [
        { role: "user", content: "First question.\n\nAnd a second one." },
        { role: "assistant", content: "An answer." },
        { role: "user", content: "Thanks." },
      ],
      temperature: 0.2,
      top_p: 0.9,
      stop_sequences: ["END"],
    });
    // This SDK version sends the API key as a bearer token.
    expect(upstream.requestsFor("ok@request").at(-1)?.headers.authorization).toBe("Bearer test-key");
  });

  it("maps stop reasons: max_tokens to length, stop_sequence to stop", async () => {
    const truncated = await collect(modelFor("ok"), { maxOutputTokens: 2 });
    expect(textOf(truncated)).toBe("Hello from");
    expect(truncated.at(-1)).toEqual({ type: "finish", reason: "length" });
    expect(upstream.requestsFor("ok").at(-1)?.body.max_tokens).toBe(2);

    const sequenced = await collect(modelFor("ok"), { stopSequences: [" from"] });
    expect(textOf(sequenced)).toBe("Hello");
    expect(sequenced.at(-1)).toEqual({ type: "finish", reason: "stop" });
  });

  it("tolerates ping events, unknown event types and non-text content blocks", async () => {
    const parts = await collect(modelFor("unknown-events"));
    expect(textOf(parts)).toBe("Hello from unknown-events.");
    expect(parts.at(-1)).toEqual({ type: "finish", reason: "stop" });

    // Pings arrive every 100 ms while the first token is awaited.
    const slow = await collect(modelFor("slow-first-token"));
    expect(textOf(slow)).toBe("Hello from slow-first-token.");
    expect(slow.at(-1)).toEqual({ type: "finish", reason: "stop" });
  });

  it("turns a mid-stream error event into a retryable error part after the text that came", async () => {
    const parts = await collect(modelFor("error-event"));
    expect(textOf(parts)).toBe("Hello from");
    expect(parts.some((part) => part.type === "finish")).toBe(false);
    const error = errorOf(parts);
    expect(error.isRetryable).toBe(true);
    expect(error.statusCode).toBeUndefined();
    expect(error.responseBody).toContain("overloaded_error");
  });

  it("maps HTTP errors: 429, 5xx and 529 retryable; 400, 401, 403, 404 not; with status and body", async () => {
    for (const status of [429, 500, 503, 529]) {
      const error = errorOf(await collect(modelFor(`status-${status}`)));
      expect(error).toMatchObject({ statusCode: status, isRetryable: true, code: "upstream_error" });
      expect(error.responseBody).toContain('"type":"error"');
    }
    for (const [status, type] of [
      [400, "invalid_request_error"],
      [401, "authentication_error"],
      [403, "permission_error"],
      [404, "not_found_error"],
    ] as const) {
      const error = errorOf(await collect(modelFor(`status-${status}`)));
      expect(error).toMatchObject({ statusCode: status, isRetryable: false });
      expect(error.responseBody).toContain(type);
    }
  });

  it("maps a prompt that is too long to context_length_exceeded, and keeps Retry-After for the retry policy", async () => {
    expect(errorOf(await collect(modelFor("context")))).toMatchObject({
      code: "context_length_exceeded",
      statusCode: 400,
      isRetryable: false,
    });
    const limited = errorOf(
      await collect(modelFor("429-retry-after"), { prompt: [{ role: "user", content: "retry-after" }] }),
    );
    expect(limited).toMatchObject({ statusCode: 429, isRetryable: true, details: { retryAfter: "1" } });
  });

  it("reports a refusal stop as a content_filtered error that is not retryable", async () => {
    const parts = await collect(modelFor("content-filter"));
    expect(textOf(parts)).toBe("Hello");
    expect(errorOf(parts)).toMatchObject({ code: "content_filtered", isRetryable: false });
  });

  it("never reports a cut, malformed or unfinished stream as finished", async () => {
    for (const model of ["cut", "malformed", "no-done"]) {
      const parts = await collect(modelFor(model));
      expect(
        parts.some((part) => part.type === "finish"),
        model,
      ).toBe(false);
      expect(errorOf(parts).isRetryable, model).toBe(true);
    }
    // no-done sends every word and a stop reason, but no message_stop.
    expect(textOf(await collect(modelFor("no-done")))).toBe("Hello from no-done.");
  });

  it("maps a reset connection and a response that never comes (headers timeout) to retryable errors", async () => {
    expect(errorOf(await collect(modelFor("reset")))).toMatchObject({
      code: "upstream_unreachable",
      isRetryable: true,
    });
    const startedAt = performance.now();
    expect(errorOf(await collect(modelFor("hang", { timeoutMs: 200 })))).toMatchObject({
      code: "upstream_timeout",
      isRetryable: true,
    });
    expect(performance.now() - startedAt).toBeLessThan(2000);
  });

  it("continues a prefill without trailing whitespace, which the API refuses, and without doubling it", async () => {
    const parts = await collect(modelFor("ok@prefill"), {
      prompt: [
        { role: "user", content: "Say hello." },
        { role: "assistant", content: "Hello " },
      ],
    });
    expect(upstream.requestsFor("ok@prefill").at(-1)?.body.messages).toEqual([
      { role: "user", content: "Say hello." },
      { role: "assistant", content: "Hello" },
    ]);
    // The caller already shows "Hello ", so the continuation " from ok@prefill." loses its leading space.
    expect(textOf(parts)).toBe("from ok@prefill.");
    expect(parts.at(-1)).toEqual({ type: "finish", reason: "stop" });
  });

  it("ends with a stopped finish when aborted, cancels the upstream request, and never retries by itself", async () => {
    const controller = new AbortController();
    const before = upstream.requests.length;
    let deltas = 0;
    const parts = await collect(modelFor("slow"), { signal: controller.signal }, (part) => {
      if (part.type === "text.delta" && ++deltas === 3) controller.abort();
    });
    expect(parts.at(-1)).toEqual({ type: "finish", reason: "stopped" });
    expect(deltas).toBeLessThan(20);
    expect(upstream.requests.length - before).toBe(1);
    await expect.poll(() => upstream.requests.at(-1)?.closedByClient).toBe(true);

    const failedBefore = upstream.requests.length;
    await collect(modelFor("503"));
    expect(upstream.requests.length - failedBefore).toBe(1);
  });
});
