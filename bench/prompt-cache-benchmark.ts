/**
 * Benchmark 4, prompt cache: time to first token of turn 10 of a conversation on the local engine, against
 * turn 1 and against a cold prompt of exactly turn 10's length, interleaved. The engine should evaluate only
 * what a turn added, as llama.cpp's server does; its /health counters say how many prompt tokens it reused.
 */
import { createConversation } from "../test/support/parley-process.js";
import { formatNumber, markdownTable } from "./support/markdown-table.js";
import { median } from "./support/percentile.js";
import { readReply } from "./support/read-reply.js";
import { type BenchServer, startBenchServer } from "./support/start-bench-server.js";
import { openTimedStream } from "./support/timed-event-stream.js";
import type { BenchmarkReport } from "./support/write-benchmark-report.js";

const TURNS = 10;
const REPEATS = 10;
const FIRST_MESSAGE_CHARACTERS = 1500;
const ENGINE = { threads: 1, sequences: 4, contextSize: 4096 } as const;
const MODEL = "tiny";
/**
 * Plain ASCII with single spaces: the tiny model's byte-level vocabulary has one merge (two spaces), so here
 * one character is exactly one token, and a cold prompt can be made exactly as long as a cached one.
 */
const FILLER =
  "You are a patient tutor who answers in the same careful way every time. Keep answers short, " +
  "stay on the topic the student raised, and when a question is unclear, say what you understood " +
  "before answering it. The student is learning the alphabet, one letter after another, and likes " +
  "to hear the whole sequence recited from the first letter to the last. ";

type Measured = {
  kind: "turn" | "cold";
  /** For turn 10 and its cold twin: which of the two was sent first in its repeat. */
  order?: "turn-first" | "cold-first";
  repeat: number;
  turn: number;
  /** Client: request sent to first text.delta arrived. */
  ttftMs: number;
  /** Server: run start to first token, from run.end timings. */
  serverTtftMs: number | null;
  inputTokens: number;
  /** From the engine's /health counters around this request. */
  enginePromptTokens: number;
  engineCachedTokens: number;
  assistantMessageId: string;
  text: string;
};

type EngineCounters = { promptTokens: number; cachedPromptTokens: number };

export async function runPromptCacheBenchmark(): Promise<BenchmarkReport> {
  const server = await startBenchServer({ models: [MODEL], ...ENGINE, maxOutputTokens: 64 });
  try {
    const measured: Measured[] = [];
    // A warm-up conversation of two turns, discarded: the first requests of a fresh engine are slow.
    await conversationTurns(server, "w", 2);
    let turn10Tokens: number | undefined;
    let singleMessageOverhead: number | undefined;
    for (let repeat = 1; repeat <= REPEATS; repeat++) {
      const { conversationId, turns } = await conversationTurns(server, String(repeat), TURNS - 1);
      const first = turns[0] as Measured;
      singleMessageOverhead ??= first.inputTokens - firstMessage(String(repeat)).length;
      const tenth = () =>
        sendTurn(server, {
          conversationId,
          content: laterMessage(TURNS),
          parentId: (turns.at(-1) as Measured).assistantMessageId,
          repeat,
          turn: TURNS,
        });
      const cold = (tokens: number) =>
        sendCold(server, coldMessage(String(repeat), tokens - (singleMessageOverhead as number)), repeat);
      // Turn 10 and its cold twin take turns going first; the first repeat must learn turn 10's length.
      if (repeat % 2 === 1 || turn10Tokens === undefined) {
        const cached = await tenth();
        turn10Tokens = cached.inputTokens;
        const coldTwin = await cold(turn10Tokens);
        measured.push(...turns, { ...cached, order: "turn-first" }, { ...coldTwin, order: "turn-first" });
      } else {
        const coldTwin = await cold(turn10Tokens);
        const cached = await tenth();
        measured.push(...turns, { ...cached, order: "cold-first" }, { ...coldTwin, order: "cold-first" });
      }
    }
    return report(measured);
  } finally {
    await server.stop();
  }
}

/** Turns 1..count of a new conversation, each answering the previous reply. */
async function conversationTurns(
  server: BenchServer,
  tag: string,
  count: number,
): Promise<{ conversationId: string; turns: Measured[] }> {
  const conversationId = await createConversation(server);
  const turns: Measured[] = [];
  for (let turn = 1; turn <= count; turn++) {
    turns.push(
      await sendTurn(server, {
        conversationId,
        content: turn === 1 ? firstMessage(tag) : laterMessage(turn),
        parentId: turns.at(-1)?.assistantMessageId,
        repeat: Number(tag) || 0,
        turn,
      }),
    );
  }
  return { conversationId, turns };
}

async function sendTurn(
  server: BenchServer,
  turn: { conversationId: string; content: string; parentId?: string; repeat: number; turn: number },
): Promise<Measured> {
  return measure(server, "turn", turn.repeat, turn.turn, turn.conversationId, {
    content: turn.content,
    model: MODEL,
    ...(turn.parentId !== undefined && { parentId: turn.parentId }),
  });
}

