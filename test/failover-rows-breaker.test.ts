/**
 * Row U15 of reliability.md through a real Parley (an outage: the circuit breaker keeps calls few, then lets the
 * primary back), and what /api/models says meanwhile: each model's availability from its endpoints' breakers, and
 * its speed measured from the replies that finished.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { CatalogListing } from "../src/runs/model-catalog.js";
import { type Answer, ask, expectStillServing } from "./support/ask-parley.js";
import type { FaultUpstream } from "./support/fault-upstream.js";
import type { ParleyProcess } from "./support/parley-process.js";
import { anthropicProvider, faultModel, openAIProvider } from "./support/remote-config.js";
import { startRemoteParley } from "./support/remote-parley.js";
import { ALPHABET } from "./support/sse-client.js";
import { unusedPort } from "./support/unused-port.js";

const OUTAGE_MS = 2000;
const COOL_DOWN_MS = 500;

let upstream: FaultUpstream;
let parley: ParleyProcess;
/** A base URL nothing listens on: every call to it is refused. */
let deadURL: string;

beforeAll(async () => {
  deadURL = `http://127.0.0.1:${await unusedPort()}/v1`;
  const served = await startRemoteParley(
    (upstream) => ({
      engine: { threads: 1, sequences: 2, contextSize: 2048 },
      models: [{ id: "tiny", file: "./tiny.gguf" }],
      failover: { maxAttempts: 3, breakerFailureThreshold: 2, breakerCoolDownMs: COOL_DOWN_MS },
      providers: [
        openAIProvider("openai-like", upstream, [
          faultModel("mainline", "outage@u15", { fallbacks: ["backup"] }),
          faultModel("limited", "429@limited"),
          faultModel("sibling", "ok@sibling"),
        ]),
        // Two endpoints serving one model; the first is down for good.
        openAIProvider("fleet", upstream, [faultModel("fleet", "ok@fleet")], {
          baseURL: undefined,
          endpoints: [deadURL, upstream.openAIBaseURL],
        }),
        anthropicProvider("claude-like", upstream, [faultModel("backup", "ok@backup")]),
      ],
    }),
    { upstream: { outageMs: OUTAGE_MS }, tinyModel: true },
  );
  ({ parley, upstream } = served);
  return served.stop;
});

async function listing(id: string): Promise<CatalogListing> {
  const { models } = await parley.json<{ models: CatalogListing[] }>("/api/models");
  const model = models.find((candidate) => candidate.id === id);
  if (!model) throw new Error(`/api/models does not list ${id}`);
  return model;
}

