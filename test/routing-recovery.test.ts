/**
 * `auto` goes back to a model that recovered, through a real Parley: once the breaker of a model that failed has
 * cooled down, the next request is its trial, backed by the model that would have answered otherwise. While the
 * model is still down, that request is answered by the backup; once it is up again, it answers, and `auto` keeps
 * choosing it.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { CatalogListing } from "../src/runs/model-catalog.js";
import { ask } from "./support/ask-parley.js";
import type { FaultUpstream } from "./support/fault-upstream.js";
import type { ParleyProcess } from "./support/parley-process.js";
import { faultModel, openAIProvider } from "./support/remote-config.js";
import { startRemoteParley } from "./support/remote-parley.js";

const COOL_DOWN_MS = 1000;
/** How long the cheap model answers 503, from its first request (of this test's one question). */
const OUTAGE_MS = 5000;
/** Every request asks the same, so that the upstream times one outage for them all (see fault-upstream.ts). */
const QUESTION = "Is the cheap model back?";

let upstream: FaultUpstream;
let parley: ParleyProcess;

beforeAll(async () => {
  const served = await startRemoteParley(
    (upstream) => ({
      failover: { maxAttempts: 1, breakerFailureThreshold: 1, breakerCoolDownMs: COOL_DOWN_MS },
      providers: [
        openAIProvider("openai-like", upstream, [
          faultModel("cheap", "outage@cheap", { tier: "fast", pricing: { input: 0.1, output: 0.2 } }),
          faultModel("backup", "ok@backup", { tier: "fast", pricing: { input: 0.5, output: 1 } }),
        ]),
      ],
    }),
    { upstream: { outageMs: OUTAGE_MS } },
  );
  ({ parley, upstream } = served);
  return served.stop;
});

async function listing(id: string): Promise<CatalogListing | undefined> {
  const { models } = await parley.json<{ models: CatalogListing[] }>("/api/models");
  return models.find((model) => model.id === id);
}

describe("auto routing after a model's breaker cools down", () => {
  it("sends the recovered model one trial backed by the next model, and uses it again once the trial succeeds", async () => {
    const failed = await ask(parley, "auto", QUESTION);
    expect(failed.events[0]).toMatchObject({ event: "run.start", data: { model: "cheap" } });
    expect(failed.end).toMatchObject({ event: "run.error", data: { code: "upstream_error" } });
    expect(await listing("cheap")).toMatchObject({ availability: "unavailable", awaitingTrial: false });

    const passedOver = await ask(parley, "auto", QUESTION);
    expect(passedOver.text).toBe("Hello from ok@backup.");
    expect(upstream.requestsFor("outage@cheap")).toHaveLength(1);
    // The outage is timed from the first request's arrival upstream, which may come well after the question was sent
    // to a Parley just started on a busy machine.
    const [firstRequest] = upstream.requestsFor("outage@cheap");
    const outageStarted = firstRequest?.at ?? 0;

    // Cooled down, the model awaits its trial; nothing has called it meanwhile.
    await expect.poll(async () => (await listing("cheap"))?.awaitingTrial, { timeout: 5000 }).toBe(true);
    expect(await listing("cheap")).toMatchObject({ availability: "degraded", circuits: { halfOpen: 1 } });

    // Still down: the trial fails, and the backup answers the same request.
    expect(performance.now() - outageStarted).toBeLessThan(OUTAGE_MS);
    const stillDown = await ask(parley, "auto", QUESTION);
    expect(upstream.requestsFor("outage@cheap")).toHaveLength(2);
    expect(stillDown.events[0]).toMatchObject({
      event: "run.start",
      data: {
        model: "cheap",
        routing: {
          requested: "auto",
          reason: expect.stringMatching(
            /; cheap is back from its cool-down after failing, and this request is its trial, backup answering if it fails$/,
          ),
        },
      },
    });
    expect(stillDown.text).toBe("Hello from ok@backup.");
    expect(stillDown.end).toMatchObject({
      event: "run.end",
      data: { model: "backup", finishReason: "stop" },
    });
    expect(stillDown.stored).toMatchObject({ status: "complete", model: "backup" });
    expect(await listing("cheap")).toMatchObject({ availability: "unavailable", awaitingTrial: false });

    // Up again: after the next cool-down, its trial succeeds and closes the breaker.
    const untilUp = OUTAGE_MS + 100 - (performance.now() - outageStarted);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, untilUp)));
    await expect.poll(async () => (await listing("cheap"))?.awaitingTrial, { timeout: 5000 }).toBe(true);
    const recovered = await ask(parley, "auto", QUESTION);
    expect(recovered.text).toBe("Hello from outage@cheap.");
    expect(recovered.end).toMatchObject({ event: "run.end", data: { model: "cheap", finishReason: "stop" } });
    expect(await listing("cheap")).toMatchObject({ availability: "available", awaitingTrial: false });

    // And `auto` keeps choosing it, as the cheapest model that fits, with no trial in the reason.
    const backToNormal = await ask(parley, "auto", QUESTION);
    expect(backToNormal.text).toBe("Hello from outage@cheap.");
    expect(backToNormal.events[0]).toMatchObject({
      data: { model: "cheap", routing: { reason: expect.not.stringMatching(/trial|passed over/) } },
    });
    expect(upstream.requestsFor("outage@cheap")).toHaveLength(4);
  });
});
