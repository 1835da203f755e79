/**
 * The Prometheus histogram of gaps between a run's text deltas, kept by hand. It is observed for every token of
 * every reply; prom-client's Histogram hashes its labels on each observation (about 2 µs), which at a hundred
 * streams cost more than the rest of a token's bookkeeping. Here a run looks its model's series up once and an
 * observation is a few array writes. The registry prints it like any prom-client histogram.
 */
import type { Registry } from "prom-client";

type Series = { counts: Float64Array; sum: number; count: number };
type Sample = { metricName: string; labels: Record<string, string | number>; value: number };

export class TokenGapHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = "histogram";
  readonly aggregator = "sum" as const;
  readonly #upperBounds: readonly number[];
  readonly #series = new Map<string, Series>();

  constructor(config: { name: string; help: string; buckets: readonly number[]; registers: Registry[] }) {
    this.name = config.name;
    this.help = config.help;
    this.#upperBounds = [...config.buckets].sort((a, b) => a - b);
    // prom-client's types call `type` an enum, but its registry reads the string a histogram's get() returns.
    for (const registry of config.registers) registry.registerMetric(this as never);
  }

  /** The recorder of one model's gaps, in seconds. */
  recorder(model: string): (seconds: number) => void {
    let series = this.#series.get(model);
    if (series === undefined) {
      series = { counts: new Float64Array(this.#upperBounds.length), sum: 0, count: 0 };
      this.#series.set(model, series);
    }
    const bounds = this.#upperBounds;
    const { counts } = series;
    const recorded = series;
    return (seconds) => {
      recorded.sum += seconds;
      recorded.count++;
      for (let index = 0; index < bounds.length; index++) {
        if (seconds <= (bounds[index] as number)) {
          counts[index] = (counts[index] as number) + 1;
          return;
        }
      }
    };
  }

  /** What the registry prints: cumulative buckets, then +Inf, sum and count, per model. */
  get(): { name: string; help: string; type: string; aggregator: string; values: Sample[] } {
    const values: Sample[] = [];
    for (const [model, series] of this.#series) {
      let cumulative = 0;
      this.#upperBounds.forEach((bound, index) => {
        cumulative += series.counts[index] as number;
        values.push({ metricName: `${this.name}_bucket`, labels: { le: bound, model }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { le: "+Inf", model }, value: series.count });
      values.push({ metricName: `${this.name}_sum`, labels: { model }, value: series.sum });
      values.push({ metricName: `${this.name}_count`, labels: { model }, value: series.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.#series.clear();
  }
}
