/** Prometheus metrics of runs: outcomes, latency, tokens, cost and upstream errors, per model. */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { CircuitState } from "../providers/resilient/circuit-breaker.js";
import type { AttemptReport } from "../providers/resilient/resilient-chat-model.js";
import { TokenGapHistogram } from "./token-gap-histogram.js";

export type RunOutcome = "completed" | "stopped" | "failed" | "interrupted";

export class RunMetrics {
  readonly registry = new Registry();
  readonly #runs = new Counter({
    name: "parley_runs_total",
    help: "Runs that ended, by model and outcome.",
    labelNames: ["model", "outcome"] as const,
    registers: [this.registry],
  });
  readonly #timeToFirstToken = new Histogram({
    name: "parley_time_to_first_token_seconds",
    help: "Time from a run's start to its first text.",
    labelNames: ["model"] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [this.registry],
  });
  readonly #interTokenLatency = new TokenGapHistogram({
    name: "parley_inter_token_latency_seconds",
    help: "Time between consecutive text deltas of a run.",
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  readonly #tokens = new Counter({
    name: "parley_tokens_total",
    help: "Tokens read (input, the whole prompt) and written (output), by model; of the input, cache_read were served by the prompt cache and cache_write stored in it.",
    labelNames: ["model", "direction"] as const,
    registers: [this.registry],
  });
  readonly #cost = new Counter({
    name: "parley_cost_usd_total",
    help: "What replies cost at the catalog's prices, in US dollars.",
    labelNames: ["model"] as const,
    registers: [this.registry],
  });
  readonly #upstreamAttempts = new Counter({
    name: "parley_upstream_attempts_total",
    help: "Calls to model endpoints, by model, endpoint and outcome (finished, failed, refused by an open breaker, stopped).",
    labelNames: ["model", "endpoint", "outcome"] as const,
    registers: [this.registry],
  });
  readonly #upstreamErrors = new Counter({
    name: "parley_upstream_errors_total",
    help: "Failed calls to model endpoints, by model, endpoint and error code.",
    labelNames: ["model", "endpoint", "code"] as const,
    registers: [this.registry],
  });
  readonly #breakerState = new Gauge({
    name: "parley_circuit_breaker_state",
    help: "The circuit breaker of each model at each endpoint: 0 closed, 1 half-open, 2 open.",
    labelNames: ["model", "endpoint"] as const,
    registers: [this.registry],
  });

  constructor(config: { activeRuns: () => number }) {
    new Gauge({
      name: "parley_active_runs",
      help: "Runs being written right now.",
      registers: [this.registry],
      collect() {
        this.set(config.activeRuns());
      },
    });
    // The event loop's delay is sampled every 100 ms, not prom-client's 10: a stall that long always shows (a shorter
    // one when it holds up a sample), and an idle server wakes 30 times a second rather than 120.
    collectDefaultMetrics({ register: this.registry, prefix: "parley_", eventLoopMonitoringPrecision: 100 });
  }

  /** Records the gaps between one run's text deltas; the model's series is looked up once, not per token. */
  interTokenGaps(model: string): (seconds: number) => void {
    return this.#interTokenLatency.recorder(model);
  }

  runEnded(report: {
    model: string;
    outcome: RunOutcome;
    ttftMs: number | null;
    inputTokens: number;
    outputTokens: number;
    cacheReadTokens: number;
    cacheWriteTokens: number;
    costUsd: number;
  }): void {
    const { model } = report;
    this.#runs.inc({ model, outcome: report.outcome });
    if (report.ttftMs !== null) this.#timeToFirstToken.observe({ model }, report.ttftMs / 1000);
    this.#tokens.inc({ model, direction: "input" }, report.inputTokens);
    this.#tokens.inc({ model, direction: "output" }, report.outputTokens);
    // Most models never cache: no series of zeros for them.
    if (report.cacheReadTokens > 0) {
      this.#tokens.inc({ model, direction: "cache_read" }, report.cacheReadTokens);
    }
    if (report.cacheWriteTokens > 0) {
      this.#tokens.inc({ model, direction: "cache_write" }, report.cacheWriteTokens);
    }
    this.#cost.inc({ model }, report.costUsd);
  }

  upstreamAttempt(report: AttemptReport): void {
    const labels = { model: report.candidateId, endpoint: report.endpointId ?? report.candidateId };
    this.#upstreamAttempts.inc({ ...labels, outcome: report.outcome });
    if (report.error) this.#upstreamErrors.inc({ ...labels, code: report.error.code });
  }

  breakerState(labels: { model: string; endpoint: string }, state: CircuitState): void {
    // Rebuilt so the labels print in the order the other upstream metrics use, whatever the caller's order.
    const { model, endpoint } = labels;
    this.#breakerState.set({ model, endpoint }, state === "closed" ? 0 : state === "half-open" ? 1 : 2);
  }
}