/** The nearest-rank median, as /api/models computes it. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(sorted.length / 2) - 1] as number;
}

describe("/api/models: live availability and measured speed", () => {
  it("lists every model available, its endpoints closed, and no speed before any reply", async () => {
    const { models } = await parley.json<{ models: CatalogListing[] }>("/api/models");
    expect(models.map((model) => [model.id, model.availability, model.circuits])).toEqual([
      ["tiny", "available", { closed: 1, halfOpen: 0, open: 0 }],
      ["mainline", "available", { closed: 1, halfOpen: 0, open: 0 }],
      ["limited", "available", { closed: 1, halfOpen: 0, open: 0 }],
      ["sibling", "available", { closed: 1, halfOpen: 0, open: 0 }],
      ["fleet", "available", { closed: 2, halfOpen: 0, open: 0 }],
      ["backup", "available", { closed: 1, halfOpen: 0, open: 0 }],
    ]);
    for (const model of models) {
      expect(model.speed).toEqual({ ttftMsP50: null, tokensPerSecondP50: null, samples: 0 });
      // What the web app's model picker reads is still there.
      expect(model).toMatchObject({ ready: true, status: { state: "ready" } });
    }
  });

  it("gives the tiny model's TTFT and tokens/s p50 from the replies it finished", async () => {
    const answers: Answer[] = [];
    for (const question of ["one", "two", "three"]) answers.push(await ask(parley, "tiny", question));
    const timings = answers.map((answer) => {
      expect(answer.text).toBe(ALPHABET);
      expect(answer.end).toMatchObject({ event: "run.end", data: { model: "tiny", finishReason: "stop" } });
      return answer.end?.data.timings as { ttftMs: number; tokensPerSecond: number };
    });
    const { speed } = await listing("tiny");
    expect(speed).toEqual({
      ttftMsP50: median(timings.map((timing) => timing.ttftMs)),
      tokensPerSecondP50: median(timings.map((timing) => timing.tokensPerSecond)),
      samples: 3,
    });
    expect(speed.ttftMsP50).toBeGreaterThan(0);
    expect(speed.tokensPerSecondP50).toBeGreaterThan(0);
    // Only the model that answered was measured.
    expect((await listing("backup")).speed.samples).toBe(0);
  });

  it("shows a model degraded while one of its two endpoints is shut out by its breaker, and answers from the other", async () => {
    const answer = await ask(parley, "fleet", "fleet half down");
    expect(answer.text).toBe("Hello from ok@fleet.");
    expect(answer.end).toMatchObject({ event: "run.end", data: { model: "fleet", finishReason: "stop" } });
    expect(answer.stored).toMatchObject({ status: "complete", model: "fleet" });
    // Two refused connections opened the dead endpoint's breaker; its third attempt was never made.
    const fleet = await listing("fleet");
    expect(fleet.availability).toBe("degraded");
    expect(fleet.circuits.closed).toBe(1);
    // Open, or on trial if its cool-down has passed already: either way not trusted yet.
    expect(fleet.circuits.open + fleet.circuits.halfOpen).toBe(1);
    const metrics = await (await parley.api("/metrics")).text();
    expect(metrics).toMatch(
      new RegExp(`^parley_circuit_breaker_state\\{model="fleet",endpoint="fleet:${deadURL}"\\} [12]$`, "m"),
    );
    expect(metrics).toMatch(
      new RegExp(
        `^parley_circuit_breaker_state\\{model="fleet",endpoint="fleet:${upstream.openAIBaseURL}"\\} 0$`,
        "m",
      ),
    );
    await expectStillServing(parley, answer.conversationId);
  });

  it("shuts out only the model that keeps failing, not the other models of the same provider", async () => {
    const answer = await ask(parley, "limited", "rate limited");
    expect(answer.end).toMatchObject({
      event: "run.error",
      data: { code: "upstream_error", model: "limited" },
    });
    expect(answer.stored).toMatchObject({
      status: "incomplete",
      content: "",
      error: { code: "upstream_error" },
    });
    // The breaker opened after two 429s, so the third attempt was not sent.
    expect(upstream.requestsFor("429@limited")).toHaveLength(2);
    const limited = await listing("limited");
    expect(limited.circuits.closed).toBe(0);
    expect(["unavailable", "degraded"]).toContain(limited.availability);

    // Same provider, same endpoint, a different model: untouched.
    expect(await listing("sibling")).toMatchObject({
      availability: "available",
      circuits: { closed: 1, halfOpen: 0, open: 0 },
    });
    const sibling = await ask(parley, "sibling", "not limited");
    expect(sibling.end).toMatchObject({ event: "run.end", data: { model: "sibling", finishReason: "stop" } });
    expect(sibling.stored).toMatchObject({ status: "complete", content: "Hello from ok@sibling." });
    await expectStillServing(parley, answer.conversationId);
  });
});

describe("an upstream outage, through Parley", () => {
  it("U15: the breaker keeps calls to the primary few while it is down, /api/models says so, and the primary is back after", async () => {
    const answeredBy: string[] = [];
    const availability = new Set<string>();
    let last: Answer | undefined;
    // The outage lasts 2 s from the first call; ask every 50 ms until the primary answers again.
    for (let run = 0; run < 100 && answeredBy.at(-1) !== "mainline"; run++) {
      last = await ask(parley, "mainline", "U15 outage");
      expect(last.end?.event).toBe("run.end");
      expect(last.stored).toMatchObject({ status: "complete", model: last.end?.data.model });
      answeredBy.push(String(last.end?.data.model));
      availability.add((await listing("mainline")).availability);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const duringOutage = answeredBy.slice(0, -1);
    expect(answeredBy.at(-1)).toBe("mainline");
    expect(last?.text).toBe("Hello from outage@u15.");
    expect(duringOutage.length).toBeGreaterThanOrEqual(5);
    expect(duringOutage.every((model) => model === "backup")).toBe(true);
    // Two failures open the breaker; then at most one trial per cool-down (and per reply), and the success that
    // closes it. Without the breaker, every reply of the outage would have cost three calls to the primary.
    const primaryCalls = upstream.requestsFor("outage@u15").length;
    expect(primaryCalls).toBeLessThanOrEqual(2 + Math.ceil(OUTAGE_MS / COOL_DOWN_MS) + 2);
    expect(primaryCalls).toBeLessThan(2 * duringOutage.length);
    // While the breaker was open the model was listed unavailable; once closed again, available.
    expect(availability).toContain("unavailable");
    expect(await listing("mainline")).toMatchObject({
      availability: "available",
      circuits: { closed: 1, halfOpen: 0, open: 0 },
    });
    // The replies the fallback wrote are measured under the fallback.
    expect((await listing("backup")).speed.samples).toBeGreaterThanOrEqual(duringOutage.length);

    const after = await ask(parley, "mainline", "U15 outage");
    expect(after.end).toMatchObject({ event: "run.end", data: { model: "mainline" } });
    await expectStillServing(parley, after.conversationId);
  });
});
