import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FaultUpstream, startFaultUpstream } from "./fault-upstream.js";

let upstream: FaultUpstream;

beforeAll(async () => {
  upstream = await startFaultUpstream();
});

afterAll(async () => {
  await upstream.close();
});

async function post(path: string, body: Record<string, unknown>) {
  const response = await fetch(`${upstream.anthropicBaseURL}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

const eventNamesOf = (text: string) =>
  text
    .split("\n")
    .filter((line) => line.startsWith("event: "))
    .map((line) => line.slice("event: ".length));

describe("the fault upstream", () => {
  it("streams the documented Anthropic event sequence, with event lines and a ping", async () => {
    const { status, headers, text } = await post("/v1/messages", {
      model: "ok",
      max_tokens: 100,
      stream: true,
      messages: [{ role: "user", content: "hi" }],
    });
    expect(status).toBe(200);
    expect(headers.get("content-type")).toBe("text/event-stream");
    expect(eventNamesOf(text)).toEqual([
      "message_start",
      "content_block_start",
      "ping",
      "content_block_delta",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
  });

  it("streams OpenAI chunks with usage on request, closed by [DONE]", async () => {
    const { text } = await post("/v1/chat/completions", {
      model: "ok",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "hi" }],
    });
    const data = text.split("\n\n").filter(Boolean);
    expect(data.at(-1)).toBe("data: [DONE]");
    expect(JSON.parse((data.at(-2) as string).slice("data: ".length))).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 1, completion_tokens: 3 },
    });
    const { text: withoutUsage } = await post("/v1/chat/completions", {
      model: "ok",
      stream: true,
      messages: [{ role: "user", content: "hi" }],
    });
    expect(withoutUsage).not.toContain('"usage"');
  });

  it("answers whole replies (no stream) that the official SDKs parse", async () => {
    const openai = new OpenAI({ baseURL: upstream.openAIBaseURL, apiKey: "test", maxRetries: 0 });
    const completion = await openai.chat.completions.create({
      model: "ok@whole",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(completion.choices[0]?.message.content).toBe("Hello from ok@whole.");
    expect(completion.choices[0]?.finish_reason).toBe("stop");

    const anthropic = new Anthropic({ baseURL: upstream.anthropicBaseURL, apiKey: "test", maxRetries: 0 });
    const message = await anthropic.messages.create({
      model: "ok@whole",
      max_tokens: 2,
      messages: [{ role: "user", content: "hi" }],
    });
    expect(message.content).toEqual([{ type: "text", text: "Hello from" }]);
    expect(message.stop_reason).toBe("max_tokens");
  });

  it("refuses what the real Messages API refuses, and records every request", async () => {
    const before = upstream.requests.length;
    const sameRole = await post("/v1/messages", {
      model: "ok",
      max_tokens: 10,
      messages: [
        { role: "user", content: "one" },
        { role: "user", content: "two" },
      ],
    });
    expect(sameRole.status).toBe(400);
    expect(sameRole.text).toContain("roles must alternate");
    const noMaxTokens = await post("/v1/messages", {
      model: "ok",
      messages: [{ role: "user", content: "x" }],
    });
    expect(noMaxTokens.status).toBe(400);
    expect(upstream.requests.length - before).toBe(2);
    expect(upstream.requests.at(-1)).toMatchObject({ api: "anthropic", model: "ok", fault: "ok" });
  });

  it("keeps counters per model and conversation: 500-once fails once for each", async () => {
    const ask = (content: string) =>
      post("/v1/chat/completions", { model: "500-once@counter", messages: [{ role: "user", content }] });
    expect((await ask("first")).status).toBe(500);
    expect((await ask("first")).status).toBe(200);
    expect((await ask("second")).status).toBe(500);
  });
});
