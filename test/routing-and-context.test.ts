import { beforeAll, describe, expect, it } from "vitest";
import { sendMessage } from "./support/ask-parley.js";
import type { FaultUpstream } from "./support/fault-upstream.js";
import { createConversation, type ParleyProcess } from "./support/parley-process.js";
import { faultModel, openAIProvider } from "./support/remote-config.js";
import { startRemoteParley } from "./support/remote-parley.js";
import { ALPHABET, textOf } from "./support/sse-client.js";

let upstream: FaultUpstream;
let parley: ParleyProcess;

beforeAll(async () => {
  const served = await startRemoteParley(
    (upstream) => ({
      engine: { threads: 1, sequences: 2, contextSize: 2048 },
      runs: { maxOutputTokens: 256 },
      models: [{ id: "tiny", file: "./tiny.gguf", tier: "fast" }],
      providers: [
        openAIProvider("remote", upstream, [
          faultModel("remote-balanced", "ok", {
            tier: "balanced",
            contextWindow: 16000,
            pricing: { input: 3, output: 15 },
          }),
          faultModel("remote-smart", "ok", {
            tier: "smart",
            contextWindow: 200000,
            pricing: { input: 15, output: 75 },
          }),
        ]),
      ],
    }),
    { tinyModel: true },
  );
  ({ parley, upstream } = served);
  return served.stop;
});

// The tiny model's tokenizer is byte-level: a character is a token.
const LONG = "word ".repeat(700);

describe("auto routing", () => {
  it("sends a short prompt to the cheapest fitting model of the lowest tier, and says why", async () => {
    const { events } = await sendMessage(parley, { content: "hello", model: "auto" });
    expect(events[0]).toMatchObject({
      event: "run.start",
      data: {
        model: "tiny",
        routing: { requested: "auto", reason: expect.stringMatching(/^fast tier, the cheapest/) },
      },
    });
    expect(textOf(events)).toBe(ALPHABET);
  });

  it("sends a prompt longer than the fast model's window to one that holds it", async () => {
    const { events } = await sendMessage(parley, { content: LONG, model: "auto" });
    expect(events[0]).toMatchObject({ data: { model: "remote-balanced", routing: { requested: "auto" } } });
    expect(textOf(events)).toBe(upstream.replyText("ok"));
  });

  it("starts from the tier asked for", async () => {
    const { events } = await sendMessage(parley, { content: "think hard", tier: "smart" });
    expect(events[0]).toMatchObject({
      data: { model: "remote-smart", routing: { requested: "tier:smart" } },
    });
  });
});

describe("the context window", () => {
  it("refuses, before sending anything, a message too long for the model asked for, naming models that hold it", async () => {
    const before = upstream.requests.length;
    const { status, problem } = await sendMessage(parley, { content: LONG, model: "tiny" });
    expect(status).toBe(400);
    expect(problem?.error.code).toBe("context_length_exceeded");
    expect(problem?.error.message).toMatch(
      /too long for tiny.*2048-token context window.*remote-balanced \(16000 tokens\)/,
    );
    expect(upstream.requests.length).toBe(before);
  });

  it("leaves out the oldest turns of a long conversation, keeps the last, and tells the client how many", async () => {
    const conversationId = await createConversation(parley);
    const chunk = "x".repeat(450);
    for (let turn = 0; turn < 3; turn++) {
      const { events } = await sendMessage(
        parley,
        { content: `${turn} ${chunk}`, model: "tiny" },
        { conversationId },
      );
      expect(textOf(events)).toBe(ALPHABET);
    }
    const { events } = await sendMessage(
      parley,
      { content: `last ${chunk}`, model: "tiny" },
      { conversationId },
    );
    const start = events[0]?.data as { context: { promptTokens: number; trimmedMessages: number } };
    expect(start.context.trimmedMessages).toBeGreaterThanOrEqual(2);
    expect(start.context.promptTokens).toBeLessThanOrEqual(2048 - 256);
    expect(textOf(events)).toBe(ALPHABET);
  });
});
