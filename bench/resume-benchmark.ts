/**
 * Benchmark 5, resume: 1,000 forced disconnects from live runs. Each time, the client drops the connection
 * after K events and reconnects with Last-Event-ID; we time the reconnect to its first replayed event, and
 * prove over every run that no event was lost or doubled. The baseline, measured in the same run and
 * interleaved, is the same request for a run that already finished (replayed from the database).
 */
import { createConversation } from "../test/support/parley-process.js";
import { formatNumber, markdownTable } from "./support/markdown-table.js";
import { median, percentile } from "./support/percentile.js";
import { readReply } from "./support/read-reply.js";
import { type BenchServer, startBenchServer } from "./support/start-bench-server.js";
import { openTimedStream, type TimedEvent } from "./support/timed-event-stream.js";
import type { BenchmarkReport } from "./support/write-benchmark-report.js";

const DISCONNECTS = 1000;
/** Events read on each connection before it is dropped. */
const EVENTS_PER_CONNECTION = 20;
const GENERATED_TOKENS = 2000;
const ENGINE = { threads: 1, sequences: 4, contextSize: 4096 } as const;
const MODEL = "tiny-loop";

type Reconnect = {
  run: number;
  lastEventId: number;
  /** Request sent to the first replayed event, ms. */
  firstEventMs: number;
  /** Request sent to the response headers, ms. */
  headersMs: number;
  /** Sent while the run was still generating (before the server stored its end). */
  live: boolean;
  sentAtEpochMs: number;
};

type Probe = {
  kind: "fresh" | "same-offset";
  lastEventId: number;
  firstEventMs: number;
  headersMs: number;
};

type RunCheck = {
  run: number;
  runId: string;
  events: number;
  reconnects: number;
  lost: number;
  doubled: number;
  outOfOrder: number;
  endedWith: string;
  textMatchesStored: boolean;
};

type RunRecord = { status: string; endedAt: number | null };

export async function runResumeBenchmark(): Promise<BenchmarkReport> {
  const server = await startBenchServer({ models: [MODEL], ...ENGINE, maxOutputTokens: GENERATED_TOKENS });
  try {
    const finished = await finishedRun(server);
    const reconnects: Reconnect[] = [];
    const probes: Probe[] = [];
    const checks: RunCheck[] = [];
    const startedAt = performance.now();
    for (let run = 1; reconnects.length < DISCONNECTS; run++) {
      const result = await disconnectingRun(server, run, finished, probes);
      reconnects.push(...result.reconnects);
      checks.push(result.check);
    }
    const seconds = (performance.now() - startedAt) / 1000;
    return report({ reconnects, probes, checks, finished, seconds });
  } finally {
    await server.stop();
  }
}

/** A run read to its end and then left to be written down, whose events now come from the database. */
async function finishedRun(server: BenchServer): Promise<{ runId: string; events: number }> {
  const conversationId = await createConversation(server);
  const stream = await openTimedStream(`${server.url}/api/conversations/${conversationId}/messages`, {
    body: { content: "Recite the alphabet, please.", model: MODEL },
  });
  const reply = await readReply(stream);
  if (!reply.start || !reply.end) throw new Error("the baseline run did not end");
  await waitForRunEnd(server, reply.start.runId);
  return { runId: reply.start.runId, events: reply.events.length };
}

async function disconnectingRun(
  server: BenchServer,
  run: number,
  finished: { runId: string; events: number },
  probes: Probe[],
): Promise<{ reconnects: Reconnect[]; check: RunCheck }> {
  const conversationId = await createConversation(server);
  const first = await openTimedStream(`${server.url}/api/conversations/${conversationId}/messages`, {
    body: { content: `Recite the alphabet, please (run ${run}).`, model: MODEL },
  });
  const seen: TimedEvent[] = (await readReply(first, { stopAfter: EVENTS_PER_CONNECTION })).events;
  const start = seen[0]?.data as { runId?: string; assistantMessageId?: string } | undefined;
  if (!start?.runId || !start.assistantMessageId) throw new Error("the run did not start with run.start");
  const runId = start.runId;
  const pending: Omit<Reconnect, "live">[] = [];
  while (!isTerminal(seen.at(-1))) {
    const lastEventId = seen.at(-1)?.id ?? 0;
    // The baseline goes between the drop and the reconnect, alternating its two forms, so both sides see
    // the same load: a live run generating in the engine and being written to the event log.
    probes.push(
      await probe(server, finished, pending.length % 2 === 0 ? "fresh" : "same-offset", lastEventId),
    );
    const stream = await openTimedStream(`${server.url}/api/runs/${runId}/events`, { lastEventId });
    if (stream.status !== 200)
      throw new Error(`resuming ${runId} after ${lastEventId} answered ${stream.status}`);
    const events = (await readReply(stream, { stopAfter: EVENTS_PER_CONNECTION })).events;
    const firstEvent = events[0];
    if (!firstEvent) throw new Error(`resuming ${runId} after ${lastEventId} sent no event`);
    pending.push({
      run,
      lastEventId,
      firstEventMs: firstEvent.receivedAt - stream.sentAt,
      headersMs: stream.headersAt - stream.sentAt,
      sentAtEpochMs: stream.sentAtEpochMs,
    });
    seen.push(...events);
  }
  const record = await waitForRunEnd(server, runId);
  const stored = await storedMessage(server, conversationId, start.assistantMessageId);
  const text = seen
    .filter((event) => event.event === "text.delta")
    .map((event) => (event.data as { text: string }).text)
    .join("");
  const endedAt = record.endedAt ?? Number.POSITIVE_INFINITY;
  return {
    reconnects: pending.map((item) => ({ ...item, live: item.sentAtEpochMs < endedAt })),
    check: {
      run,
      runId,
      ...countIds(seen.map((event) => event.id)),
      reconnects: pending.length,
      endedWith: seen.at(-1)?.event ?? "nothing",
      textMatchesStored: stored === text,
    },
  };
}

