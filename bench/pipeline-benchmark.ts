/**
 * Benchmark 3, pipeline efficiency: tokens per second of the tiny loop model through all of Parley (engine
 * process -> provider -> run -> event log -> SSE -> client) over tokens per second of node-llama-cpp in a bare
 * script on the same file and thread count, interleaved in one run. The engine's own API, called directly,
 * is measured too, so that a loss can be placed in the engine process or in the server.
 */
import { childProcessesOf } from "../test/support/child-processes.js";
import { createConversation } from "../test/support/parley-process.js";
import { type BareGenerationResult, startBareGeneration } from "./support/bare-generation.js";
import { formatNumber, markdownTable } from "./support/markdown-table.js";
import { median } from "./support/percentile.js";
import { processSchedulerTimes, type SchedulerTimes } from "./support/process-scheduler-times.js";
import { readReply } from "./support/read-reply.js";
import { type BenchServer, startBenchServer } from "./support/start-bench-server.js";
import { openTimedStream } from "./support/timed-event-stream.js";
import type { BenchmarkReport } from "./support/write-benchmark-report.js";

const GENERATED_TOKENS = 1000;
const WARMUP_ROUNDS = 1;
const MEASURED_ROUNDS = 12;
/** Lets the server finish writing a run down before the next side starts, so no two sides overlap. */
const PAUSE_BETWEEN_SIDES_MS = 200;
const ENGINE = { threads: 1, sequences: 4, contextSize: 4096 } as const;
const MODEL = "tiny-loop";
const PROMPT = "Recite the alphabet, please.";
/**
 * Exactly the tokens Parley's engine evaluates for this one-message conversation: node-llama-cpp's
 * ChatMLChatWrapper starts the context with the BOS token (<|endoftext|> here), so the bare script does too.
 */
const CHATML_PROMPT = `<|endoftext|><|im_start|>user\n${PROMPT}<|im_end|>\n<|im_start|>assistant\n`;

const SIDES = ["parley", "engine", "bare"] as const;
type Side = (typeof SIDES)[number];
const SIDE_LABELS: Record<Side, string> = {
  parley: "Parley, whole path",
  engine: "engine API direct",
  bare: "bare node-llama-cpp",
};

type Sample = {
  side: Side;
  round: number;
  promptTokens: number;
  generatedTokens: number;
  ttftMs: number;
  firstToLastMs: number;
  totalMs: number;
  /** (tokens - 1) / time from the first token to the last. */
  tokensPerSecond: number;
  /** tokens / time from the request (or tokenizing) to the last token. */
  endToEndTokensPerSecond: number;
  /** What Parley itself reported in run.end timings, to compare with what its client saw. */
  serverTokensPerSecond: number | null;
  text: string;
};

type Metric = "tokensPerSecond" | "endToEndTokensPerSecond" | "ttftMs";

const PROCESSES = ["engine", "server", "client", "bare"] as const;
type ProcessName = (typeof PROCESSES)[number];
const PROCESS_LABELS: Record<ProcessName, string> = {
  engine: "engine process",
  server: "Parley server process",
  client: "benchmark client (this process)",
  bare: "bare node-llama-cpp process",
};
/** What each process's threads did during one sample: ran on a CPU, or waited for one. */
type CpuUse = Record<ProcessName, SchedulerTimes>;

