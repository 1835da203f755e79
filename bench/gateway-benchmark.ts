/**
 * Benchmark 1, gateway overhead: a fake OpenAI-compatible upstream streams 64 deltas 20 ms apart, and the
 * same load goes straight to it, through Parley's /v1/chat/completions, through a pass-through proxy (the
 * floor of a Node gateway here) and through @portkey-ai/gateway (the peer), one path after another,
 * interleaved. We report what each path adds to the time to first token and to the gaps between frames at
 * concurrency 1, 10 and 100, how long it holds a frame, whether frames come in bursts, and the most streams
 * it sustains.
 */
import {
  checkPathsServe,
  type GatewayPath,
  type GatewayPathName,
  startGatewayPaths,
  warmUpPaths,
} from "./support/gateway-paths.js";
import { formatNumber, markdownTable } from "./support/markdown-table.js";
import { parleyMetricSum } from "./support/parley-metric.js";
import { BURST_MS, type LoadResult, runStreamLoad, type StreamSample } from "./support/stream-load.js";
import { type StreamStatistics, streamStatistics } from "./support/stream-statistics.js";
import type { BenchmarkReport } from "./support/write-benchmark-report.js";

const DELTAS = 64;
const PACING_MS = 20;
/** How long one paced stream takes, roughly. */
const STREAM_MS = DELTAS * PACING_MS;
/**
 * Closed-loop runs per concurrency; each round runs every path once, in an order that rotates. Four rounds at
 * c=100: the gap p99 there is set by the few windows in which a path's process was disturbed, and with two
 * rounds one such window moved Parley's figure by 2 ms between runs of the same code. Sixteen streams at c=1: its
 * TTFT p50 is a median of that many requests, and with eight it moved by 0.4 ms between runs of the same code.
 */
const LEVELS = [
  { concurrency: 1, rounds: 4, streamsPerSlot: 4 },
  { concurrency: 10, rounds: 2, streamsPerSlot: 3 },
  { concurrency: 100, rounds: 4, streamsPerSlot: 3 },
] as const;
/** The highest level measured: each path streams paced windows of it before the levels (see below). */
const TOP_CONCURRENCY = Math.max(...LEVELS.map((level) => level.concurrency));
/**
 * Paced windows at the top level each path streams before the levels, 3 streams per slot. Traced with V8's
 * --trace-opt, Parley's server was still compiling functions first made hot by paced streams well after the unpaced
 * warm-up: 78 optimizing compilations (300 ms of a helper thread) in the first window of 300 streams, 34 in the
 * fourth, 6-13 from the eighth on, its CPU per stream falling from 8.3 to 6.4-7.2 ms meanwhile. A server that has
 * been up a while has done that already. (The first run with these windows moved no figure out of run-to-run noise:
 * they remove a cause of error, not the gap.)
 */
const PACED_WARMUP_WINDOWS = 6;
/** Unpaced streams each path serves before the first measured level, so every level meets a warmed-up server. */
const WARMUP_STREAMS = 500;
const LADDER = [100, 200, 400, 800, 1000] as const;
/** A stream is "sustained" only if no gap between its frames exceeds this. */
const MAX_GAP_MS = 10 * PACING_MS;
const MAX_ERROR_SHARE = 0.001;
/** The ladder stops climbing once the benchmark has run this long, to keep it within a few minutes. */
const TIME_BUDGET_MS = 480_000;

