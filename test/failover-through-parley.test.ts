import { beforeAll, describe, expect, it } from "vitest";
import { ask } from "./support/ask-parley.js";
import type { FaultUpstream } from "./support/fault-upstream.js";
import type { ParleyProcess } from "./support/parley-process.js";
import { anthropicProvider, faultModel, openAIProvider } from "./support/remote-config.js";
import { startRemoteParley } from "./support/remote-parley.js";
import { textOf } from "./support/sse-client.js";

// Parley's own wiring of failover: config -> catalog -> runs -> stored messages, against a faulty upstream.
let upstream: FaultUpstream;
let parley: ParleyProcess;

beforeAll(async () => {
  const toBackup = { fallbacks: ["backup"] };
  const served = await startRemoteParley(
    (upstream) => ({
      providers: [
        openAIProvider("openai-like", upstream, [
          faultModel("flaky", "500-once@flaky"),
          faultModel("down", "503@down", toBackup),
          faultModel("cut", "cut@cut", toBackup),
          faultModel("filtered", "content-filter@filtered", toBackup),
        ]),
        anthropicProvider("claude-like", upstream, [faultModel("backup", "ok@backup")]),
      ],
    }),
    { upstream: { deltasBeforeFault: 2 } },
  );
  ({ parley, upstream } = served);
  return served.stop;
});

describe("failover through Parley, against an upstream that misbehaves on purpose", () => {
  it("U3: retries a 500 once and shows one reply, with no text twice", async () => {
    const { events, stored } = await ask(parley, "flaky", "u3");
    expect(textOf(events)).toBe("Hello from 500-once@flaky.");
    expect(stored).toMatchObject({
      status: "complete",
      model: "flaky",
      content: "Hello from 500-once@flaky.",
    });
    expect(upstream.requestsFor("500-once@flaky").length).toBe(2);
  });

  it("U4 and U16: falls back from a model that answers 503 to its fallback on Anthropic, and records who answered", async () => {
    const { events, stored } = await ask(parley, "down", "u4");
    expect(textOf(events)).toBe("Hello from ok@backup.");
    expect(events[0]).toMatchObject({ event: "run.start", data: { model: "down" } });
    expect(events.at(-1)).toMatchObject({
      event: "run.end",
      data: { model: "backup", finishReason: "stop" },
    });
    expect(stored).toMatchObject({ status: "complete", model: "backup" });
    expect(stored?.usage?.outputTokens).toBeGreaterThan(0);
    expect(upstream.requestsFor("ok@backup").at(-1)?.api).toBe("anthropic");
  });

  it("U8: finishes a reply cut mid-way on the fallback, the partial text as a prefill, nothing doubled", async () => {
    const { events, stored } = await ask(parley, "cut", "u8");
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
    const { events, stored } = await ask(parley, "filtered", "u13");
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
    const { events } = await ask(parley, "backup", "still there?");
    expect(textOf(events)).toBe("Hello from ok@backup.");
  });
});