export async function runPipelineBenchmark(): Promise<BenchmarkReport> {
  const server = await startBenchServer({ models: [MODEL], ...ENGINE, maxOutputTokens: GENERATED_TOKENS });
  try {
    const bare = await startBareGeneration({ modelPath: server.modelFile(MODEL), ...ENGINE });
    try {
      const measure: Record<Side, (round: number) => Promise<Sample>> = {
        parley: (round) => parleySample(server, round),
        engine: (round) => engineSample(server, round),
        bare: async (round) => bareSample(await bare.generate(CHATML_PROMPT, GENERATED_TOKENS), round),
      };
      const enginePid = childProcessesOf(server.child.pid ?? -1).find((child) =>
        child.commandLine.includes(" engine "),
      )?.pid;
      const pids: Record<ProcessName, number | undefined> = {
        engine: enginePid,
        server: server.child.pid,
        client: process.pid,
        bare: bare.pid,
      };
      const cpuNow = () =>
        Object.fromEntries(PROCESSES.map((name) => [name, processSchedulerTimes(pids[name])])) as CpuUse;
      const samples: (Sample & { cpu: CpuUse })[] = [];
      for (let round = 0; round < WARMUP_ROUNDS + MEASURED_ROUNDS; round++) {
        // The order rotates every round, so a drift in the machine's load favours no side.
        for (let index = 0; index < SIDES.length; index++) {
          const side = SIDES[(round + index) % SIDES.length] as Side;
          const cpuBefore = cpuNow();
          const sample = await measure[side](round - WARMUP_ROUNDS + 1);
          const cpuAfter = cpuNow();
          const cpu = Object.fromEntries(
            PROCESSES.map((name) => [
              name,
              {
                cpuMs: cpuAfter[name].cpuMs - cpuBefore[name].cpuMs,
                runQueueMs: cpuAfter[name].runQueueMs - cpuBefore[name].runQueueMs,
              },
            ]),
          ) as CpuUse;
          if (round >= WARMUP_ROUNDS) samples.push({ ...sample, cpu });
          await new Promise((resolve) => setTimeout(resolve, PAUSE_BETWEEN_SIDES_MS));
        }
      }
      return report(samples);
    } finally {
      await bare.close();
    }
  } finally {
    await server.stop();
  }
}

async function parleySample(server: BenchServer, round: number): Promise<Sample> {
  const conversationId = await createConversation(server);
  const stream = await openTimedStream(`${server.url}/api/conversations/${conversationId}/messages`, {
    body: { content: PROMPT, model: MODEL },
  });
  const reply = await readReply(stream);
  if (reply.error) throw new Error(`the Parley run failed: ${JSON.stringify(reply.error)}`);
  if (!reply.end || reply.firstDeltaAt === undefined || reply.lastDeltaAt === undefined) {
    throw new Error("the Parley stream ended without run.end");
  }
  return sampleFrom("parley", round, {
    sentAt: stream.sentAt,
    firstAt: reply.firstDeltaAt,
    lastAt: reply.lastDeltaAt,
    promptTokens: reply.end.usage.inputTokens,
    generatedTokens: reply.end.usage.outputTokens,
    serverTokensPerSecond: reply.end.timings.tokensPerSecond,
    text: reply.text,
  });
}

/** The request Parley's provider sends for this conversation, straight to the engine process. */
async function engineSample(server: BenchServer, round: number): Promise<Sample> {
  const stream = await openTimedStream(`${server.engineOrigin(MODEL)}/v1/chat/completions`, {
    body: {
      model: MODEL,
      messages: [{ role: "user", content: PROMPT }],
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: GENERATED_TOKENS,
    },
  });
  let firstAt: number | undefined;
  let lastAt = 0;
  let text = "";
  let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
  for await (const event of stream) {
    const chunk = event.data as {
      choices?: { delta?: { content?: string } }[];
      usage?: typeof usage;
      error?: unknown;
    };
    if (chunk.error) throw new Error(`the engine failed: ${JSON.stringify(chunk.error)}`);
    const content = chunk.choices?.[0]?.delta?.content;
    if (content) {
      firstAt ??= event.receivedAt;
      lastAt = event.receivedAt;
      text += content;
    }
    if (chunk.usage) usage = chunk.usage;
  }
  if (firstAt === undefined || usage === undefined) throw new Error("the engine stream ended without usage");
  return sampleFrom("engine", round, {
    sentAt: stream.sentAt,
    firstAt,
    lastAt,
    promptTokens: usage.prompt_tokens,
    generatedTokens: usage.completion_tokens,
    serverTokensPerSecond: null,
    text,
  });
}

function bareSample(result: BareGenerationResult, round: number): Sample {
  return sampleFrom("bare", round, {
    sentAt: 0,
    firstAt: result.ttftMs,
    lastAt: result.totalMs,
    promptTokens: result.promptTokens,
    generatedTokens: result.generatedTokens,
    serverTokensPerSecond: null,
    text: result.text,
  });
}