type PathFigures = StreamStatistics & {
  path: GatewayPathName;
  /** Minus the same figure of the direct path, same concurrency. */
  addedTtftP50: number;
  addedTtftP99: number;
  addedGapP50: number;
  addedGapP99: number;
  addedTransitP50: number;
  addedTransitP99: number;
  /** CPU of the gateway process per stream (all streams of the window, warm-up excluded), ms. */
  gatewayCpuMsPerStream: number;
  /** write()/writev() system calls of the gateway per stream: socket writes, and for Parley its SQLite WAL too. */
  gatewayWritesPerStream: number;
  /** Parley only: its V8 garbage collection per stream over the windows (from its own /metrics), ms. */
  gcMsPerStream: number;
  /** Parley only: its major collections (each pauses every stream at once) per 1,000 streams over the windows. */
  majorGcsPer1000Streams: number;
  /** CPU that other processes on the machine used while this path was measured, in cores. */
  othersCores: number;
  connectionsOpened: number;
  /** The gap p99 of each of the path's windows at this concurrency, in the order they ran. */
  windowGapP99s: number[];
  /** Parley only: its major collections in each of those windows. */
  windowMajorGcs: number[];
  /** Parley only: its young-generation collections in each of those windows. */
  windowMinorGcs: number[];
};

type LadderStep = StreamStatistics & {
  path: GatewayPathName;
  concurrency: number;
  sustained: boolean;
  /** 1, or 2 when the first attempt failed and the step was run again to confirm. */
  attempt: number;
  othersCores: number;
  warmupErrors: number;
  connectionsOpened: number;
  gatewayCpuMsPerStream: number;
  wallMs: number;
};

export async function runGatewayBenchmark(): Promise<BenchmarkReport> {
  const startedAt = performance.now();
  const setup = await startGatewayPaths({
    deltas: DELTAS,
    pacingMs: PACING_MS,
    include: ["direct", "parley", "proxy", "portkey"],
  });
  try {
    await checkPathsServe(setup.paths, DELTAS);
    await warmUpPaths(setup.paths, { streams: WARMUP_STREAMS, concurrency: 10, expectedDeltas: DELTAS });
    const processesOf = (path: GatewayPath) =>
      path.name === "direct"
        ? { upstream: setup.upstream.pid }
        : { gateway: path.pid, upstream: setup.upstream.pid };
    // A process's first paced windows at the top level were its worst (Parley: a gap p99 of 25.4 ms against
    // 22.1-22.5 in the five after it; the first c=100 round was its worst in 4 of 8 runs, and the proxy's in 2 of 5):
    // each path streams such windows, not counted, as a server that has been up a while would have.
    for (const path of setup.paths) {
      await runStreamLoad(path, {
        concurrency: TOP_CONCURRENCY,
        streamsPerSlot: 3 * PACED_WARMUP_WINDOWS,
        staggerMs: STREAM_MS / 2,
        expectedDeltas: DELTAS,
        processes: processesOf(path),
      });
    }

    const levels: { concurrency: number; figures: PathFigures[] }[] = [];
    for (const level of LEVELS) {
      const results = new Map<GatewayPathName, LoadResult[]>();
      for (let round = 0; round < level.rounds; round++) {
        for (const path of rotate(setup.paths, round + level.concurrency)) {
          const result = await runStreamLoad(path, {
            concurrency: level.concurrency,
            streamsPerSlot: level.streamsPerSlot,
            staggerMs: level.concurrency === 1 ? 0 : STREAM_MS / 2,
            expectedDeltas: DELTAS,
            processes: processesOf(path),
            ...(path.name === "parley" && {
              counters: {
                gcSeconds: () => parleyMetricSum(path, "parley_nodejs_gc_duration_seconds_sum"),
                majorGcs: () =>
                  parleyMetricSum(path, "parley_nodejs_gc_duration_seconds_count", 'kind="major"'),
                minorGcs: () =>
                  parleyMetricSum(path, "parley_nodejs_gc_duration_seconds_count", 'kind="minor"'),
              },
            }),
          });
          results.set(path.name, [...(results.get(path.name) ?? []), result]);
          progress(`c=${level.concurrency} round ${round + 1}`, path, result.measured, result);
        }
      }
      levels.push({ concurrency: level.concurrency, figures: levelFigures(setup.paths, results) });
    }

    const ladder: LadderStep[] = [];
    const failedAt = new Map<GatewayPathName, number>();
    let budgetStoppedAt: number | undefined;
    for (const [stepIndex, concurrency] of LADDER.entries()) {
      if (performance.now() - startedAt > TIME_BUDGET_MS) {
        budgetStoppedAt = concurrency;
        break;
      }
      for (const path of rotate(setup.paths, stepIndex)) {
        if (failedAt.has(path.name)) continue;
        // A single stall of this shared machine can break the 200 ms rule: a step fails only when it fails twice.
        for (let attempt = 1; attempt <= 2; attempt++) {
          const step = await ladderStep(path, concurrency, processesOf(path), attempt);
          ladder.push(step);
          if (step.sustained) break;
          if (attempt === 2) failedAt.set(path.name, concurrency);
        }
      }
    }
    const sustainedStreams = new Map(
      setup.paths.map((path) => {
        const passed = ladder.filter((step) => step.path === path.name && step.sustained);
        return [path.name, Math.max(0, ...passed.map((step) => step.concurrency))];
      }),
    );
    return report({
      paths: setup.paths,
      levels,
      ladder,
      sustainedStreams,
      failedAt,
      budgetStoppedAt,
      peerMissing: setup.peerMissing,
      seconds: (performance.now() - startedAt) / 1000,
    });
  } finally {
    await setup.stop();
  }
}

