import { Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { TokenGapHistogram } from "./token-gap-histogram.js";

const buckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1];
const gaps = { small: [0.0004, 0.001, 0.02, 0.02, 0.3], large: [0.07, 5] };

describe("TokenGapHistogram", () => {
  it("prints exactly what prom-client's Histogram prints for the same gaps", async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const histogram = new TokenGapHistogram({
      name: "gaps_seconds",
      help: "Gaps.",
      buckets,
      registers: [ours],
    });
    const reference = new Histogram({
      name: "gaps_seconds",
      help: "Gaps.",
      labelNames: ["model"] as const,
      buckets,
      registers: [theirs],
    });
    for (const [model, seconds] of Object.entries(gaps)) {
      const record = histogram.recorder(model);
      for (const gap of seconds) {
        record(gap);
        reference.observe({ model }, gap);
      }
    }
    const printed = await ours.metrics();
    expect(printed).toBe(await theirs.metrics());
    expect(printed).toContain('gaps_seconds_bucket{le="0.001",model="small"} 2');
    expect(printed).toContain('gaps_seconds_bucket{le="+Inf",model="large"} 2');
  });

  it("adds up every recorder of a model in one series, and resets with its registry", async () => {
    const registry = new Registry();
    const histogram = new TokenGapHistogram({
      name: "gaps_seconds",
      help: "Gaps.",
      buckets,
      registers: [registry],
    });
    histogram.recorder("m")(0.002);
    histogram.recorder("m")(0.003);
    expect(await registry.metrics()).toContain('gaps_seconds_count{model="m"} 2');
    registry.resetMetrics();
    expect(await registry.metrics()).not.toContain('model="m"');
  });
});