function sampleFrom(
  side: Side,
  round: number,
  measured: {
    sentAt: number;
    firstAt: number;
    lastAt: number;
    promptTokens: number;
    generatedTokens: number;
    serverTokensPerSecond: number | null;
    text: string;
  },
): Sample {
  const { sentAt, firstAt, lastAt, generatedTokens } = measured;
  return {
    side,
    round,
    promptTokens: measured.promptTokens,
    generatedTokens,
    ttftMs: firstAt - sentAt,
    firstToLastMs: lastAt - firstAt,
    totalMs: lastAt - sentAt,
    tokensPerSecond: ((generatedTokens - 1) * 1000) / (lastAt - firstAt),
    endToEndTokensPerSecond: (generatedTokens * 1000) / (lastAt - sentAt),
    serverTokensPerSecond: measured.serverTokensPerSecond,
    text: measured.text,
  };
}

function report(samples: (Sample & { cpu: CpuUse })[]): BenchmarkReport {
  const of = (side: Side) => samples.filter((sample) => sample.side === side);
  const medianOf = (side: Side, metric: Metric) => median(of(side).map((sample) => sample[metric]));
  const ratio = (side: Side, metric: Metric) => medianOf(side, metric) / medianOf("bare", metric);
  const pairRatios = of("parley").map(
    (sample, index) => sample.tokensPerSecond / (of("bare")[index]?.tokensPerSecond ?? Number.NaN),
  );
  const headlineRatio = ratio("parley", "tokensPerSecond");
  // On a shared machine the fastest round is the one other load disturbed least: a second estimate.
  const best = (side: Side) => Math.max(...of(side).map((sample) => sample.tokensPerSecond));
  const reference = of("bare")[0];
  const samePrompt = samples.every((sample) => sample.promptTokens === reference?.promptTokens);
  const sameCount = samples.every((sample) => sample.generatedTokens === GENERATED_TOKENS);
  const sameText = samples.every((sample) => sample.text === reference?.text);

  const row = (label: string, metric: Metric, decimals: number, withRatio: boolean) => [
    label,
    ...SIDES.map((side) => formatNumber(medianOf(side, metric), decimals)),
    withRatio ? formatNumber(ratio("parley", metric), 3) : "",
    withRatio ? formatNumber(ratio("engine", metric), 3) : "",
  ];
  const summary = markdownTable(
    ["median of rounds", ...SIDES.map((side) => SIDE_LABELS[side]), "Parley / bare", "engine / bare"],
    [
      row("tokens/s, first token to last", "tokensPerSecond", 0, true),
      row("tokens/s, request to last token", "endToEndTokensPerSecond", 0, true),
      row("time to first token, ms", "ttftMs", 1, false),
      [
        "Parley / bare per round: min / median / max",
        "",
        "",
        "",
        `${formatNumber(Math.min(...pairRatios), 3)} / ${formatNumber(median(pairRatios), 3)} / ${formatNumber(Math.max(...pairRatios), 3)}`,
        "",
      ],
      [
        "tokens/s, first token to last, best round (least disturbed)",
        ...SIDES.map((side) => formatNumber(best(side), 0)),
        formatNumber(best("parley") / best("bare"), 3),
        formatNumber(best("engine") / best("bare"), 3),
      ],
    ],
  );
  const perRound = markdownTable(
    [
      "round",
      ...SIDES.map((side) => `${SIDE_LABELS[side]} tok/s`),
      "Parley / bare",
      "Parley TTFT ms",
      "Parley server-reported tok/s",
    ],
    of("parley").map((sample, index) => [
      String(sample.round),
      ...SIDES.map((side) => formatNumber(of(side)[index]?.tokensPerSecond, 0)),
      formatNumber(pairRatios[index], 3),
      formatNumber(sample.ttftMs, 1),
      formatNumber(sample.serverTokensPerSecond, 0),
    ]),
  );
  const perThousandTokens = (side: Side, pick: (sample: Sample & { cpu: CpuUse }) => number) =>
    median(of(side).map((sample) => (pick(sample) * 1000) / sample.generatedTokens));
  const cpuPerThousandTokens = (side: Side, name: ProcessName) =>
    perThousandTokens(side, (sample) => sample.cpu[name].cpuMs);
  const waitPerThousandTokens = (side: Side) =>
    perThousandTokens(side, (sample) =>
      PROCESSES.reduce((sum, name) => sum + sample.cpu[name].runQueueMs, 0),
    );
  const cpu = markdownTable(
    ["ms per 1,000 tokens (median)", ...SIDES.map((side) => SIDE_LABELS[side])],
    [
      ...PROCESSES.map((name) => [
        `on CPU: ${PROCESS_LABELS[name]}`,
        ...SIDES.map((side) => formatNumber(cpuPerThousandTokens(side, name), 0)),
      ]),
      [
        "waiting for a CPU: all four processes' threads",
        ...SIDES.map((side) => formatNumber(waitPerThousandTokens(side), 0)),
      ],
      [
        "wall time, first token to last",
        ...SIDES.map((side) =>
          formatNumber(
            median(of(side).map((sample) => (sample.firstToLastMs * 1000) / sample.generatedTokens)),
            0,
          ),
        ),
      ],
    ],
  );
  return {
    name: "pipeline",
    title: "Pipeline efficiency on the local engine",
    headline: `Parley delivers ${formatNumber(headlineRatio * 100, 0)}% of bare node-llama-cpp's tokens per second (ratio ${formatNumber(headlineRatio, 3)}, target ≥ 0.9); the engine's API called directly delivers ${formatNumber(ratio("engine", "tokensPerSecond"), 3)}.`,
    tables: [summary, perRound, cpu],
    notes: [
      `Model: the tiny loop model (writeTinyModel loop: true), ${GENERATED_TOKENS} generated tokens per sample, ${reference?.promptTokens ?? "?"} prompt tokens. Engine and bare script alike: threads ${ENGINE.threads}, sequences ${ENGINE.sequences}, contextSize ${ENGINE.contextSize}, getLlama({ gpu: false, build: "never", maxThreads: ${ENGINE.threads} }).`,
      `Parley: POST /api/conversations/:id/messages with Accept: text/event-stream to \`parley serve\`, read by a node:http + eventsource-parser client; token count from run.end usage, times from the client's arrival stamps of the first and last text.delta.`,
      `Engine API direct: the request Parley's provider sends (stream, include_usage, max_tokens; no temperature, so the engine's default 0.8 applies, as it does for Parley) to the same engine process, read by the same client.`,
      `Bare: a child process that tokenizes the same ChatML prompt, runs sequence.evaluate(tokens, { temperature: 0.8, topP: 1 }) (the engine's default sampling) and detokenizes each token; times taken in that process.`,
      `${WARMUP_ROUNDS} warm-up round discarded, then ${MEASURED_ROUNDS} rounds; each round runs the three sides one after another (never two at once, ${PAUSE_BETWEEN_SIDES_MS} ms idle between), in an order that rotates every round.`,
      `CPU: each process's threads' time on a CPU and time runnable but waiting for one (/proc/<pid>/task/*/schedstat), read before and after each sample (request set-up included, the pause not); waiting time measures how busy the shared machine was.`,
      `Checks: same prompt tokens on every side ${samePrompt ? "yes" : "NO"}; ${GENERATED_TOKENS} tokens every sample ${sameCount ? "yes" : "NO"}; identical text on every side ${sameText ? "yes" : "NO"}.`,
    ],
    data: {
      config: {
        generatedTokens: GENERATED_TOKENS,
        warmupRounds: WARMUP_ROUNDS,
        measuredRounds: MEASURED_ROUNDS,
        engine: ENGINE,
        prompt: PROMPT,
      },
      ratio: headlineRatio,
      endToEndRatio: ratio("parley", "endToEndTokensPerSecond"),
      engineRatio: ratio("engine", "tokensPerSecond"),
      bestRoundRatio: best("parley") / best("bare"),
      pairRatios,
      checks: { samePrompt, sameCount, sameText },
      medians: Object.fromEntries(
        SIDES.map((side) => [
          side,
          {
            tokensPerSecond: medianOf(side, "tokensPerSecond"),
            endToEndTokensPerSecond: medianOf(side, "endToEndTokensPerSecond"),
            ttftMs: medianOf(side, "ttftMs"),
          },
        ]),
      ),
      cpuMsPerThousandTokens: Object.fromEntries(
        SIDES.map((side) => [
          side,
          {
            ...Object.fromEntries(PROCESSES.map((name) => [name, cpuPerThousandTokens(side, name)])),
            waitingForCpu: waitPerThousandTokens(side),
          },
        ]),
      ),
      samples: samples.map(({ text, ...sample }) => ({ ...sample, textLength: text.length })),
    },
  };
}