async function ladderStep(
  path: GatewayPath,
  concurrency: number,
  processes: Record<string, number | undefined>,
  attempt: number,
): Promise<LadderStep> {
  const result = await runStreamLoad(path, {
    concurrency,
    streamsPerSlot: 2,
    staggerMs: STREAM_MS / 2,
    expectedDeltas: DELTAS,
    processes,
  });
  const statistics = streamStatistics(result.samples);
  const sustained =
    statistics.incomplete === 0 &&
    statistics.errors / statistics.streams < MAX_ERROR_SHARE &&
    statistics.gapMax <= MAX_GAP_MS;
  progress(
    `ladder c=${concurrency}`,
    path,
    result.samples,
    result,
    sustained ? "sustained" : "NOT sustained",
  );
  return {
    ...statistics,
    path: path.name,
    concurrency,
    sustained,
    attempt,
    othersCores: result.othersCpuMs / result.wallMs,
    warmupErrors: result.warmupErrors,
    connectionsOpened: result.connectionsOpened,
    gatewayCpuMsPerStream: (result.cpuMs.gateway ?? result.cpuMs.upstream ?? 0) / result.samples.length,
    wallMs: result.wallMs,
  };
}

function levelFigures(
  paths: readonly GatewayPath[],
  results: Map<GatewayPathName, LoadResult[]>,
): PathFigures[] {
  const statistics = new Map(
    paths.map((path) => [
      path.name,
      streamStatistics((results.get(path.name) ?? []).flatMap((result) => result.measured)),
    ]),
  );
  const direct = statistics.get("direct") as StreamStatistics;
  return paths.map((path) => {
    const own = statistics.get(path.name) as StreamStatistics;
    const loads = results.get(path.name) ?? [];
    const streams = loads.reduce((sum, load) => sum + load.samples.length, 0);
    const gatewayCpu = loads.reduce((sum, load) => sum + (load.cpuMs.gateway ?? 0), 0);
    const gatewayWrites = loads.reduce((sum, load) => sum + (load.io.gateway?.writeCalls ?? 0), 0);
    const gcSeconds = loads.reduce((sum, load) => sum + (load.counters.gcSeconds ?? Number.NaN), 0);
    const majorGcs = loads.reduce((sum, load) => sum + (load.counters.majorGcs ?? Number.NaN), 0);
    const wallMs = loads.reduce((sum, load) => sum + load.wallMs, 0);
    return {
      ...own,
      path: path.name,
      addedTtftP50: own.ttftP50 - direct.ttftP50,
      addedTtftP99: own.ttftP99 - direct.ttftP99,
      addedGapP50: own.gapP50 - direct.gapP50,
      addedGapP99: own.gapP99 - direct.gapP99,
      addedTransitP50: own.transitP50 - direct.transitP50,
      addedTransitP99: own.transitP99 - direct.transitP99,
      gatewayCpuMsPerStream: path.name === "direct" ? Number.NaN : gatewayCpu / streams,
      gatewayWritesPerStream: path.name === "direct" ? Number.NaN : gatewayWrites / streams,
      gcMsPerStream: (gcSeconds * 1000) / streams,
      majorGcsPer1000Streams: (majorGcs * 1000) / streams,
      othersCores: loads.reduce((sum, load) => sum + load.othersCpuMs, 0) / wallMs,
      connectionsOpened: Math.min(...loads.map((load) => load.connectionsOpened)),
      windowGapP99s: loads.map((load) => streamStatistics(load.measured).gapP99),
      windowMajorGcs: loads.map((load) => load.counters.majorGcs ?? Number.NaN),
      windowMinorGcs: loads.map((load) => load.counters.minorGcs ?? Number.NaN),
    };
  });
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

function progress(
  what: string,
  path: GatewayPath,
  samples: readonly StreamSample[],
  result: LoadResult,
  verdict = "",
): void {
  const statistics = streamStatistics(samples);
  process.stdout.write(
    `${what} ${path.name}: ${statistics.streams} streams, ttft p50 ${formatNumber(statistics.ttftP50, 2)} ms, gap p99 ${formatNumber(statistics.gapP99, 2)} max ${formatNumber(statistics.gapMax, 1)} ms, held p99 ${formatNumber(statistics.transitP99, 2)} ms, errors ${statistics.errors}, incomplete ${statistics.incomplete}, ${result.connectionsOpened} connections, ${formatNumber(result.wallMs / 1000, 1)} s ${verdict}\n`,
  );
}

type ReportInput = {
  paths: readonly GatewayPath[];
  levels: { concurrency: number; figures: PathFigures[] }[];
  ladder: LadderStep[];
  sustainedStreams: Map<GatewayPathName, number>;
  failedAt: Map<GatewayPathName, number>;
  budgetStoppedAt: number | undefined;
  peerMissing: string | undefined;
  seconds: number;
};

function report(input: ReportInput): BenchmarkReport {
  const { paths, levels, ladder, sustainedStreams } = input;
  const figure = (concurrency: number, path: GatewayPathName) =>
    levels.find((level) => level.concurrency === concurrency)?.figures.find((item) => item.path === path);
  const ms = (value: number | undefined) => formatNumber(value, 2);
  const signed = (value: number | undefined) =>
    value === undefined || !Number.isFinite(value)
      ? "—"
      : `${value >= 0 ? "+" : ""}${formatNumber(value, 2)}`;
  const sustainedText = (path: GatewayPathName) => {
    const value = sustainedStreams.get(path) ?? 0;
    const failed = input.failedAt.get(path);
    if (value === 0) return failed === undefined ? "—" : `< ${failed}`;
    return failed === undefined ? `≥ ${value}` : String(value);
  };
  const hasPeer = paths.some((path) => path.name === "portkey");

  const label = (name: GatewayPathName) => paths.find((path) => path.name === name)?.label ?? name;
  const overheadTable = markdownTable(
    [
      "concurrency",
      "path",
      "streams",
      "TTFT p50 / p99 ms",
      "added TTFT p50 / p99 ms",
      "request reaches upstream p50 / p99 ms",
      "gap p50 / p99 ms",
      "added gap p50 / p99 ms",
      "frame held p50 / p99 ms",
      "frames in bursts",
      "errors / incomplete",
    ],
    levels.flatMap((level) =>
      level.figures.map((item) => [
        String(level.concurrency),
        label(item.path),
        String(item.streams),
        `${ms(item.ttftP50)} / ${ms(item.ttftP99)}`,
        item.path === "direct" ? "0 / 0" : `${signed(item.addedTtftP50)} / ${signed(item.addedTtftP99)}`,
        `${ms(item.toUpstreamP50)} / ${ms(item.toUpstreamP99)}`,
        `${ms(item.gapP50)} / ${ms(item.gapP99)}`,
        item.path === "direct" ? "0 / 0" : `${signed(item.addedGapP50)} / ${signed(item.addedGapP99)}`,
        `${ms(item.transitP50)} / ${ms(item.transitP99)}`,
        `${formatNumber(item.burstShare * 100, 2)}%`,
        `${item.errors} / ${item.incomplete}`,
      ]),
    ),
  );
  const costTable = markdownTable(
    [
      "path",
      ...levels.map((level) => `gateway CPU ms per stream, c=${level.concurrency}`),
      ...levels.map((level) => `write syscalls per stream, c=${level.concurrency}`),
      ...levels.map((level) => `other processes' CPU, cores, c=${level.concurrency}`),
    ],
    paths.map((path) => [
      path.label,
      ...levels.map((level) => formatNumber(figure(level.concurrency, path.name)?.gatewayCpuMsPerStream, 2)),
      ...levels.map((level) => formatNumber(figure(level.concurrency, path.name)?.gatewayWritesPerStream, 0)),
      ...levels.map((level) => formatNumber(figure(level.concurrency, path.name)?.othersCores, 2)),
    ]),
  );

  const ladderTable = markdownTable(
    ["streams at once", ...paths.map((path) => path.label)],
    LADDER.map((concurrency) => [
      String(concurrency),
      ...paths.map((path) => {
        const steps = ladder.filter((item) => item.path === path.name && item.concurrency === concurrency);
        if (steps.length === 0) return input.failedAt.has(path.name) ? "not tried" : "—";
        return steps
          .map(
            (step) =>
              `${step.attempt === 2 ? "again: " : ""}${step.sustained ? "yes" : "**no**"} (gap max ${formatNumber(step.gapMax, 0)} ms, TTFT p99 ${formatNumber(step.ttftP99, 0)} ms, errors ${step.errors}, incomplete ${step.incomplete}, CPU ${formatNumber(step.gatewayCpuMsPerStream, 1)} ms/stream, others ${formatNumber(step.othersCores, 1)} cores)`,
          )
          .join("; ");
      }),
    ]),
  );

  const parley = (concurrency: number) => figure(concurrency, "parley");
  const proxy = (concurrency: number) => figure(concurrency, "proxy");
  const peer = (concurrency: number) => figure(concurrency, "portkey");
  type Target = {
    name: string;
    parley: number;
    proxy: number;
    peer: number | undefined;
    met: boolean;
    lowerIsBetter: boolean;
  };
  const targets: Target[] = [
    ...[1, 100].map((concurrency) => ({
      name: `added TTFT p50 at c=${concurrency}: within 0.3 ms of the proxy`,
      parley: parley(concurrency)?.addedTtftP50 ?? Number.NaN,
      proxy: proxy(concurrency)?.addedTtftP50 ?? Number.NaN,
      peer: peer(concurrency)?.addedTtftP50,
      met:
        (parley(concurrency)?.addedTtftP50 ?? Number.NaN) -
          (proxy(concurrency)?.addedTtftP50 ?? Number.NaN) <=
        0.3,
      lowerIsBetter: true,
    })),
    {
      name: "added gap p99 at c=100: within 0.5 ms of the proxy",
      parley: parley(100)?.addedGapP99 ?? Number.NaN,
      proxy: proxy(100)?.addedGapP99 ?? Number.NaN,
      peer: peer(100)?.addedGapP99,
      met: (parley(100)?.addedGapP99 ?? Number.NaN) - (proxy(100)?.addedGapP99 ?? Number.NaN) <= 0.5,
      lowerIsBetter: true,
    },
    {
      name: "streams sustained: at least the proxy's",
      parley: sustainedStreams.get("parley") ?? 0,
      proxy: sustainedStreams.get("proxy") ?? 0,
      peer: hasPeer ? (sustainedStreams.get("portkey") ?? 0) : undefined,
      met: (sustainedStreams.get("parley") ?? 0) >= (sustainedStreams.get("proxy") ?? 0),
      lowerIsBetter: false,
    },
  ];
  // "Better than the peer on every figure": every added time at every concurrency, and streams sustained.
  const peerFigures = hasPeer
    ? [
        ...levels.flatMap((level) =>
          (["addedTtftP50", "addedTtftP99", "addedGapP50", "addedGapP99"] as const).map((key) => ({
            name: `${key} c=${level.concurrency}`,
            better:
              (figure(level.concurrency, "parley")?.[key] ?? Number.NaN) <
              (figure(level.concurrency, "portkey")?.[key] ?? Number.NaN),
          })),
        ),
        {
          name: "streams sustained",
          better: (sustainedStreams.get("parley") ?? 0) > (sustainedStreams.get("portkey") ?? 0),
        },
      ]
    : [];
  const targetTable = markdownTable(
    ["target (issue 5)", "Parley", "pass-through proxy", "@portkey-ai/gateway", "met"],
    [
      ...targets.map((target) => [
        target.name,
        target.lowerIsBetter ? `${signed(target.parley)} ms` : sustainedText("parley"),
        target.lowerIsBetter ? `${signed(target.proxy)} ms` : sustainedText("proxy"),
        target.peer === undefined
          ? "—"
          : target.lowerIsBetter
            ? `${signed(target.peer)} ms`
            : sustainedText("portkey"),
        target.met ? "yes" : "**no**",
      ]),
      [
        "better than the peer on every figure above and in the first table",
        "",
        "",
        hasPeer
          ? `Parley better on ${peerFigures.filter((item) => item.better).length} of ${peerFigures.length}`
          : "not installed",
        hasPeer ? (peerFigures.every((item) => item.better) ? "yes" : "**no**") : "—",
      ],
    ],
  );

  const headline = `Parley adds ${signed(parley(1)?.addedTtftP50)} ms to the first token at c=1 and ${signed(parley(100)?.addedTtftP50)} ms at c=100 (p50; the pass-through proxy ${signed(proxy(1)?.addedTtftP50)} / ${signed(proxy(100)?.addedTtftP50)}), ${signed(parley(100)?.addedGapP99)} ms to the inter-frame gap p99 at c=100 (proxy ${signed(proxy(100)?.addedGapP99)}), and sustains ${sustainedText("parley")} streams (proxy ${sustainedText("proxy")}${hasPeer ? `, @portkey-ai/gateway ${sustainedText("portkey")}` : ""}).`;

  return {
    name: "gateway",
    title: "Gateway overhead on a paced remote stream",
    headline,
    tables: [overheadTable, costTable, ladderTable, targetTable],
    notes: [
      `Load: a fake OpenAI-compatible upstream (node:http, its own process) streams a role chunk, ${DELTAS} content chunks ${PACING_MS} ms apart (each waits for the previous write), a finish chunk, a usage chunk and [DONE]; the request asks for stream_options.include_usage. Client, upstream and gateway share the machine's cores; everything is on 127.0.0.1.`,
      `Paths: ${paths.map((path) => path.label).join("; ")}. Parley runs \`parley serve\` (PARLEY_THREADS=1) with the upstream as an openai-compatible provider and stores each exchange as a conversation (the default, store not false).${input.peerMissing ? ` Peer: ${input.peerMissing}.` : " The peer runs `build/start-server.js --headless` with `x-portkey-provider: openai` and `x-portkey-custom-host`, @hono/node-server pinned to 1.13.5 by an npm override."}`,
      `Client: undici Pool with C connections, one closed-loop slot per connection; the C connections are opened by C unpaced streams before the measured window (a Node 20 server accepts about one connection per event-loop turn), and each slot yields an event-loop turn between streams (undici reuses a finished keep-alive connection only after one). Before each window the benchmark waits until the servers are idle.`,
      `Before any level, every path serves ${WARMUP_STREAMS} unpaced streams, 10 at a time, and then ${3 * PACED_WARMUP_WINDOWS} paced streams per slot at c=${TOP_CONCURRENCY}, not counted: so that each is measured as a server that has been up a while (its request path compiled by V8, its heap grown to the load), not one that has just started.`,
      `Per concurrency: each round runs every path once, in an order that rotates (interleaved); rounds: ${LEVELS.map((level) => `c=${level.concurrency} ${level.rounds} × ${level.streamsPerSlot} streams per slot`).join(", ")}. At c > 1 the slots' first streams start spread over ${STREAM_MS / 2} ms, and only streams that ran start to end while all C slots were streaming are counted (the ramp and the tail are not).`,
      "TTFT: request sent to the first frame with text (the upstream writes it 20 ms after the request reached it, so a gateway's work before forwarding adds to it in full). Request reaches upstream: request sent to the upstream's reading of the whole request, as the upstream stamps it in the first delta. Gap: between consecutive content frames at the client. Added = the path's percentile minus the direct path's, same concurrency. Frame held: the client's arrival time minus the upstream's write time, which the upstream writes into each delta's text (the same clock on one machine): what the path held a frame for, including the direct path's own socket and event-loop time.",
      `Buffering: a content frame that arrives less than ${BURST_MS} ms after the previous one came in a burst (the pacing is ${PACING_MS} ms). Parley's SSE writer coalesces frames written within 10 ms of its last write; at ${PACING_MS} ms pacing it should never hold one, which the held and burst columns check.`,
      `Streams sustained: the ladder ${LADDER.join(", ")} (2 streams per slot, starts spread over ${STREAM_MS / 2} ms), per path until it fails a step; a step is sustained when every stream that did not fail got every frame in order, no gap exceeded ${MAX_GAP_MS} ms (10× the pacing) and fewer than ${MAX_ERROR_SHARE * 100}% failed. A failed step is run once more, and the path stops climbing only if it fails again.${input.budgetStoppedAt ? ` The ladder stopped before ${input.budgetStoppedAt} to keep within the time budget.` : ""}`,
      "Costs: the gateway process's time on a CPU (/proc/<pid>/task/*/schedstat) and its write system calls (/proc/<pid>/io syscw) during the load, warm-up excluded, divided by the streams run; for the direct path, nothing. Other processes' CPU: the machine's busy time (/proc/stat) minus that of the gateway, the upstream and this client, over the load's wall time: this machine is shared, and that is how much it was while the path ran.",
      `Parley's own garbage collection over the same windows (prom-client's nodejs_gc_duration_seconds in its /metrics, every kind): ${levels.map((level) => `${formatNumber(parley(level.concurrency)?.gcMsPerStream, 2)} ms per stream at c=${level.concurrency}`).join(", ")}; at c=100 that is ${formatNumber(((parley(100)?.gcMsPerStream ?? Number.NaN) / (parley(100)?.gatewayCpuMsPerStream ?? Number.NaN)) * 100, 0)}% of its CPU. Each collection pauses every stream at once. Major collections (the longest pauses, 5-11 ms here): ${levels.map((level) => `${formatNumber(parley(level.concurrency)?.majorGcsPer1000Streams, 1)} per 1,000 streams at c=${level.concurrency}`).join(", ")}.`,
      `Gap p99 of each window at c=100, in the order the rounds ran (one disturbed window moves a level's p99 by a millisecond or more): ${paths
        .map(
          (path) =>
            `${path.label} ${
              figure(100, path.name)
                ?.windowGapP99s.map((gap) => formatNumber(gap, 2))
                .join(", ") ?? "—"
            } ms`,
        )
        .join("; ")}. Parley's collections in those windows, young generation / major: ${
        parley(100)
          ?.windowMinorGcs.map(
            (minor, index) =>
              `${formatNumber(minor, 0)} / ${formatNumber(parley(100)?.windowMajorGcs[index], 0)}`,
          )
          .join(", ") ?? "—"
      }.`,
      `Took ${formatNumber(input.seconds, 0)} s.`,
    ],
    data: {
      deltas: DELTAS,
      pacingMs: PACING_MS,
      levels,
      ladder,
      sustainedStreams: Object.fromEntries(sustainedStreams),
      failedAt: Object.fromEntries(input.failedAt),
      targets,
      peerFigures,
      peerMissing: input.peerMissing ?? null,
    },
  };
}