async function sendCold(server: BenchServer, content: string, repeat: number): Promise<Measured> {
  const conversationId = await createConversation(server);
  return measure(server, "cold", repeat, TURNS, conversationId, { content, model: MODEL });
}

async function measure(
  server: BenchServer,
  kind: Measured["kind"],
  repeat: number,
  turn: number,
  conversationId: string,
  body: Record<string, string>,
): Promise<Measured> {
  const engine = server.engineOrigin(MODEL);
  const before = await engineCounters(engine);
  const stream = await openTimedStream(`${server.url}/api/conversations/${conversationId}/messages`, {
    body,
  });
  const reply = await readReply(stream);
  if (reply.error) throw new Error(`the run failed: ${JSON.stringify(reply.error)}`);
  if (!reply.start || !reply.end || reply.firstDeltaAt === undefined) {
    throw new Error("the stream ended without text and run.end");
  }
  const after = await engineCounters(engine);
  return {
    kind,
    repeat,
    turn,
    ttftMs: reply.firstDeltaAt - stream.sentAt,
    serverTtftMs: reply.end.timings.ttftMs,
    inputTokens: reply.end.usage.inputTokens,
    enginePromptTokens: after.promptTokens - before.promptTokens,
    engineCachedTokens: after.cachedPromptTokens - before.cachedPromptTokens,
    assistantMessageId: reply.start.assistantMessageId,
    text: reply.text,
  };
}

async function engineCounters(origin: string): Promise<EngineCounters> {
  const response = await fetch(`${origin}/health`);
  return (await response.json()) as EngineCounters;
}

/** A long first message, different from its first characters on, so no two conversations share a prefix. */
function firstMessage(tag: string): string {
  return fill(`Session ${tag.padStart(3, "0")}: `, FIRST_MESSAGE_CHARACTERS);
}

function laterMessage(turn: number): string {
  return `Turn ${String(turn).padStart(2, "0")}: please go on with the alphabet.`;
}

/** A one-message prompt as long as turn 10's whole conversation, sharing nothing with it past the template. */
function coldMessage(tag: string, characters: number): string {
  return fill(`Cold ${tag.padStart(3, "0")}: `, characters);
}

function fill(start: string, characters: number): string {
  let text = start;
  while (text.length < characters) text += FILLER;
  return text.slice(0, characters).trimEnd().padEnd(characters, ".");
}

