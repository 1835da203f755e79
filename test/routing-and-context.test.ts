import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTinyModel } from "../src/engine/tiny-model.js";
import { type FaultUpstream, startFaultUpstream } from "./support/fault-upstream.js";
import {
  createConversation,
  type ParleyProcess,
  startParley,
  temporaryDirectory,
} from "./support/parley-process.js";
import { ALPHABET, openStream, textOf } from "./support/sse-client.js";

let upstream: FaultUpstream;
let parley: ParleyProcess;

beforeAll(async () => {
  upstream = await startFaultUpstream();
  const dir = temporaryDirectory();
  await writeTinyModel(path.join(dir, "tiny.gguf"));
  writeFileSync(
    path.join(dir, "parley.config.yaml"),
    [
      "engine: {threads: 1, sequences: 2, contextSize: 2048}",
      "runs: {maxOutputTokens: 256}",
      "models:",
      "  - id: tiny",
      "    file: ./tiny.gguf",
      "    tier: fast",
      "providers:",
      "  - id: remote",
      "    type: openai-compatible",
      `    baseURL: ${upstream.openAIBaseURL}`,
      "    models:",
      "      - {id: remote-balanced, upstreamModel: ok, tier: balanced, contextWindow: 16000, pricing: {input: 3, output: 15}}",
      "      - {id: remote-smart, upstreamModel: ok, tier: smart, contextWindow: 200000, pricing: {input: 15, output: 75}}",
    ].join("\n"),
  );
  parley = await startParley({ dataDir: dir });
});

afterAll(async () => {
  await parley?.stop();
  await upstream?.close();
});

async function ask(body: Record<string, unknown>, conversationId?: string) {
  const id = conversationId ?? (await createConversation(parley));
  const response = await openStream(`${parley.url}/api/conversations/${id}/messages`, {
    method: "POST",
    body: JSON.stringify(body),
  });
  return { conversationId: id, response, events: response.response.ok ? await response.events() : [] };
}

// The tiny model's tokenizer is byte-level: a character is a token.
const LONG = "word ".repeat(700);

describe("auto routing", () => {
  it("sends a short prompt to the cheapest fitting model of the lowest tier, and says why", async () => {
    const { events } = await ask({ content: "hello", model: "auto" });
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
    const { events } = await ask({ content: LONG, model: "auto" });
    expect(events[0]).toMatchObject({ data: { model: "remote-balanced", routing: { requested: "auto" } } });
    expect(textOf(events)).toBe(upstream.replyText("ok"));
  });

  it("starts from the tier asked for", async () => {
    const { events } = await ask({ content: "think hard", tier: "smart" });
    expect(events[0]).toMatchObject({
      data: { model: "remote-smart", routing: { requested: "tier:smart" } },
    });
  });
});

describe("the context window", () => {
  it("refuses, before sending anything, a message too long for the model asked for, naming models that hold it", async () => {
    const before = upstream.requests.length;
    const { response } = await ask({ content: LONG, model: "tiny" });
    expect(response.response.status).toBe(400);
    const body = (await response.response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("context_length_exceeded");
    expect(body.error.message).toMatch(
      /too long for tiny.*2048-token context window.*remote-balanced \(16000 tokens\)/,
    );
    expect(upstream.requests.length).toBe(before);
  });

  it("leaves out the oldest turns of a long conversation, keeps the last, and tells the client how many", async () => {
    const conversationId = await createConversation(parley);
    const chunk = "x".repeat(450);
    for (let turn = 0; turn < 3; turn++) {
      const { events } = await ask({ content: `${turn} ${chunk}`, model: "tiny" }, conversationId);
      expect(textOf(events)).toBe(ALPHABET);
    }
    const { events } = await ask({ content: `last ${chunk}`, model: "tiny" }, conversationId);
    const start = events[0]?.data as { context: { promptTokens: number; trimmedMessages: number } };
    expect(start.context.trimmedMessages).toBeGreaterThanOrEqual(2);
    expect(start.context.promptTokens).toBeLessThanOrEqual(2048 - 256);
    expect(textOf(events)).toBe(ALPHABET);
  });
});
