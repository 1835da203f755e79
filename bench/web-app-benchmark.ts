/**
 * Benchmark 6, the web app: the JavaScript the chat page ships (gzip), and its frames while a 10,000-token reply
 * streams into it in headless Chromium.
 *
 * Frames are timed by the gaps between requestAnimationFrame callbacks (every frame) and by the Long Animation
 * Frames API (each frame over 50 ms, with the time its scripts and its style and layout took). Both are wall
 * time: on two cores shared with the server, the engine and whatever else runs, a frame can be long because the
 * page's process was waiting for a CPU. A Chromium trace tells the two apart: each task of the page's main thread
 * has its wall time and its thread CPU time, and CPU time is the page's own work. The baseline, measured in the
 * same run and interleaved, is the same page sitting idle while the same reply streams to a client outside the
 * browser: the server and the engine load the machine as much, and the page does nothing.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { type Browser, type BrowserContext, type CDPSession, chromium, type Page } from "playwright-core";
import { buildWebIfStale, WEB_DIST_DIR } from "../scripts/build-web-if-stale.js";
import { createConversation } from "../test/support/parley-process.js";
import { formatNumber, markdownTable } from "./support/markdown-table.js";
import { median } from "./support/percentile.js";
import { type BenchServer, startBenchServer } from "./support/start-bench-server.js";
import type { BenchmarkReport } from "./support/write-benchmark-report.js";

const REPLY_TOKENS = 10_000;
/** Repeats of each side, interleaved (stream, idle, idle, stream, ...); medians are reported. */
const ROUNDS = 5;
const MODEL = "tiny-loop";
/** The reply (10,000 tokens) and the prompt fit with room to spare; one sequence, as one user chats. */
const ENGINE = { threads: 1, sequences: 1, contextSize: 12_288 } as const;
const JAVASCRIPT_TARGET_BYTES = 250 * 1024;
const FRAME_TARGET_MS = 50;
/** The trace category whose RunTask events are the main thread's tasks, with wall (dur) and CPU (tdur) time. */
const TRACE_CATEGORIES = ["disabled-by-default-devtools.timeline", "devtools.timeline"];

/** A frame over 50 ms, as the Long Animation Frames API reports it (wall time). */
type LongFrame = {
  duration: number;
  /** Time in scripts (event handlers, callbacks, timers, React's scheduler) during the frame. */
  scriptMs: number;
  /** From the start of style and layout to the frame's end: rendering work. */
  renderMs: number;
  /** What neither its scripts nor its rendering account for. */
  otherMs: number;
  scripts: { invoker: string; duration: number }[];
};

/** What the page probe gathered over one sample. */
type FrameProbe = {
  /** Gaps between consecutive requestAnimationFrame callbacks, ms. */
  gaps: number[];
  longFrames: LongFrame[];
};

/** One task of the page's main thread, from the trace. */
type MainThreadTask = {
  wallMs: number;
  cpuMs: number;
  /** For a task over 50 ms: the innermost trace event that took most of it (FunctionCall, Layout, a GC...). */
  mostlyIn?: string;
};

type Sample = {
  kind: "stream" | "idle";
  round: number;
  wallMs: number;
  frames: number;
  longestFrameMs: number;
  p99FrameMs: number;
  framesOver50: number;
  longFrames: LongFrame[];
  /** The page's main-thread tasks over 50 ms of wall time. */
  longTasks: MainThreadTask[];
  /** Its longest task by CPU time: the longest piece of work the page itself did. */
  longestTaskCpuMs: number;
  /** The five tasks with the most CPU time, for a closer look in the JSON. */
  topCpuTasks: MainThreadTask[];
  mainThreadCpuMs: number;
  mainThreadWallMs: number;
  /** Stream only: characters of the reply on the page, and the tokens the server counted. */
  replyCharacters?: number;
  outputTokens?: number;
};

type ShippedFile = { file: string; bytes: number; gzipBytes: number; loadedBy: "chat page" | "on demand" };

