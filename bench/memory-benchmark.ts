/**
 * Benchmark 2, memory per stream: each gateway's resident memory idle and with N streams held open through it
 * (a slow upstream sends one delta a second), (RSS_N - RSS_idle) / N, for Parley, the pass-through proxy and,
 * when installed, @portkey-ai/gateway, on the same fake upstream as the gateway benchmark.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Pool } from "undici";
import {
  checkPathsServe,
  type GatewayPath,
  startGatewayPaths,
  warmUpPaths,
} from "./support/gateway-paths.js";
import { formatNumber, markdownTable } from "./support/markdown-table.js";
import { parleyMetricSum } from "./support/parley-metric.js";
import { steadyResidentSetBytes } from "./support/process-memory.js";
import { type OpenStream, openStream, waitUntilIdle } from "./support/stream-load.js";
import type { BenchmarkReport } from "./support/write-benchmark-report.js";

const DELTAS = 64;
const PACING_MS = 20;
/** Open streams at which memory is read, in order; streams stay open from one count to the next. */
const COUNTS = [100, 500] as const;
const WARMUP_STREAMS = 200;
/** After the streams are open, time for the gateway to settle (each held stream gets a delta a second). */
const SETTLE_MS = 1500;
const TARGET_KIB_PER_STREAM = 100;

type MemoryReading = { streams: number; open: number; rssBytes: number; perStreamBytes: number };

type PathMemory = {
  path: GatewayPath["name"];
  label: string;
  idleBytes: number;
  readings: MemoryReading[];
  /** (RSS at the largest count - RSS at the smallest) / the streams between them. */
  marginalBytes: number;
  /** RSS once every stream was closed again. */
  afterBytes: number;
  /** Parley only: its V8 heap in use, from its own /metrics, idle and at each count. */
  heapUsedBytes: number[] | undefined;
};

export async function runMemoryBenchmark(): Promise<BenchmarkReport> {
  const startedAt = performance.now();
  const setup = await startGatewayPaths({
    deltas: DELTAS,
    pacingMs: PACING_MS,
    include: ["parley", "proxy", "portkey"],
  });
  try {
    await checkPathsServe(setup.paths, DELTAS);
    const results: PathMemory[] = [];
    for (const path of setup.paths) results.push(await measurePath(path));
    return report(results, setup.peerMissing, (performance.now() - startedAt) / 1000);
  } finally {
    await setup.stop();
  }
}

async function measurePath(path: GatewayPath): Promise<PathMemory> {
  // Warm up: code compiled, pools and caches at their working size, as on a server that has served before.
  await warmUpPaths([path], { streams: WARMUP_STREAMS, concurrency: 100, expectedDeltas: DELTAS });
  await waitUntilIdle([path.pid]);
  await sleep(1000);
  const heapUsed: number[] = [];
  const readHeap = async () => {
    if (path.name === "parley") heapUsed.push(await parleyHeapUsedBytes(path));
  };
  const idleBytes = await steadyResidentSetBytes(path.pid);
  await readHeap();

  const pool = new Pool(path.origin, {
    connections: Math.max(...COUNTS),
    pipelining: 1,
    headersTimeout: 60_000,
    bodyTimeout: 60_000,
  });
  const streams: OpenStream[] = [];
  const failed: string[] = [];
  const readings: MemoryReading[] = [];
  try {
    for (const count of COUNTS) {
      const opened = Array.from({ length: count - streams.length }, () =>
        openStream(pool, path, "held", { expectedDeltas: Number.POSITIVE_INFINITY }),
      );
      streams.push(...opened);
      for (const stream of opened) {
        void stream.done.then((sample) => {
          if (sample.error !== undefined) failed.push(sample.error);
        });
      }
      await Promise.all(opened.map((stream) => stream.firstContent));
      await sleep(SETTLE_MS);
      const rssBytes = await steadyResidentSetBytes(path.pid);
      await readHeap();
      const open = streams.length - failed.length;
      readings.push({ streams: count, open, rssBytes, perStreamBytes: (rssBytes - idleBytes) / count });
      process.stdout.write(
        `${path.name}: ${open} of ${count} streams open, RSS ${formatNumber(rssBytes / 2 ** 20, 1)} MiB (idle ${formatNumber(idleBytes / 2 ** 20, 1)}), ${formatNumber((rssBytes - idleBytes) / count / 1024, 1)} KiB per stream\n`,
      );
    }
  } finally {
    for (const stream of streams) stream.close();
    await pool.destroy();
  }
  await waitUntilIdle([path.pid]);
  await sleep(1000);
  const afterBytes = await steadyResidentSetBytes(path.pid);
  const first = readings[0] as MemoryReading;
  const last = readings.at(-1) as MemoryReading;
  return {
    path: path.name,
    label: path.label,
    idleBytes,
    readings,
    marginalBytes: (last.rssBytes - first.rssBytes) / (last.streams - first.streams),
    afterBytes,
    heapUsedBytes: path.name === "parley" ? heapUsed : undefined,
  };
}

