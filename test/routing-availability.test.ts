/**
 * Routing by live availability, through a real Parley: `auto` passes over a model whose circuit breaker is open
 * and says so, refuses with a 503 (before storing anything) when every model that fits is unavailable, and a
 * failover chain never sends a prompt with images to a fallback that cannot see them.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { samplePng } from "../src/files/test-support/sample-images.js";
import type { CatalogListing } from "../src/runs/model-catalog.js";
import { ask, type StoredMessage, sendMessage } from "./support/ask-parley.js";
import { type FaultUpstream, imagePartsOf } from "./support/fault-upstream.js";
import type { ParleyProcess } from "./support/parley-process.js";
import { faultModel, openAIProvider, VISION } from "./support/remote-config.js";
import { startRemoteParley } from "./support/remote-parley.js";
import { textOf } from "./support/sse-client.js";
import { uploadImage } from "./support/upload-file.js";

let upstream: FaultUpstream;
let parley: ParleyProcess;
const COOL_DOWN_SECONDS = 600;

beforeAll(async () => {
  const served = await startRemoteParley((upstream) => ({
    // Two failed calls open a breaker, and it stays open for the whole file.
    failover: { maxAttempts: 2, breakerFailureThreshold: 2, breakerCoolDownMs: COOL_DOWN_SECONDS * 1000 },
    providers: [
      openAIProvider("openai-like", upstream, [
        // The cheapest model of the lowest tier, down for good: `auto` picks it until its breaker opens.
        faultModel("cheap-primary", "503@cheap-primary", {
          tier: "fast",
          pricing: { input: 0.1, output: 0.2 },
        }),
        faultModel("next-cheapest", "ok@next-cheapest", { tier: "fast", pricing: { input: 0.5, output: 1 } }),
        faultModel("dear", "ok@dear", { tier: "balanced", pricing: { input: 3, output: 15 } }),
        // The only smart model, down for good too.
        faultModel("smart-down", "503@smart-down", { tier: "smart", pricing: { input: 15, output: 75 } }),
        // A model that sees, down for good, whose first fallback cannot see and whose second can.
        faultModel("eyes", "503@eyes", {
          ...VISION,
          pricing: { input: 5, output: 20 },
          fallbacks: ["blind", "eyes-backup"],
        }),
        faultModel("blind", "ok@blind", { pricing: { input: 5, output: 20 } }),
        faultModel("eyes-backup", "ok@eyes-backup", { ...VISION, pricing: { input: 5, output: 20 } }),
      ]),
    ],
  }));
  ({ parley, upstream } = served);
  return served.stop;
});

async function availabilityOf(id: string): Promise<CatalogListing["availability"] | undefined> {
  const { models } = await parley.json<{ models: CatalogListing[] }>("/api/models");
  return models.find((model) => model.id === id)?.availability;
}

async function storedMessages(conversationId: string): Promise<StoredMessage[]> {
  return (await parley.json<{ messages: StoredMessage[] }>(`/api/conversations/${conversationId}`)).messages;
}

describe("auto routing by live availability", () => {
  it("passes over a primary whose breaker is open: the next cheapest fitting model answers, and run.start says why", async () => {
    // While its breaker is closed, `auto` picks the cheapest model, which fails and opens its breaker.
    const first = await ask(parley, "auto", "first try");
    expect(first.events[0]).toMatchObject({ event: "run.start", data: { model: "cheap-primary" } });
    expect(first.end).toMatchObject({ event: "run.error", data: { code: "upstream_error" } });
    expect(await availabilityOf("cheap-primary")).toBe("unavailable");
    const callsToPrimary = upstream.requestsFor("503@cheap-primary").length;
    expect(callsToPrimary).toBe(2);

    const answer = await ask(parley, "auto", "second try");
    expect(answer.events[0]).toMatchObject({
      event: "run.start",
      data: {
        model: "next-cheapest",
        routing: {
          requested: "auto",
          reason: expect.stringMatching(
            /^fast tier, the cheapest model that holds \d+ prompt tokens .*; passed over cheap-primary \(unavailable right now\)$/,
          ),
        },
      },
    });
    expect(answer.text).toBe("Hello from ok@next-cheapest.");
    expect(answer.end).toMatchObject({
      event: "run.end",
      data: { model: "next-cheapest", finishReason: "stop" },
    });
    expect(answer.stored).toMatchObject({ status: "complete", model: "next-cheapest" });
    // The open breaker's model was not called at all: no doomed request went out.
    expect(upstream.requestsFor("503@cheap-primary")).toHaveLength(callsToPrimary);
  });

  it("answers 503 naming the models when every model that fits is unavailable, and stores nothing", async () => {
    // Open the smart model's breaker, as a user who picked it would.
    const picked = await ask(parley, "smart-down", "think hard");
    expect(picked.end).toMatchObject({ event: "run.error", data: { code: "upstream_error" } });
    expect(await availabilityOf("smart-down")).toBe("unavailable");
    const callsBefore = upstream.requests.length;

    const refused = await sendMessage(parley, { content: "think harder", tier: "smart" });
    const { conversationId } = refused;
    expect(refused.status).toBe(503);
    expect(refused.problem).toMatchObject({
      error: {
        code: "model_unavailable",
        message:
          "No model can take this request right now: every model that fits is unavailable right now (smart-down), its upstream failing or its engine not ready. Try again in a little while.",
        details: { models: ["smart-down"] },
      },
    });
    // Its breaker lets a trial call through once its cool-down has passed: that is when to come back.
    const retryAfterSeconds = Number(refused.problem?.error.details?.retryAfterSeconds);
    expect(refused.retryAfter).toBe(String(retryAfterSeconds));
    expect(retryAfterSeconds).toBeGreaterThan(0);
    expect(retryAfterSeconds).toBeLessThanOrEqual(COOL_DOWN_SECONDS);
    expect(upstream.requests).toHaveLength(callsBefore);
    expect(await storedMessages(conversationId)).toEqual([]);
    const conversation = await parley.json<{ title: string }>(`/api/conversations/${conversationId}`);
    expect(conversation.title).toBe("");

    // The same conversation takes a request that a model can answer.
    const { events } = await sendMessage(
      parley,
      { content: "not so hard", model: "auto" },
      { conversationId },
    );
    expect(events[0]).toMatchObject({ data: { model: "next-cheapest" } });
  });

  it("still answers 400, not 503, when no model would fit the request even if all were up", async () => {
    const refused = await sendMessage(parley, { content: "word ".repeat(40_000), model: "auto" });
    expect(refused.status).toBe(400);
    expect(refused.problem?.error.code).toBe("no_model_fits");
    expect(await storedMessages(refused.conversationId)).toEqual([]);
  });
});

describe("failover with images, through Parley", () => {
  it("skips a fallback that cannot see the images for one that can, and sends it the image", async () => {
    const file = await uploadImage(parley, samplePng(4, 3));
    const { conversationId, events } = await sendMessage(parley, {
      content: "What is in this picture?",
      attachments: [file.id],
      model: "eyes",
    });
    expect(events[0]).toMatchObject({ event: "run.start", data: { model: "eyes" } });
    expect(textOf(events)).toBe("Hello from ok@eyes-backup.");
    expect(events.at(-1)).toMatchObject({ event: "run.end", data: { model: "eyes-backup" } });
    expect(upstream.requestsFor("ok@blind")).toHaveLength(0);
    const sent = upstream.requestsFor("ok@eyes-backup").at(-1)?.body.messages as { content: unknown }[];
    expect(imagePartsOf(sent.at(-1)?.content)).toHaveLength(1);
    const [, reply] = await storedMessages(conversationId);
    expect(reply).toMatchObject({ status: "complete", model: "eyes-backup" });
  });

  it("fails over to the first fallback as configured when the prompt has no image", async () => {
    const answer = await ask(parley, "eyes", "Just words");
    expect(answer.text).toBe("Hello from ok@blind.");
    expect(answer.end).toMatchObject({ event: "run.end", data: { model: "blind" } });
  });
});