export async function runWebAppBenchmark(): Promise<BenchmarkReport> {
  await buildWebIfStale();
  const shipped = shippedJavaScript();
  const chatPageGzip = sum(
    shipped.filter((file) => file.loadedBy === "chat page").map((file) => file.gzipBytes),
  );

  const server = await startBenchServer({ models: [MODEL], ...ENGINE, maxOutputTokens: REPLY_TOKENS });
  const browser = await launchChromium();
  const samples: Sample[] = [];
  try {
    // A warm-up stream, discarded: the first reply pays for the engine's and the browser's cold start.
    await measure(browser, server, "stream", 0);
    for (let round = 1; round <= ROUNDS; round++) {
      // Alternate which side goes first, so a slow spell of the machine does not always hit the same side.
      const order = round % 2 === 1 ? (["stream", "idle"] as const) : (["idle", "stream"] as const);
      for (const kind of order) {
        const sample = await measure(browser, server, kind, round);
        samples.push(sample);
        process.stdout.write(
          `round ${round} ${kind}: longest frame ${ms(sample.longestFrameMs)} ms, ${sample.framesOver50} over 50 ms; ` +
            `longest task CPU ${ms(sample.longestTaskCpuMs)} ms; main thread CPU ${ms(perSecond(sample, sample.mainThreadCpuMs))} ms/s; ` +
            `${sample.frames} frames in ${ms(sample.wallMs / 1000)} s\n`,
        );
      }
    }
  } finally {
    await browser.close();
    await server.stop();
  }
  return report(shipped, chatPageGzip, samples);
}

/** Every JavaScript file of the build, and whether index.html loads it (a script or a modulepreload) or a page asks later. */
function shippedJavaScript(): ShippedFile[] {
  const html = readFileSync(path.join(WEB_DIST_DIR, "index.html"), "utf8");
  const loaded = new Set(
    [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((match) => match[1]),
  );
  return readdirSync(path.join(WEB_DIST_DIR, "assets"))
    .filter((name) => name.endsWith(".js"))
    .map((name) => {
      const content = readFileSync(path.join(WEB_DIST_DIR, "assets", name));
      return {
        file: name,
        bytes: content.length,
        gzipBytes: gzipSync(content, { level: 9 }).length,
        loadedBy: loaded.has(`assets/${name}`) ? ("chat page" as const) : ("on demand" as const),
      };
    })
    .sort((a, b) => b.gzipBytes - a.gzipBytes);
}

function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

async function openChatPage(
  browser: Browser,
  server: BenchServer,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    baseURL: server.url,
    viewport: { width: 1280, height: 800 },
    locale: "en-US",
    colorScheme: "light",
  });
  // tsx compiles this file keeping function names through a `__name` helper, which the functions handed to
  // page.evaluate carry into the page; there it must exist too.
  await context.addInitScript("globalThis.__name = (target) => target;");
  const page = await context.newPage();
  await page.goto("/");
  const box = page.getByRole("textbox", { name: "Message" });
  await box.fill("Recite the alphabet, again and again.");
  // Ready once the model list says the engine can answer: Send turns on.
  await page.locator('button[aria-label="Send"]:not([disabled])').waitFor();
  return { context, page };
}

/**
 * One sample: a 10,000-token reply streaming into a fresh page, or a fresh page left idle while the same reply
 * streams to this process instead.
 */
