/**
 * The gateway benchmarks' load client: C streamed chat completions at once through one path, on connections
 * opened before the measured window, each frame stamped with when it arrived.
 */
import { setImmediate as nextTurn, setTimeout as sleep } from "node:timers/promises";
import { type Dispatcher, Pool } from "undici";
import type { GatewayPath } from "./gateway-paths.js";
import { machineBusyMs } from "./machine-cpu-time.js";
import { type IoCounts, processIoCounts } from "./process-io-counts.js";
import { processSchedulerTimes } from "./process-scheduler-times.js";

/** Content frames arriving closer than this to the previous one came in a burst: 20 ms pacing never does. */
export const BURST_MS = 2;

export type StreamSample = {
  slot: number;
  /** performance.now() just before the request went out, and when the stream ended. */
  startedAt: number;
  endedAt: number;
  status: number;
  /** Why the request failed (connection error, non-200 status, in-band error event). */
  error: string | undefined;
  /** Request sent to the first frame with text; NaN when none came. */
  ttftMs: number;
  /** Request sent to its arrival at the upstream (the upstream says when, in the first delta); NaN if unknown. */
  toUpstreamMs: number;
  /** Between consecutive content frames, ms. */
  gapsMs: number[];
  /** For each content frame, its arrival here minus the upstream's write of it, ms: how long the path held it. */
  transitMs: number[];
  contentFrames: number;
  /** Content frames that arrived less than BURST_MS after the previous one. */
  burstFrames: number;
  /** Every content frame in order, then a finish reason, usage and `[DONE]`, with status 200. */
  complete: boolean;
};

export type OpenStream = {
  /** Resolves when the first content frame arrived, or the stream ended without one. */
  firstContent: Promise<void>;
  done: Promise<StreamSample>;
  close(): void;
};

/** The arrival clock: epoch ms comparable with the `<index>@<epoch ms>` the upstream writes in each delta. */
const epochNow = () => performance.timeOrigin + performance.now();
const CONTENT_MARK = '"content":"';

/**
 * One streamed chat completion, read with undici's dispatch handlers: the least work per frame a client can
 * do, because the client shares the two cores with the upstream and the gateway under test.
 */