function report(measured: Measured[]): BenchmarkReport {
  const turnsAt = (turn: number) => measured.filter((item) => item.kind === "turn" && item.turn === turn);
  const colds = measured.filter((item) => item.kind === "cold");
  const tenth = turnsAt(TURNS);
  const tenthAfterNine = tenth.filter((item) => item.order === "turn-first");
  const tenthAfterCold = tenth.filter((item) => item.order === "cold-first");
  const medianOf = (items: Measured[], pick: (item: Measured) => number | null) =>
    median(items.map(pick).filter((value): value is number => value !== null));
  const ttft = (items: Measured[]) => medianOf(items, (item) => item.ttftMs);
  const serverTtft = (items: Measured[]) => medianOf(items, (item) => item.serverTtftMs);
  const reused = (items: Measured[]) => medianOf(items, (item) => item.engineCachedTokens);
  const ratioCold = ttft(tenthAfterNine) / ttft(colds);
  const ratioFirst = ttft(tenthAfterNine) / ttft(turnsAt(1));
  const ratioEvicted = ttft(tenthAfterCold) / ttft(colds);
  const pairRatios = tenthAfterNine.map(
    (item) => item.ttftMs / (colds.find((cold) => cold.repeat === item.repeat)?.ttftMs ?? Number.NaN),
  );
  const sameLength = tenth.every(
    (item) => colds.find((cold) => cold.repeat === item.repeat)?.inputTokens === item.inputTokens,
  );
  const alphabetEveryTime = measured.every((item) => item.text === "abcdefghijklmnopqrstuvwxyz");
  const tokens = (items: Measured[]) =>
    formatNumber(
      medianOf(items, (item) => item.inputTokens),
      0,
    );

  const row = (label: string, items: Measured[]) => [
    label,
    String(items.length),
    tokens(items),
    formatNumber(reused(items), 0),
    formatNumber(
      medianOf(items, (item) => item.inputTokens - item.engineCachedTokens),
      0,
    ),
    formatNumber(ttft(items), 1),
    formatNumber(serverTtft(items), 1),
  ];
  const perTurn = markdownTable(
    [
      "prompt (median of repeats)",
      "n",
      "prompt tokens",
      "reused by engine",
      "evaluated",
      "TTFT ms (client)",
      "TTFT ms (server)",
    ],
    [
      ...Array.from({ length: TURNS - 1 }, (_, index) => row(`turn ${index + 1}`, turnsAt(index + 1))),
      row(`turn ${TURNS}, sent right after turn ${TURNS - 1}`, tenthAfterNine),
      row(`turn ${TURNS}, sent after the cold prompt of another conversation`, tenthAfterCold),
      row(`cold: turn ${TURNS}'s length, new conversation`, colds),
    ],
  );
  const summary = markdownTable(
    ["ratio of medians", "client TTFT", "server TTFT"],
    [
      [
        `**turn ${TURNS} (cache kept) / same-length cold prompt**`,
        `**${formatNumber(ratioCold, 3)}**`,
        formatNumber(serverTtft(tenthAfterNine) / serverTtft(colds), 3),
      ],
      [
        `turn ${TURNS} (cache kept) / turn 1`,
        formatNumber(ratioFirst, 3),
        formatNumber(serverTtft(tenthAfterNine) / serverTtft(turnsAt(1)), 3),
      ],
      [
        `turn ${TURNS} after another conversation's request / same-length cold prompt`,
        formatNumber(ratioEvicted, 3),
        formatNumber(serverTtft(tenthAfterCold) / serverTtft(colds), 3),
      ],
      [
        `turn ${TURNS} (cache kept) / cold, per repeat: min / median / max`,
        `${formatNumber(Math.min(...pairRatios), 3)} / ${formatNumber(median(pairRatios), 3)} / ${formatNumber(Math.max(...pairRatios), 3)}`,
        "",
      ],
    ],
  );
  return {
    name: "prompt-cache",
    title: "Prompt cache on the local engine",
    headline: `Turn ${TURNS}, with ${formatNumber(reused(tenthAfterNine), 0)} of its ${tokens(tenthAfterNine)} prompt tokens reused by the engine, reaches its first token in ${formatNumber(ratioCold, 3)}× the time of a same-length cold prompt (${formatNumber(ttft(tenthAfterNine), 1)} vs ${formatNumber(ttft(colds), 1)} ms) and ${formatNumber(ratioFirst, 3)}× turn 1's; one request of another conversation in between leaves it ${formatNumber(reused(tenthAfterCold), 0)} reused tokens.`,
    tables: [summary, perTurn],
    notes: [
      `Model: the tiny model (the alphabet, 26 tokens, each reply); engine threads ${ENGINE.threads}, sequences ${ENGINE.sequences}, contextSize ${ENGINE.contextSize}. One character of these messages is one token.`,
      `Each repeat is a new conversation: a ${FIRST_MESSAGE_CHARACTERS}-character first message (unique from its first characters), then turns 2-${TURNS} of ~45 characters, each posted with parentId = the previous assistant message.`,
      `Cold control: a new conversation whose one message makes the prompt exactly as long as turn ${TURNS}'s (checked: ${sameLength ? "equal" : "NOT equal"} prompt tokens) and shares nothing with any conversation past the chat template's first 7 tokens.`,
      `${REPEATS} repeats after a discarded warm-up; turn ${TURNS} and its cold twin alternate which goes first, so half the turn-${TURNS} samples follow turn ${TURNS - 1} directly and half follow the cold prompt, as when another user's request comes in between (the engine has ${ENGINE.sequences} sequences and is otherwise idle).`,
      `TTFT (client): request sent to first text.delta on a node:http client. TTFT (server): Parley's run.end timings.ttftMs (run start to first token, provider call included).`,
      `"Reused by engine": the change of the engine's GET /health cachedPromptTokens around the request (what it reports as usage.prompt_tokens_details.cached_tokens, and Parley's run.end usage as cachedInputTokens).`,
      `Every reply was the alphabet: ${alphabetEveryTime ? "yes" : "NO"}.`,
      ...(ttft(turnsAt(2)) > ttft(turnsAt(1))
        ? [
            `Turn 2 evaluated ${formatNumber(
              medianOf(turnsAt(2), (item) => item.inputTokens - item.engineCachedTokens),
              0,
            )} tokens over its cached prefix yet took longer than turn 1's full prefill of ${formatNumber(
              medianOf(turnsAt(1), (item) => item.inputTokens - item.engineCachedTokens),
              0,
            )} tokens: on this model, time to first token follows the cached length, not the evaluated length.`,
          ]
        : []),
      ...(reused(tenthAfterCold) < reused(tenthAfterNine) / 2
        ? [
            `One request of another conversation between turn ${TURNS - 1} and turn ${TURNS} cost this conversation its cached prefix, although the engine has ${ENGINE.sequences} sequences and served one request at a time.`,
          ]
        : []),
    ],
    data: {
      config: {
        turns: TURNS,
        repeats: REPEATS,
        firstMessageCharacters: FIRST_MESSAGE_CHARACTERS,
        engine: ENGINE,
      },
      ratioCold,
      ratioFirst,
      ratioEvicted,
      pairRatios,
      checks: { sameLength, alphabetEveryTime },
      samples: measured.map(({ text, assistantMessageId: _id, ...item }) => ({
        ...item,
        textLength: text.length,
      })),
    },
  };
}