async function measure(
  browser: Browser,
  server: BenchServer,
  kind: Sample["kind"],
  round: number,
): Promise<Sample> {
  const { context, page } = await openChatPage(browser, server);
  try {
    const cdp = await context.newCDPSession(page);
    const trace = await startTrace(cdp);
    await page.evaluate(startFrameProbe);
    const started = performance.now();
    if (kind === "stream") {
      await page.getByRole("textbox", { name: "Message" }).press("Enter");
      await page.locator('.assistant-message:not([data-status="streaming"])').waitFor({ timeout: 600_000 });
      // The frame after the end: the finished reply is lexed whole once, and that work counts too.
      await page.evaluate(
        () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 100))),
      );
    } else {
      await replyOutsideTheBrowser(server);
      await page.evaluate(
        () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 100))),
      );
    }
    const wallMs = performance.now() - started;
    const probe = await page.evaluate(stopFrameProbe);
    const tasks = await trace.stop();
    const sample = summarize(kind, round, wallMs, probe, tasks);
    if (kind === "idle") return sample;

    const reply = page.locator(".assistant-message").last();
    const status = await reply.getAttribute("data-status");
    if (status !== "complete") throw new Error(`The reply ended ${status}, not complete.`);
    const text = await reply.locator(".markdown").evaluate((element) => element.textContent ?? "");
    const conversationId = /\/c\/([^/?#]+)/.exec(page.url())?.[1];
    const stored = await server.json<{
      messages: { role: string; usage: { outputTokens: number } | null }[];
    }>(`/api/conversations/${conversationId}`);
    const outputTokens = stored.messages.find((message) => message.role === "assistant")?.usage?.outputTokens;
    return {
      ...sample,
      replyCharacters: text.length,
      ...(outputTokens !== undefined && { outputTokens }),
    };
  } finally {
    await context.close();
  }
}