export function openStream(
  pool: Dispatcher,
  path: GatewayPath,
  model: string,
  options: { slot?: number; expectedDeltas: number },
): OpenStream {
  const sample: StreamSample = {
    slot: options.slot ?? 0,
    startedAt: performance.now(),
    endedAt: Number.NaN,
    status: 0,
    error: undefined,
    ttftMs: Number.NaN,
    toUpstreamMs: Number.NaN,
    gapsMs: [],
    transitMs: [],
    contentFrames: 0,
    burstFrames: 0,
    complete: false,
  };
  let controller: Dispatcher.DispatchController | undefined;
  let closeRequested = false;
  let pending = "";
  let lastContentAt = Number.NaN;
  let inOrder = true;
  let sawFinish = false;
  let sawUsage = false;
  let sawDone = false;
  let onFirstContent: () => void = () => {};
  const firstContent = new Promise<void>((resolve) => {
    onFirstContent = resolve;
  });
  let onDone: (sample: StreamSample) => void = () => {};
  const done = new Promise<StreamSample>((resolve) => {
    onDone = resolve;
  });
  const finish = (error?: string) => {
    if (!Number.isNaN(sample.endedAt)) return;
    sample.endedAt = performance.now();
    sample.error ??= error;
    sample.complete =
      sample.error === undefined &&
      sample.status === 200 &&
      sample.contentFrames === options.expectedDeltas &&
      inOrder &&
      sawFinish &&
      sawUsage &&
      sawDone;
    onFirstContent();
    onDone(sample);
  };
  const readFrame = (frame: string, arrivedAt: number, arrivedAtEpoch: number) => {
    if (frame.startsWith(":")) return;
    if (frame === "data: [DONE]") {
      sawDone = true;
      return;
    }
    const mark = frame.indexOf(CONTENT_MARK);
    if (mark >= 0 && frame.charCodeAt(mark + CONTENT_MARK.length) !== 34 /* an empty content */) {
      const text = frame.slice(mark + CONTENT_MARK.length, frame.indexOf('"', mark + CONTENT_MARK.length));
      const [index, writtenAt, requestArrivedAt] = text.split("@");
      if (Number(index) !== sample.contentFrames) inOrder = false;
      sample.transitMs.push(arrivedAtEpoch - Number.parseFloat(writtenAt ?? ""));
      if (sample.contentFrames === 0) {
        sample.ttftMs = arrivedAt - sample.startedAt;
        sample.toUpstreamMs =
          Number.parseFloat(requestArrivedAt ?? "") - (performance.timeOrigin + sample.startedAt);
        onFirstContent();
      } else {
        const gap = arrivedAt - lastContentAt;
        sample.gapsMs.push(gap);
        if (gap < BURST_MS) sample.burstFrames++;
      }
      lastContentAt = arrivedAt;
      sample.contentFrames++;
      return;
    }
    if (frame.includes('"finish_reason":"')) sawFinish = true;
    if (frame.includes('"usage":{')) sawUsage = true;
    if (frame.includes('"error":')) sample.error ??= `error event: ${frame.slice(0, 300)}`;
  };
  pool.dispatch(
    {
      path: "/v1/chat/completions",
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", ...path.headers },
      body: JSON.stringify({
        model,
        messages: [{ role: "user", content: "Count, please." }],
        stream: true,
        stream_options: { include_usage: true },
      }),
    },
    {
      onRequestStart(requestController) {
        controller = requestController;
        if (closeRequested) requestController.abort(new Error("closed by the benchmark"));
      },
      onResponseStart(_controller, statusCode) {
        sample.status = statusCode;
        if (statusCode !== 200) sample.error = `status ${statusCode}`;
      },
      onResponseData(_controller, chunk) {
        const arrivedAt = performance.now();
        const arrivedAtEpoch = epochNow();
        pending += chunk.toString("utf8");
        for (let end = pending.indexOf("\n\n"); end >= 0; end = pending.indexOf("\n\n")) {
          readFrame(pending.slice(0, end), arrivedAt, arrivedAtEpoch);
          pending = pending.slice(end + 2);
        }
      },
      onResponseEnd() {
        finish();
      },
      onResponseError(_controller, error) {
        finish(closeRequested ? undefined : error.message);
      },
    },
  );
  return {
    firstContent,
    done,
    close() {
      closeRequested = true;
      controller?.abort(new Error("closed by the benchmark"));
    },
  };
}

export type LoadOptions = {
  concurrency: number;
  /** Streams each client slot runs one after another (a closed loop). */
  streamsPerSlot: number;
  /** The slots' first streams start spread evenly over this many ms, as independent users would. */
  staggerMs: number;
  expectedDeltas: number;
  /** Server processes whose CPU time the load is charged with, by name (the client is added as `client`). */
  processes: Record<string, number | undefined>;
  /** Counters read just before and after the measured window (a server's own figures, from its /metrics). */
  counters?: Record<string, () => Promise<number>>;
};

export type LoadResult = {
  samples: StreamSample[];
  /** The streams that ran start to end while all C slots were streaming. */
  measured: StreamSample[];
  /** Connections open when the measured window began. */
  connectionsOpened: number;
  warmupErrors: number;
  /** CPU time of each process during the load, ms. */
  cpuMs: Record<string, number>;
  /** System calls of each server process during the load. */
  io: Record<string, IoCounts>;
  /** CPU time that processes other than these used meanwhile, ms: how busy the shared machine was. */
  othersCpuMs: number;
  wallMs: number;
  /** How much each of the options' counters grew over the window. */
  counters: Record<string, number>;
};

/**
 * Runs C closed-loop slots through `path`. The C connections are opened first, by C `instant` streams at once:
 * a Node 20 server accepts about one connection per event-loop turn, so opening them inside the window would
 * measure the ramp, not the gateway. Each slot yields a turn between streams: undici reuses a finished
 * keep-alive connection only after one, and without it a closed loop opens new connections without bound.
 */