/** The same request a resuming client makes, for the finished run, read to its first event and dropped. */
async function probe(
  server: BenchServer,
  finished: { runId: string; events: number },
  kind: Probe["kind"],
  lastEventId: number,
): Promise<Probe> {
  const after = kind === "fresh" ? 0 : Math.min(lastEventId, finished.events - 1);
  const stream = await openTimedStream(
    `${server.url}/api/runs/${finished.runId}/events`,
    kind === "fresh" ? {} : { lastEventId: after },
  );
  const event = await stream.next();
  stream.close();
  if (!event)
    throw new Error(`the finished run's events (after ${after}) answered ${stream.status}, no event`);
  return {
    kind,
    lastEventId: after,
    firstEventMs: event.receivedAt - stream.sentAt,
    headersMs: stream.headersAt - stream.sentAt,
  };
}

function countIds(ids: readonly number[]): Pick<RunCheck, "events" | "lost" | "doubled" | "outOfOrder"> {
  const counts = new Map<number, number>();
  let outOfOrder = 0;
  ids.forEach((id, index) => {
    counts.set(id, (counts.get(id) ?? 0) + 1);
    if (index > 0 && id !== (ids[index - 1] as number) + 1) outOfOrder++;
  });
  const last = Math.max(...ids);
  let lost = 0;
  for (let id = 1; id <= last; id++) if (!counts.has(id)) lost++;
  let doubled = 0;
  for (const count of counts.values()) doubled += count - 1;
  return { events: ids.length, lost, doubled, outOfOrder };
}

function isTerminal(event: TimedEvent | undefined): boolean {
  return event?.event === "run.end" || event?.event === "run.error";
}

/** The server stores a run's end (and its message) just after sending run.end: wait until it did. */
async function waitForRunEnd(server: BenchServer, runId: string): Promise<RunRecord> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const record = await server.json<RunRecord>(`/api/runs/${runId}`);
    if (record.status !== "running") return record;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`run ${runId} was not stored as ended within 10 s`);
}

async function storedMessage(
  server: BenchServer,
  conversationId: string,
  messageId: string,
): Promise<string> {
  const conversation = await server.json<{ messages: { id: string; content: string }[] }>(
    `/api/conversations/${conversationId}`,
  );
  const message = conversation.messages.find((item) => item.id === messageId);
  if (!message) throw new Error(`message ${messageId} is not in conversation ${conversationId}`);
  return message.content;
}

