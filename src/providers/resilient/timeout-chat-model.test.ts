import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FaultUpstream, startFaultUpstream } from "../../../test/support/fault-upstream.js";
import { ProviderError } from "../../core/app-error.js";
import { AnthropicChatModel } from "../anthropic/anthropic-chat-model.js";
import type { ChatModel, ChatStreamPart } from "../chat-model.js";
import { OpenAICompatibleChatModel } from "../openai-compatible/openai-compatible-chat-model.js";
import { TimeoutChatModel } from "./timeout-chat-model.js";

let upstream: FaultUpstream;

beforeAll(async () => {
  upstream = await startFaultUpstream({ firstTokenDelayMs: 500, pingIntervalMs: 100 });
});

afterAll(async () => {
  await upstream.close();
});

const providers = {
  openai: (modelId: string): ChatModel =>
    new OpenAICompatibleChatModel({ modelId, baseURL: upstream.openAIBaseURL }),
  anthropic: (modelId: string): ChatModel =>
    new AnthropicChatModel({ modelId, baseURL: upstream.anthropicBaseURL }),
};

async function collect(model: ChatModel, signal?: AbortSignal) {
  const startedAt = performance.now();
  const parts: ChatStreamPart[] = [];
  for await (const part of model.stream({ prompt: [{ role: "user", content: "timeouts" }], signal })) {
    parts.push(part);
  }
  return { parts, elapsedMs: performance.now() - startedAt };
}

describe.each(["openai", "anthropic"] as const)("TimeoutChatModel over the %s wire format", (api) => {
  const provider = providers[api];

  it("ends a stream that stalls mid-answer with a retryable upstream_idle_timeout and cancels the request", async () => {
    const modelId = `stall@${api}-timeouts`;
    const { parts, elapsedMs } = await collect(
      new TimeoutChatModel(provider(modelId), { firstTokenTimeoutMs: 2000, idleTimeoutMs: 200 }),
    );
    expect(parts.slice(0, 2)).toEqual([
      { type: "text.delta", text: "Hello" },
      { type: "text.delta", text: " from" },
    ]);
    const last = parts.at(-1);
    expect(last?.type).toBe("error");
    const error = (last as { error: ProviderError }).error;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: "upstream_idle_timeout", isRetryable: true });
    expect(elapsedMs).toBeGreaterThanOrEqual(190);
    expect(elapsedMs).toBeLessThan(1500);
    await expect.poll(() => upstream.requestsFor(modelId).at(-1)?.closedByClient).toBe(true);
  });

  it("ends a call with no first part in time with a retryable upstream_timeout and cancels the request", async () => {
    const modelId = `hang@${api}-timeouts`;
    const { parts, elapsedMs } = await collect(
      new TimeoutChatModel(provider(modelId), { firstTokenTimeoutMs: 200, idleTimeoutMs: 5000 }),
    );
    expect(parts).toHaveLength(1);
    expect((parts[0] as { error: ProviderError }).error).toMatchObject({
      code: "upstream_timeout",
      isRetryable: true,
    });
    expect(elapsedMs).toBeLessThan(1500);
    await expect.poll(() => upstream.requestsFor(modelId).at(-1)?.closedByClient).toBe(true);
  });

  it("lets a slow first token through: the idle timeout starts with the first part", async () => {
    const { parts, elapsedMs } = await collect(
      new TimeoutChatModel(provider(`slow-first-token@${api}-timeouts`), {
        firstTokenTimeoutMs: 2000,
        idleTimeoutMs: 200,
      }),
    );
    expect(parts.at(-1)).toEqual({ type: "finish", reason: "stop" });
    expect(elapsedMs).toBeGreaterThanOrEqual(490);
  });

  it("passes an abort through as a stopped finish, not as a timeout", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const { parts } = await collect(
      new TimeoutChatModel(provider(`stall@${api}-abort`), {
        firstTokenTimeoutMs: 2000,
        idleTimeoutMs: 2000,
      }),
      controller.signal,
    );
    expect(parts.at(-1)).toEqual({ type: "finish", reason: "stopped" });
  });
});
