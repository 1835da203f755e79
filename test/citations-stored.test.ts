import path from "node:path";
import Database from "better-sqlite3";
import { beforeAll, describe, expect, it } from "vitest";
import type { Citation } from "../src/core/citation-check.js";
import { sendMessage } from "./support/ask-parley.js";
import type { FaultUpstream, RequestText } from "./support/fault-upstream.js";
import { type ParleyProcess, sendJson } from "./support/parley-process.js";
import { faultModel, openAIProvider } from "./support/remote-config.js";
import { startRemoteParley } from "./support/remote-parley.js";
import { knowledgeSentencesOf } from "./support/scripted-openai-upstream.js";
import { textOf } from "./support/sse-client.js";

/**
 * A bot's reply keeps its checked citations with its message: GET /api/conversations/:id returns them, so a
 * reloaded conversation needs no replay of the run's events. A real server, and a remote model on a scripted
 * upstream that cites every sentence it was shown (plus one it was not).
 */
const GUIDE =
  "# Event loop guide\n\nThe event loop runs one callback at a time. Timers fire after their delay has passed. " +
  "Microtasks run before the next macrotask.\n\nRendering happens between tasks in a browser.";
const TIMERS = "Timers fire after their delay has passed.";
const MICROTASKS = "Microtasks run before the next macrotask.";

let upstream: FaultUpstream;
let parley: ParleyProcess;

/** Cites the timers and microtasks sentences by the marks the prompt gave them, and one mark it never gave. */
function citeEverySentence({ system, turns }: RequestText): string {
  const sentences = knowledgeSentencesOf(system);
  if (sentences.size === 0) return `You said: ${turns.at(-1)?.content ?? ""}`;
  const markOf = (start: string) => [...sentences].find(([, text]) => text.startsWith(start))?.[0] ?? "S0";
  return `Timers wait for their delay [${markOf("Timers")}]. Microtasks go first [${markOf("Microtasks")}]. That is all [S99].`;
}

beforeAll(async () => {
  const served = await startRemoteParley(
    (upstream) => ({
      providers: [
        openAIProvider("scripted", upstream, [
          faultModel("remote-cite", "scripted", { contextWindow: 32768 }),
        ]),
      ],
    }),
    { upstream: { script: citeEverySentence } },
  );
  ({ parley, upstream } = served);
  return served.stop;
});

/** The server's own database file, opened beside it (WAL lets both at it). */
function withDatabase<T>(use: (database: Database.Database) => T): T {
  const database = new Database(path.join(parley.dataDir, "parley.db"));
  try {
    database.pragma("busy_timeout = 5000");
    return use(database);
  } finally {
    database.close();
  }
}

type StoredMessage = {
  id: string;
  role: string;
  content: string;
  runId: string | null;
  citations?: Citation[];
};

describe("citations stored with a bot's reply", () => {
  it("returns the reply's checked citations with exact offsets from GET /api/conversations/:id, without its run's events; a wrong span and a made-up mark are not stored", async () => {
    const bot = await sendJson<{ id: string }>(parley, "/api/bots", {
      name: "Event loop expert",
      instructions: "Answer from the guide.",
      model: "remote-cite",
    });
    const document = await sendJson<{ id: string }>(parley, `/api/bots/${bot.id}/knowledge`, {
      title: "Event loop guide",
      content: GUIDE,
    });
    // An index out of step with its document (as after an edit it missed): the microtasks sentence's offsets
    // now end one character short, so a citation of it would not equal the document's text there.
    const shifted = withDatabase(
      (database) =>
        database
          .prepare(
            "update knowledge_sentences set end_offset = end_offset - 1 where document_id = ? and start_offset = ?",
          )
          .run(document.id, GUIDE.indexOf(MICROTASKS)).changes,
    );
    expect(shifted).toBe(1);

    const { conversationId, events } = await sendMessage(
      parley,
      { content: "When do timers fire, and when do microtasks run?" },
      { botId: bot.id },
    );
    // The model was shown both sentences, and cited each by its mark.
    const shown = [...knowledgeSentencesOf(upstream.requests.at(-1)?.system ?? "").values()];
    expect(shown).toEqual(expect.arrayContaining([TIMERS, MICROTASKS]));
    expect(textOf(events)).toMatch(/^Timers wait for their delay \[S\d\]\. Microtasks go first \[S\d\]\./);
    const timers: Citation = {
      documentId: document.id,
      title: "Event loop guide",
      start: GUIDE.indexOf(TIMERS),
      end: GUIDE.indexOf(TIMERS) + TIMERS.length,
      citedText: TIMERS,
      marker: expect.stringMatching(/^S\d$/) as unknown as string,
    };
    expect(events.filter((event) => event.event === "citation").map((event) => event.data)).toEqual([timers]);
    expect(events.at(-1)).toMatchObject({ event: "run.end", data: { citations: { sent: 1, dropped: 2 } } });

    // The run's event log is gone: whatever GET returns now comes from the stored message.
    const start = events[0]?.data as { runId: string };
    withDatabase((database) => database.prepare("delete from run_events where run_id = ?").run(start.runId));

    const stored = await parley.json<{ messages: StoredMessage[] }>(`/api/conversations/${conversationId}`);
    const [question, answer] = stored.messages;
    expect(question).not.toHaveProperty("citations");
    expect(answer?.citations).toEqual([timers]);
    expect(answer?.content).toContain(`[${answer?.citations?.[0]?.marker}]`);
    const { content } = await parley.json<{ content: string }>(
      `/api/bots/${bot.id}/knowledge/${document.id}`,
    );
    expect(content.slice(timers.start, timers.end)).toBe(answer?.citations?.[0]?.citedText);
    expect(answer?.citations?.some((citation) => citation.citedText.startsWith("Microtasks"))).toBe(false);
  });

  it("gives an assistant message that cited nothing an empty list, and a user message none", async () => {
    const { conversationId, events } = await sendMessage(parley, {
      content: "Hello [S1]",
      model: "remote-cite",
    });
    expect(textOf(events)).toBe("You said: Hello [S1]");
    const stored = await parley.json<{ messages: StoredMessage[] }>(`/api/conversations/${conversationId}`);
    expect(stored.messages.map((message) => [message.role, message.citations])).toEqual([
      ["user", undefined],
      ["assistant", []],
    ]);
  });
});