function report(measured: {
  reconnects: Reconnect[];
  probes: Probe[];
  checks: RunCheck[];
  finished: { runId: string; events: number };
  seconds: number;
}): BenchmarkReport {
  const { reconnects, probes, checks, finished } = measured;
  const live = reconnects.filter((item) => item.live);
  const afterEnd = reconnects.filter((item) => !item.live);
  const fresh = probes.filter((item) => item.kind === "fresh");
  const sameOffset = probes.filter((item) => item.kind === "same-offset");
  const firstEvent = (items: { firstEventMs: number }[]) => items.map((item) => item.firstEventMs);
  const p50 = (items: { firstEventMs: number }[]) => percentile(firstEvent(items), 50);
  const p99 = (items: { firstEventMs: number }[]) => percentile(firstEvent(items), 99);
  const lost = checks.reduce((sum, check) => sum + check.lost, 0);
  const doubled = checks.reduce((sum, check) => sum + check.doubled, 0);
  const outOfOrder = checks.reduce((sum, check) => sum + check.outOfOrder, 0);
  const textMismatches = checks.filter((check) => !check.textMatchesStored).length;
  const badEnds = checks.filter((check) => check.endedWith !== "run.end").length;
  const events = checks.reduce((sum, check) => sum + check.events, 0);
  const ratio = p50(live) / p50(fresh);
  const ratioSameOffset = p50(live) / p50(sameOffset);

  const row = (
    label: string,
    items: { firstEventMs: number; headersMs: number }[],
    baseline?: { firstEventMs: number }[],
  ) => [
    label,
    String(items.length),
    formatNumber(median(items.map((item) => item.headersMs)), 2),
    formatNumber(p50(items), 2),
    formatNumber(p99(items), 2),
    formatNumber(Math.max(...firstEvent(items)), 2),
    baseline
      ? `${formatNumber(p50(items) / p50(baseline), 3)} / ${formatNumber(p99(items) / p99(baseline), 3)}`
      : "",
  ];
  const latency = markdownTable(
    [
      "request sent → first event",
      "n",
      "p50 ms to headers",
      "p50 ms",
      "p99 ms",
      "max ms",
      "p50 / p99 ratio to fresh GET",
    ],
    [
      row("**resume of a live run** (Last-Event-ID, replayed from memory)", live, fresh),
      row("resume sent after the run had ended", afterEnd, fresh),
      row("baseline: fresh GET of a finished run's events (database)", fresh),
      row("baseline: finished run, same Last-Event-ID (database)", sameOffset, fresh),
    ],
  );
  const integrity = markdownTable(
    [
      "runs",
      "forced disconnects",
      "events received",
      "lost",
      "doubled",
      "out of order",
      "text ≠ stored",
      "not ended by run.end",
    ],
    [
      [
        String(checks.length),
        String(reconnects.length),
        String(events),
        `**${lost}**`,
        `**${doubled}**`,
        String(outOfOrder),
        String(textMismatches),
        String(badEnds),
      ],
    ],
  );
  return {
    name: "resume",
    title: "Resume after forced disconnects",
    headline: `${reconnects.length} forced disconnects over ${checks.length} live runs: lost ${lost}, doubled ${doubled}; a resume reaches its first replayed event in p50 ${formatNumber(p50(live), 2)} ms / p99 ${formatNumber(p99(live), 2)} ms, ${formatNumber(ratio, 3)}× a fresh GET of a finished run (p50 ${formatNumber(p50(fresh), 2)} ms).`,
    tables: [latency, integrity],
    notes: [
      `Model: the tiny loop model, ${GENERATED_TOKENS} tokens per run (${finished.events} events: run.start, one text.delta per token, usage, run.end); engine threads ${ENGINE.threads}, sequences ${ENGINE.sequences}; one run at a time.`,
      `The client (node:http + eventsource-parser, a new TCP connection per request) posts the message, reads ${EVENTS_PER_CONNECTION} events, destroys the socket, then GETs /api/runs/:runId/events with Last-Event-ID = the last id it saw, reads ${EVENTS_PER_CONNECTION}, drops, and so on until run.end.`,
      `Latency: from just before the request is sent to the arrival of the first event with an id (the \`: ping\` comment sent at once is not counted); connection set-up included. "Live" means sent before the server stored the run's end (${live.length} of ${reconnects.length}).`,
      `Baseline, interleaved: between each drop and its reconnect, one GET of a run that finished before the benchmark began (${finished.events} events, served from SQLite), alternately with no Last-Event-ID ("fresh") and with the reconnect's own Last-Event-ID ("same offset").`,
      `Checks per run: the ids of all events received over all connections, in order, must be exactly 1..N; lost = ids missing, doubled = ids received more than once; the concatenated text.delta texts must equal the stored message content from GET /api/conversations/:id.`,
      `Took ${formatNumber(measured.seconds, 1)} s for the disconnecting runs.`,
    ],
    data: {
      config: {
        disconnects: DISCONNECTS,
        eventsPerConnection: EVENTS_PER_CONNECTION,
        generatedTokens: GENERATED_TOKENS,
        engine: ENGINE,
      },
      summary: {
        lost,
        doubled,
        outOfOrder,
        textMismatches,
        badEnds,
        ratio,
        ratioSameOffset,
        liveP50Ms: p50(live),
        liveP99Ms: p99(live),
        liveMedianHeadersMs: median(live.map((item) => item.headersMs)),
        afterEndP50Ms: p50(afterEnd),
        freshP50Ms: p50(fresh),
        freshP99Ms: p99(fresh),
        sameOffsetP50Ms: p50(sameOffset),
        sameOffsetP99Ms: p99(sameOffset),
      },
      checks,
      reconnects,
      probes,
    },
  };
}
