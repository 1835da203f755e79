import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FaultUpstream, startFaultUpstream } from "../../../test/support/fault-upstream.js";
import { ProviderError } from "../../core/app-error.js";
import type { ChatStreamPart } from "../chat-model.js";
import { OpenAICompatibleChatModel } from "./openai-compatible-chat-model.js";

let upstream: FaultUpstream;

beforeAll(async () => {
  upstream = await startFaultUpstream();
});

afterAll(async () => {
  await upstream.close();
});

async function collect(modelId: string, signal?: AbortSignal, onPart?: (part: ChatStreamPart) => void) {
  const model = new OpenAICompatibleChatModel({ modelId, baseURL: upstream.openAIBaseURL });
  const parts: ChatStreamPart[] = [];
  for await (const part of model.stream({ prompt: [{ role: "user", content: "hi" }], signal })) {
    parts.push(part);
    onPart?.(part);
  }
  return parts;
}

describe("OpenAICompatibleChatModel against an OpenAI-format upstream over HTTP", () => {
  it("turns chunks into text deltas, usage and a finish, and asks for usage in the stream", async () => {
    const parts = await collect("ok");
    expect(parts).toEqual([
      { type: "text.delta", text: "Hello" },
      { type: "text.delta", text: " from" },
      { type: "text.delta", text: " ok." },
      { type: "usage", inputTokens: 1, outputTokens: 3 },
      { type: "finish", reason: "stop" },
    ]);
    expect(upstream.requests.at(-1)?.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it("sends top_k only to a server that says it reads it, since OpenAI's own API refuses the field", async () => {
    const send = async (readsTopK: boolean) => {
      const model = new OpenAICompatibleChatModel({
        modelId: "ok",
        baseURL: upstream.openAIBaseURL,
        readsTopK,
      });
      for await (const _ of model.stream({ prompt: [{ role: "user", content: "hi" }], topK: 7 }));
      return upstream.requests.at(-1)?.body;
    };
    expect(await send(true)).toMatchObject({ top_k: 7 });
    expect(await send(false)).not.toHaveProperty("top_k");
  });

  it("sends the token limit as max_completion_tokens once the model refuses max_tokens, as OpenAI's reasoning models do", async () => {
    const model = new OpenAICompatibleChatModel({ modelId: "reasoning", baseURL: upstream.openAIBaseURL });
    const reply = async () => {
      const before = upstream.requests.length;
      const parts: ChatStreamPart[] = [];
      for await (const part of model.stream({
        prompt: [{ role: "user", content: "hi" }],
        maxOutputTokens: 9,
      }))
        parts.push(part);
      return { parts, bodies: upstream.requests.slice(before).map((request) => request.body) };
    };
    const first = await reply();
    expect(first.parts.at(-1)).toEqual({ type: "finish", reason: "stop" });
    expect(first.bodies).toEqual([
      expect.objectContaining({ max_tokens: 9 }),
      expect.objectContaining({ max_completion_tokens: 9 }),
    ]);
    expect(first.bodies[1]).not.toHaveProperty("max_tokens");
    // The model is known now: no refusal is asked for again.
    const second = await reply();
    expect(second.bodies).toEqual([expect.objectContaining({ max_completion_tokens: 9 })]);
    // Another server's refusal of anything else is still the caller's error, sent once.
    const other = new OpenAICompatibleChatModel({ modelId: "status-400", baseURL: upstream.openAIBaseURL });
    const before = upstream.requests.length;
    const parts: ChatStreamPart[] = [];
    for await (const part of other.stream({ prompt: [{ role: "user", content: "hi" }], maxOutputTokens: 9 }))
      parts.push(part);
    expect(parts).toEqual([{ type: "error", error: expect.any(ProviderError) }]);
    expect(upstream.requests.length).toBe(before + 1);
  });

  it("reports a stream cut before the finish as a retryable error, never as a finished reply", async () => {
    const parts = await collect("cut");
    expect(parts.slice(0, 2)).toEqual([
      { type: "text.delta", text: "Hello" },
      { type: "text.delta", text: " from" },
    ]);
    const last = parts.at(-1);
    expect(last?.type).toBe("error");
    expect(parts.some((part) => part.type === "finish")).toBe(false);
    const error = (last as { error: ProviderError }).error;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.isRetryable).toBe(true);
  });

  it("maps HTTP errors with their status and body, and a context overflow as not retryable", async () => {
    const [serverError] = await collect("status-500");
    const failure = (serverError as { error: ProviderError }).error;
    expect(failure).toMatchObject({ statusCode: 500, isRetryable: true });
    expect(failure.responseBody).toContain("The upstream answered 500 as asked.");

    const [overflow] = await collect("context");
    expect((overflow as { error: ProviderError }).error).toMatchObject({
      code: "context_length_exceeded",
      statusCode: 400,
      isRetryable: false,
    });
  });

  it("ends with a stopped finish when aborted, and sends no request retries of its own", async () => {
    const controller = new AbortController();
    const before = upstream.requests.length;
    let deltas = 0;
    const parts = await collect("slow", controller.signal, (part) => {
      if (part.type === "text.delta" && ++deltas === 3) controller.abort();
    });
    expect(parts.at(-1)).toEqual({ type: "finish", reason: "stopped" });
    expect(parts.filter((part) => part.type === "text.delta").length).toBeLessThan(10);
    expect(upstream.requests.length - before).toBe(1);
  });
});