/** The same reply, read to its end by this process: the server and the engine work as hard, the page idles. */
async function replyOutsideTheBrowser(server: BenchServer): Promise<void> {
  const conversationId = await createConversation(server);
  const response = await server.api(`/api/conversations/${conversationId}/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify({ content: "Recite the alphabet, again and again.", model: MODEL }),
  });
  const text = await response.text();
  if (!text.includes("event: run.end"))
    throw new Error(`The reply outside the browser did not end: ${text.slice(-300)}`);
}

type TraceEvent = {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string };
};

/** Records a Chromium trace; `stop` returns the tasks of the busiest renderer main thread (the page's). */
async function startTrace(cdp: CDPSession): Promise<{ stop: () => Promise<MainThreadTask[]> }> {
  const events: TraceEvent[] = [];
  cdp.on("Tracing.dataCollected", (data) => events.push(...(data.value as unknown as TraceEvent[])));
  await cdp.send("Tracing.start", {
    traceConfig: { includedCategories: TRACE_CATEGORIES, recordMode: "recordContinuously" },
    transferMode: "ReportEvents",
  });
  return {
    async stop() {
      const complete = new Promise((resolve) => cdp.once("Tracing.tracingComplete", resolve));
      await cdp.send("Tracing.end");
      await complete;
      const mainThreads = new Set(
        events
          .filter((event) => event.name === "thread_name" && event.args?.name === "CrRendererMain")
          .map((event) => `${event.pid}:${event.tid}`),
      );
      const tasksByThread = new Map<string, MainThreadTask[]>();
      for (const event of events) {
        const thread = `${event.pid}:${event.tid}`;
        if (event.name !== "RunTask" || event.ph !== "X" || !mainThreads.has(thread)) continue;
        const tasks = tasksByThread.get(thread) ?? [];
        // Thread time is sometimes reported above the wall time of a short task; no task works longer than it lasts.
        const wallMs = (event.dur ?? 0) / 1000;
        const task: MainThreadTask = { wallMs, cpuMs: Math.min(wallMs, (event.tdur ?? 0) / 1000) };
        if (wallMs > FRAME_TARGET_MS) task.mostlyIn = mostlyIn(event, events);
        tasks.push(task);
        tasksByThread.set(thread, tasks);
      }
      const busiest = [...tasksByThread.values()].sort(
        (a, b) => sum(b.map((task) => task.cpuMs)) - sum(a.map((task) => task.cpuMs)),
      )[0];
      return busiest ?? [];
    },
  };
}

/**
 * The innermost event of a task's thread that covers at least half of the task: what a long task was busy with
 * (or waiting in, when its CPU time is short).
 */
function mostlyIn(task: TraceEvent, events: readonly TraceEvent[]): string {
  const end = task.ts + (task.dur ?? 0);
  let best = task;
  for (const event of events) {
    if (event.ph !== "X" || event.pid !== task.pid || event.tid !== task.tid || event === task) continue;
    if (event.ts < task.ts || event.ts + (event.dur ?? 0) > end) continue;
    // Nested events start later and end sooner; among those covering half the task, the latest start is innermost.
    if ((event.dur ?? 0) >= (task.dur ?? 0) / 2 && event.ts >= best.ts && (event.dur ?? 0) <= (best.dur ?? 0))
      best = event;
  }
  return best.name;
}

/** Runs in the page: times every frame, and records long animation frames. */
function startFrameProbe(): void {
  type Frame = PerformanceEntry & {
    styleAndLayoutStart: number;
    scripts: (PerformanceEntry & { invoker: string; invokerType: string })[];
  };
  const state = {
    gaps: [] as number[],
    longFrames: [] as unknown[],
    running: true,
    observer: null as PerformanceObserver | null,
    record(entries: PerformanceEntryList) {
      for (const entry of entries) {
        const frame = entry as Frame;
        const end = frame.startTime + frame.duration;
        const scriptMs = frame.scripts.reduce((total, script) => total + script.duration, 0);
        const renderMs = frame.styleAndLayoutStart > 0 ? end - frame.styleAndLayoutStart : 0;
        state.longFrames.push({
          duration: frame.duration,
          scriptMs,
          renderMs,
          otherMs: Math.max(0, frame.duration - scriptMs - renderMs),
          scripts: frame.scripts.map((script) => ({
            invoker: `${script.invokerType}: ${script.invoker}`,
            duration: script.duration,
          })),
        });
      }
    },
  };
  (window as unknown as { __frameProbe: typeof state }).__frameProbe = state;
  let last = -1;
  const tick = (now: number) => {
    if (last >= 0) state.gaps.push(now - last);
    last = now;
    if (state.running) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  state.observer = new PerformanceObserver((list) => state.record(list.getEntries()));
  state.observer.observe({ type: "long-animation-frame", buffered: false });
}

function stopFrameProbe(): FrameProbe {
  const state = (
    window as unknown as {
      __frameProbe: {
        gaps: number[];
        longFrames: LongFrame[];
        running: boolean;
        observer: PerformanceObserver;
        record(entries: PerformanceEntryList): void;
      };
    }
  ).__frameProbe;
  state.running = false;
  // Entries queued but not yet delivered belong to the sample too.
  state.record(state.observer.takeRecords());
  state.observer.disconnect();
  return { gaps: state.gaps, longFrames: state.longFrames };
}

function summarize(
  kind: Sample["kind"],
  round: number,
  wallMs: number,
  probe: FrameProbe,
  tasks: MainThreadTask[],
): Sample {
  const gaps = [...probe.gaps].sort((a, b) => a - b);
  return {
    kind,
    round,
    wallMs,
    frames: gaps.length,
    longestFrameMs: gaps.at(-1) ?? 0,
    p99FrameMs: gaps[Math.min(gaps.length - 1, Math.ceil(0.99 * gaps.length) - 1)] ?? 0,
    framesOver50: gaps.filter((gap) => gap > FRAME_TARGET_MS).length,
    longFrames: probe.longFrames,
    longTasks: tasks.filter((task) => task.wallMs > FRAME_TARGET_MS),
    longestTaskCpuMs: Math.max(0, ...tasks.map((task) => task.cpuMs)),
    topCpuTasks: [...tasks].sort((a, b) => b.cpuMs - a.cpuMs).slice(0, 5),
    mainThreadCpuMs: sum(tasks.map((task) => task.cpuMs)),
    mainThreadWallMs: sum(tasks.map((task) => task.wallMs)),
  };
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function ms(value: number): string {
  return formatNumber(value, 1);
}

function perSecond(sample: Sample, value: number): number {
  return (value / sample.wallMs) * 1000;
}

function report(shipped: ShippedFile[], chatPageGzip: number, samples: Sample[]): BenchmarkReport {
  const streams = samples.filter((sample) => sample.kind === "stream");
  const idles = samples.filter((sample) => sample.kind === "idle");
  const kb = (bytes: number) => formatNumber(bytes / 1024, 1);
  const count = (value: number) => formatNumber(value, 1);
  const medianOf = (list: Sample[], pick: (sample: Sample) => number) => median(list.map(pick));
  const cpuPerFrame = (sample: Sample) => sample.mainThreadCpuMs / Math.max(1, sample.frames);
  const longestOwnScript = (sample: Sample) =>
    Math.max(0, ...sample.longFrames.map((frame) => frame.scriptMs));
  const waitingShare = (sample: Sample) => 1 - sample.mainThreadCpuMs / Math.max(1, sample.mainThreadWallMs);

  const sizeTable = markdownTable(
    ["JavaScript file", "loaded", "bytes", "gzip KB"],
    [
      ...shipped.map((file) => [file.file, file.loadedBy, formatNumber(file.bytes, 0), kb(file.gzipBytes)]),
      ["**chat page total**", "", "", `**${kb(chatPageGzip)}** (target < 250)`],
    ],
  );

  const rows: [string, (sample: Sample) => number, (value: number) => string][] = [
    ["longest frame (gap between animation frames), ms", (sample) => sample.longestFrameMs, ms],
    ["99th percentile frame, ms", (sample) => sample.p99FrameMs, ms],
    ["frames over 50 ms", (sample) => sample.framesOver50, count],
    ["frames per second", (sample) => perSecond(sample, sample.frames), ms],
    ["long animation frames (> 50 ms) reported", (sample) => sample.longFrames.length, count],
    ["script time in the worst long frame (wall), ms", longestOwnScript, ms],
    ["main-thread tasks over 50 ms (wall)", (sample) => sample.longTasks.length, count],
    [
      "of which over 50 ms of CPU (the page's own work)",
      (sample) => sample.longTasks.filter((task) => task.cpuMs > FRAME_TARGET_MS).length,
      count,
    ],
    ["longest main-thread task, CPU ms", (sample) => sample.longestTaskCpuMs, ms],
    ["main thread CPU, ms per second", (sample) => perSecond(sample, sample.mainThreadCpuMs), ms],
    ["main thread CPU per frame, ms", cpuPerFrame, (value) => formatNumber(value, 2)],
    [
      "share of task time spent waiting for a CPU",
      waitingShare,
      (value) => `${formatNumber(value * 100, 0)}%`,
    ],
    ["sample length, s", (sample) => sample.wallMs / 1000, ms],
  ];
  const frameTable = markdownTable(
    [
      "median of rounds",
      "streaming a 10,000-token reply into the page",
      "page idle, the same reply streaming elsewhere (baseline)",
    ],
    rows.map(([label, pick, format]) => [
      label,
      format(medianOf(streams, pick)),
      format(medianOf(idles, pick)),
    ]),
  );

  const roundTable = markdownTable(
    [
      "round",
      "side",
      "longest frame ms",
      "frames > 50 ms",
      "main-thread tasks > 50 ms: wall / CPU ms (mostly in)",
      "longest task CPU ms",
      "CPU ms/s",
    ],
    samples.map((sample) => [
      String(sample.round),
      sample.kind,
      ms(sample.longestFrameMs),
      String(sample.framesOver50),
      sample.longTasks.length === 0
        ? "none"
        : [...sample.longTasks]
            .sort((a, b) => b.wallMs - a.wallMs)
            .slice(0, 8)
            .map((task) => `${ms(task.wallMs)} / ${ms(task.cpuMs)} (${task.mostlyIn ?? "?"})`)
            .join("; ") + (sample.longTasks.length > 8 ? `; … ${sample.longTasks.length - 8} more` : ""),
      ms(sample.longestTaskCpuMs),
      ms(perSecond(sample, sample.mainThreadCpuMs)),
    ]),
  );

  const tokens = streams.map((sample) => sample.outputTokens ?? 0);
  const characters = streams.map((sample) => sample.replyCharacters ?? 0);
  const longestFrame = medianOf(streams, (sample) => sample.longestFrameMs);
  const idleLongestFrame = medianOf(idles, (sample) => sample.longestFrameMs);
  const longestWork = medianOf(streams, (sample) => sample.longestTaskCpuMs);
  const within = (value: number, target: number) => (value < target ? "within" : "over");
  return {
    name: "web",
    title: "Web app: JavaScript shipped and frames while streaming (benchmark 6)",
    headline:
      `The chat page ships ${kb(chatPageGzip)} KB of JavaScript (gzip; target < 250 KB, ${within(chatPageGzip, JAVASCRIPT_TARGET_BYTES)}). ` +
      `Streaming a ${formatNumber(median(tokens), 0)}-token reply, the page's longest piece of work is ${ms(longestWork)} ms of CPU ` +
      `(target < 50 ms, ${within(longestWork, FRAME_TARGET_MS)}) and it uses ${formatNumber(medianOf(streams, cpuPerFrame), 2)} ms of CPU per frame; ` +
      `the longest frame measured is ${ms(longestFrame)} ms (an idle page while the same reply streams elsewhere: ${ms(idleLongestFrame)} ms), medians of ${streams.length} runs.`,
    tables: [sizeTable, frameTable, roundTable],
    notes: [
      `JavaScript: every .js file of web/dist, gzip level 9; "chat page" is what index.html loads (its script and modulepreloads) before the chat can show anything, "on demand" what a page asks for later (syntax highlighting languages, settings, sign-in, the account pages).`,
      `Reply: the tiny loop model (the alphabet and a newline, over and over: one token per character, one Markdown paragraph of ~370 lines, the worst case for re-rendering the block being written), runs.maxOutputTokens ${REPLY_TOKENS}, engine threads ${ENGINE.threads}, sequences ${ENGINE.sequences}, contextSize ${ENGINE.contextSize}; the server counted ${tokens.join(", ")} output tokens and the page showed ${characters.join(", ")} characters.`,
      "Browser: Debian's chromium (headless, playwright-core), 1280x800, a fresh context per sample; the message is typed first, the sample starts at Enter and ends one frame after the reply is marked complete (the finished reply's one-time full Markdown parse is included).",
      "Frames (wall time): the gaps between requestAnimationFrame callbacks, and long animation frames (PerformanceObserver 'long-animation-frame', frames over 50 ms, with their scripts' time).",
      "The page's own work (CPU time): a Chromium trace (category disabled-by-default-devtools.timeline) gives every task of the page's main thread (RunTask on CrRendererMain) its wall time and its thread CPU time; a task with far more wall than CPU time was waiting for one of the two cores (the server, the engine, the browser's other processes and other work on the machine), not working.",
      "Rendering while streaming: text is taken once per animation frame; settled Markdown blocks keep their DOM and only the open blocks are lexed again; the open block's new DOM is sanitized by DOMPurify into nodes and morphed into place (only nodes that differ change, so the browser keeps the layout and shaping of the lines before), and messages that did not change skip rendering. Before the in-place update (2026-11-29, one round, same reply): 7.7 ms of main-thread CPU per frame and 460 ms per second, against about 5 ms and 300 ms now.",
      `Baseline: the same page, open and idle, while the same 10,000-token reply streams to the benchmark process (the server and the engine load the machine as during a stream into the page), interleaved with the streams (the order alternates each round); 1 warm-up stream discarded, then ${ROUNDS} rounds.`,
    ],
    data: { chatPageGzip, shipped, samples },
  };
}