/** Parley's own gauge of its V8 heap in use (prom-client's default metrics, under the `parley_` prefix). */
function parleyHeapUsedBytes(path: GatewayPath): Promise<number> {
  return parleyMetricSum(path, "parley_nodejs_heap_size_used_bytes");
}

function report(results: PathMemory[], peerMissing: string | undefined, seconds: number): BenchmarkReport {
  const kib = (bytes: number | undefined) => formatNumber(bytes === undefined ? undefined : bytes / 1024, 1);
  const mib = (bytes: number | undefined) =>
    formatNumber(bytes === undefined ? undefined : bytes / 2 ** 20, 1);
  const of = (name: GatewayPath["name"]) => results.find((result) => result.path === name);
  const perStream = (result: PathMemory | undefined) => result?.readings.at(-1)?.perStreamBytes ?? Number.NaN;
  const parley = of("parley");
  const proxy = of("proxy");
  const peer = of("portkey");
  const largest = Math.max(...COUNTS);

  const table = markdownTable(
    [
      "path",
      "RSS idle MiB",
      ...COUNTS.map((count) => `RSS at ${count} streams MiB (open)`),
      ...COUNTS.map((count) => `KiB per stream at ${count}`),
      `marginal KiB per stream, ${COUNTS[0]} → ${largest}`,
      "RSS after closing MiB",
    ],
    results.map((result) => [
      result.label,
      mib(result.idleBytes),
      ...result.readings.map((reading) => `${mib(reading.rssBytes)} (${reading.open})`),
      ...result.readings.map((reading) => kib(reading.perStreamBytes)),
      kib(result.marginalBytes),
      mib(result.afterBytes),
    ]),
  );
  const parleyPerStream = perStream(parley);
  const targets = markdownTable(
    ["target (issue 5)", "Parley", "pass-through proxy", "@portkey-ai/gateway", "met"],
    [
      [
        `memory per open stream at ${largest} streams ≤ ${TARGET_KIB_PER_STREAM} KB`,
        `${kib(parleyPerStream)} KiB`,
        `${kib(perStream(proxy))} KiB`,
        peer ? `${kib(perStream(peer))} KiB` : "—",
        parleyPerStream <= TARGET_KIB_PER_STREAM * 1000 ? "yes" : "**no**",
      ],
      [
        "better than the peer",
        `${kib(parleyPerStream)} KiB`,
        "",
        peer ? `${kib(perStream(peer))} KiB` : "not installed",
        peer ? (parleyPerStream < perStream(peer) ? "yes" : "**no**") : "—",
      ],
    ],
  );
  const heap = parley?.heapUsedBytes;
  const heapNote =
    heap && heap.length === COUNTS.length + 1
      ? `Parley's V8 heap in use (its /metrics): ${mib(heap[0])} MiB idle, ${COUNTS.map((count, index) => `${mib(heap[index + 1])} MiB at ${count} streams`).join(", ")}: ${kib(((heap.at(-1) ?? 0) - (heap[0] ?? 0)) / largest)} KiB per stream of the ${kib(parleyPerStream)} KiB of RSS (a heap reading includes garbage not yet collected).`
      : "Parley's /metrics gave no heap reading.";
  return {
    name: "memory",
    title: "Memory per open stream",
    headline: `With ${largest} streams held open, Parley uses ${kib(parleyPerStream)} KiB of resident memory per stream (target ≤ ${TARGET_KIB_PER_STREAM} KB; the pass-through proxy ${kib(perStream(proxy))} KiB${peer ? `, @portkey-ai/gateway ${kib(perStream(peer))} KiB` : ""}).`,
    tables: [table, targets],
    notes: [
      `Streams held open: the fake upstream of the gateway benchmark answers model \`held\` with a role chunk and then one content chunk a second; each path gets ${COUNTS.join(", then ")} streams at once (streams stay open from one count to the next), each on its own connection, and memory is read once every stream has its first delta and ${SETTLE_MS} ms more have passed.`,
      `RSS: VmRSS of the gateway's process from /proc/<pid>/status, the median of 5 readings 200 ms apart. Idle: after ${WARMUP_STREAMS} unpaced streams (code compiled, pools grown) and once the process is idle, with no connection open. Per stream: (RSS_N - RSS_idle) / N, so it includes each stream's connections (client side and upstream side) and anything the gateway keeps per stream.`,
      `Parley stores each exchange (store not false) and keeps each run's events in memory while it runs. ${heapNote}`,
      "No garbage collection is forced: a gateway's young generation grows and shrinks with load, which moves a reading by a few MiB (±10-30 KiB per stream at 100 streams, less at 500); the marginal column (between the two counts) is the least affected.",
      ...(peerMissing ? [`Peer: ${peerMissing}.`] : []),
      `Took ${formatNumber(seconds, 0)} s.`,
    ],
    data: { counts: COUNTS, results, targetKibPerStream: TARGET_KIB_PER_STREAM },
  };
}
