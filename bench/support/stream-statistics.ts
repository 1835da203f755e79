/** What the gateway benchmark reports of a set of streams: first-token times, gaps, holding, bursts, failures. */
import { percentile } from "./percentile.js";
import type { StreamSample } from "./stream-load.js";

export type StreamStatistics = {
  streams: number;
  /** Streams that failed: a connection error, a status other than 200, an error event. */
  errors: number;
  /** Streams that ended without error yet missed a frame (or had one out of order). */
  incomplete: number;
  ttftP50: number;
  ttftP99: number;
  /** Request sent to its arrival at the upstream, ms. */
  toUpstreamP50: number;
  toUpstreamP99: number;
  gapP50: number;
  gapP99: number;
  gapMax: number;
  /** Upstream's write of a content frame to its arrival at the client, ms. */
  transitP50: number;
  transitP99: number;
  /** Share of content frames that arrived in a burst (less than BURST_MS after the previous one). */
  burstShare: number;
};

export function streamStatistics(samples: readonly StreamSample[]): StreamStatistics {
  const gaps = samples.flatMap((sample) => sample.gapsMs);
  const transits = samples.flatMap((sample) => sample.transitMs);
  const ttfts = samples.map((sample) => sample.ttftMs).filter((ttft) => !Number.isNaN(ttft));
  const toUpstream = samples.map((sample) => sample.toUpstreamMs).filter((time) => !Number.isNaN(time));
  const contentFrames = samples.reduce((sum, sample) => sum + sample.contentFrames, 0);
  const burstFrames = samples.reduce((sum, sample) => sum + sample.burstFrames, 0);
  const errors = samples.filter((sample) => sample.error !== undefined).length;
  return {
    streams: samples.length,
    errors,
    incomplete: samples.filter((sample) => sample.error === undefined && !sample.complete).length,
    ttftP50: percentile(ttfts, 50),
    ttftP99: percentile(ttfts, 99),
    toUpstreamP50: percentile(toUpstream, 50),
    toUpstreamP99: percentile(toUpstream, 99),
    gapP50: percentile(gaps, 50),
    gapP99: percentile(gaps, 99),
    gapMax: gaps.length === 0 ? Number.NaN : gaps.reduce((max, gap) => Math.max(max, gap), 0),
    transitP50: percentile(transits, 50),
    transitP99: percentile(transits, 99),
    burstShare: contentFrames === 0 ? Number.NaN : burstFrames / contentFrames,
  };
}