export async function runStreamLoad(path: GatewayPath, options: LoadOptions): Promise<LoadResult> {
  const pool = new Pool(path.origin, {
    connections: options.concurrency,
    pipelining: 1,
    keepAliveTimeout: 120_000,
    keepAliveMaxTimeout: 120_000,
    headersTimeout: 120_000,
    bodyTimeout: 120_000,
  });
  try {
    const warmup = await Promise.all(
      Array.from(
        { length: options.concurrency },
        () => openStream(pool, path, "instant", { expectedDeltas: options.expectedDeltas }).done,
      ),
    );
    const connectionsOpened = pool.stats.connected;
    await nextTurn();
    await waitUntilIdle(Object.values(options.processes));

    const countersBefore = await readCounters(options.counters);
    const before = cpuTimes(options.processes);
    const ioBefore = ioCounts(options.processes);
    const machineBefore = machineBusyMs();
    const startedAt = performance.now();
    const samples: StreamSample[] = [];
    const firstStarts: number[] = [];
    const lastEnds: number[] = [];
    await Promise.all(
      Array.from({ length: options.concurrency }, async (_, slot) => {
        await sleep((slot * options.staggerMs) / options.concurrency);
        for (let index = 0; index < options.streamsPerSlot; index++) {
          const sample = await openStream(pool, path, "paced", {
            slot,
            expectedDeltas: options.expectedDeltas,
          }).done;
          samples.push(sample);
          if (index === 0) firstStarts.push(sample.startedAt);
          await nextTurn();
        }
        lastEnds.push(samples.filter((sample) => sample.slot === slot).at(-1)?.endedAt ?? Number.NaN);
      }),
    );
    const wallMs = performance.now() - startedAt;
    const after = cpuTimes(options.processes);
    const countersAfter = await readCounters(options.counters);
    const ioAfter = ioCounts(options.processes);
    const machineAfter = machineBusyMs();
    const cpuMs = Object.fromEntries(
      Object.keys(before).map((name) => [name, (after[name] ?? 0) - (before[name] ?? 0)]),
    );
    const windowStart = Math.max(...firstStarts);
    const windowEnd = Math.min(...lastEnds);
    return {
      samples,
      measured: samples.filter((sample) => sample.startedAt >= windowStart && sample.endedAt <= windowEnd),
      connectionsOpened,
      warmupErrors: warmup.filter((sample) => !sample.complete).length,
      cpuMs,
      othersCpuMs: machineAfter - machineBefore - Object.values(cpuMs).reduce((sum, value) => sum + value, 0),
      io: Object.fromEntries(
        Object.keys(ioBefore).map((name) => [
          name,
          {
            readCalls: (ioAfter[name]?.readCalls ?? 0) - (ioBefore[name]?.readCalls ?? 0),
            writeCalls: (ioAfter[name]?.writeCalls ?? 0) - (ioBefore[name]?.writeCalls ?? 0),
          },
        ]),
      ),
      wallMs,
      counters: Object.fromEntries(
        Object.keys(countersBefore).map((name) => [
          name,
          (countersAfter[name] ?? 0) - (countersBefore[name] ?? 0),
        ]),
      ),
    };
  } finally {
    await pool.destroy();
  }
}

async function readCounters(
  counters: Record<string, () => Promise<number>> | undefined,
): Promise<Record<string, number>> {
  const entries = await Promise.all(
    Object.entries(counters ?? {}).map(async ([name, read]) => [name, await read()] as const),
  );
  return Object.fromEntries(entries);
}

function cpuTimes(processes: Record<string, number | undefined>): Record<string, number> {
  return Object.fromEntries(
    Object.entries({ ...processes, client: process.pid }).map(([name, pid]) => [
      name,
      processSchedulerTimes(pid).cpuMs,
    ]),
  );
}

function ioCounts(processes: Record<string, number | undefined>): Record<string, IoCounts> {
  return Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, processIoCounts(pid)]));
}

/**
 * Waits until the processes used under 5% of a core for 100 ms (at most `timeoutMs`), so one measurement does
 * not pay for the last one's leftovers: a gateway writing down the runs it just served, a garbage collection.
 */
export async function waitUntilIdle(pids: readonly (number | undefined)[], timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  const total = () => pids.reduce<number>((sum, pid) => sum + (processSchedulerTimes(pid).cpuMs || 0), 0);
  let previous = total();
  while (performance.now() < deadline) {
    await sleep(100);
    const now = total();
    if (now - previous < 5) return;
    previous = now;
  }
}
