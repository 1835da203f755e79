import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FaultUpstream, startFaultUpstream } from "./support/fault-upstream.js";
import {
  createConversation,
  type ParleyProcess,
  startParley,
  temporaryDirectory,
} from "./support/parley-process.js";
import { openStream, textOf } from "./support/sse-client.js";

// Parley's own wiring of failover: config -> catalog -> runs -> stored messages, against a faulty upstream.
let upstream: FaultUpstream;
let parley: ParleyProcess;

beforeAll(async () => {
  upstream = await startFaultUpstream({ deltasBeforeFault: 2 });
  const dir = temporaryDirectory();
  const model = (id: string, upstreamModel: string, extra: string[] = []) => [
    `      - id: ${id}`,
    `        upstreamModel: "${upstreamModel}"`,
    "        tier: balanced",
    "        contextWindow: 8192",
    "        pricing: {input: 1, output: 2}",
    ...extra,
  ];
  writeFileSync(
    path.join(dir, "parley.config.yaml"),
    [
      "failover:",
      "  baseDelayMs: 20",
      "  maxDelayMs: 50",
      "  idleTimeoutMs: 500",
      "providers:",
      "  - id: openai-like",
      "    type: openai-compatible",
      `    baseURL: ${upstream.openAIBaseURL}`,
      "    models:",
      ...model("flaky", "500-once@flaky"),
      ...model("down", "503@down", ["        fallbacks: [backup]"]),
      ...model("cut", "cut@cut", ["        fallbacks: [backup]"]),
      ...model("filtered", "content-filter@filtered", ["        fallbacks: [backup]"]),
      "  - id: claude-like",
      "    type: anthropic",
      `    baseURL: ${upstream.anthropicBaseURL}`,
      "    apiKey: test-key",
      "    models:",
      ...model("backup", "ok@backup"),
    ].join("\n"),
  );
  parley = await startParley({ dataDir: dir });
});

afterAll(async () => {
  await parley?.stop();
  await upstream?.close();
});

async function ask(model: string, content: string) {
  const conversationId = await createConversation(parley);
  const events = await (
    await openStream(`${parley.url}/api/conversations/${conversationId}/messages`, {
      method: "POST",
      body: JSON.stringify({ content, model }),
    })
  ).events();
  const conversation = await parley.json<{
    messages: {
      role: string;
      content: string;
      status: string;
      model: string;
      usage: Record<string, number>;
    }[];
  }>(`/api/conversations/${conversationId}`);
  return { events, stored: conversation.messages.find((message) => message.role === "assistant") };
}

describe("failover through Parley, against an upstream that misbehaves on purpose", () => {
  it("U3: retries a 500 once and shows one reply, with no text twice", async () => {
    const { events, stored } = await ask("flaky", "u3");
    expect(textOf(events)).toBe("Hello from 500-once@flaky.");
    expect(stored).toMatchObject({
      status: "complete",
      model: "flaky",
      content: "Hello from 500-once@flaky.",
    });
    expect(upstream.requestsFor("500-once@flaky").length).toBe(2);
  });

  it("U4 and U16: falls back from a model that answers 503 to its fallback on Anthropic, and records who answered", async () => {
    const { events, stored } = await ask("down", "u4");
    expect(textOf(events)).toBe("Hello from ok@backup.");
    expect(events[0]).toMatchObject({ event: "run.start", data: { model: "down" } });
    expect(events.at(-1)).toMatchObject({
      event: "run.end",
      data: { model: "backup", finishReason: "stop" },
    });
    expect(stored).toMatchObject({ status: "complete", model: "backup" });
    expect(stored?.usage.outputTokens).toBeGreaterThan(0);
    expect(upstream.requestsFor("ok@backup").at(-1)?.api).toBe("anthropic");
  });

  it("U8: finishes a reply cut mid-way on the fallback, the partial text as a prefill, nothing doubled", async () => {
    const { events, stored } = await ask("cut", "u8");
    const text = textOf(events);
    // The cut model said "Hello from"; the fallback was asked to continue that text.
    expect(text.startsWith("Hello from")).toBe(true);
    expect(text).toBe("Hello from ok@backup.");
    const prefill = upstream.requestsFor("ok@backup").at(-1)?.body.messages as {
      role: string;
      content: unknown;
    }[];
    expect(prefill.at(-1)?.role).toBe("assistant");
    expect(events.at(-1)).toMatchObject({ event: "run.end", data: { model: "backup" } });
    expect(stored).toMatchObject({ status: "complete", content: text, model: "backup" });
  });

  it("U13: a content filter is a clear error, not routed around, with the partial text kept", async () => {
    const before = upstream.requestsFor("ok@backup").length;
    const { events, stored } = await ask("filtered", "u13");
    expect(events.at(-1)).toMatchObject({
      event: "run.error",
      data: { code: "content_filtered", retryable: false },
    });
    expect(stored?.status).toBe("incomplete");
    expect(stored?.content).toBe(textOf(events));
    expect(upstream.requestsFor("ok@backup").length).toBe(before);
  });

  it("still serves after all of that", async () => {
    expect((await parley.api("/healthz")).status).toBe(200);
    const { events } = await ask("backup", "still there?");
    expect(textOf(events)).toBe("Hello from ok@backup.");
  });
});
