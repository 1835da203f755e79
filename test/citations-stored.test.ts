import { writeFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Citation } from "../src/core/citation-check.js";
import { type ParleyProcess, startParley, temporaryDirectory } from "./support/parley-process.js";
import {
  knowledgeSentencesOf,
  type ScriptedRequest,
  type ScriptedUpstream,
  startScriptedUpstream,
} from "./support/scripted-openai-upstream.js";
import { openStream, textOf } from "./support/sse-client.js";

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

let upstream: ScriptedUpstream;
let parley: ParleyProcess;

/** Cites the timers and microtasks sentences by the marks the prompt gave them, and one mark it never gave. */
function citeEverySentence({ system, turns }: ScriptedRequest): string {
  const sentences = knowledgeSentencesOf(system);
  if (sentences.size === 0) return `You said: ${turns.at(-1)?.content ?? ""}`;
  const markOf = (start: string) => [...sentences].find(([, text]) => text.startsWith(start))?.[0] ?? "S0";
  return `Timers wait for their delay [${markOf("Timers")}]. Microtasks go first [${markOf("Microtasks")}]. That is all [S99].`;
}

beforeAll(async () => {
  upstream = await startScriptedUpstream(citeEverySentence);
  const dir = temporaryDirectory();
  writeFileSync(
    path.join(dir, "parley.config.yaml"),
    [
      "providers:",
      "  - id: scripted",
      "    type: openai-compatible",
      `    baseURL: ${upstream.baseURL}`,
      "    apiKey: test-key",
      "    models:",
      "      - id: remote-cite",
      "        upstreamModel: scripted",
      "        contextWindow: 32768",
    ].join("\n"),
  );
  parley = await startParley({ dataDir: dir });
});

afterAll(async () => {
  await parley?.stop();
  await upstream?.close();
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

async function post<T>(pathname: string, body: unknown): Promise<T> {
  const response = await parley.api(pathname, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(response.status, `POST ${pathname}: ${response.status}`).toBeLessThan(300);
  return (await response.json()) as T;
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
    const bot = await post<{ id: string }>("/api/bots", {
      name: "Event loop expert",
      instructions: "Answer from the guide.",
      model: "remote-cite",
    });
    const document = await post<{ id: string }>(`/api/bots/${bot.id}/knowledge`, {
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

    const conversation = await post<{ id: string }>("/api/conversations", { botId: bot.id });
    const stream = await openStream(`${parley.url}/api/conversations/${conversation.id}/messages`, {
      method: "POST",
      body: JSON.stringify({ content: "When do timers fire, and when do microtasks run?" }),
    });
    const events = await stream.events();
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

    const stored = await parley.json<{ messages: StoredMessage[] }>(`/api/conversations/${conversation.id}`);
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
    const conversation = await post<{ id: string }>("/api/conversations", {});
    const stream = await openStream(`${parley.url}/api/conversations/${conversation.id}/messages`, {
      method: "POST",
      body: JSON.stringify({ content: "Hello [S1]", model: "remote-cite" }),
    });
    expect(textOf(await stream.events())).toBe("You said: Hello [S1]");
    const stored = await parley.json<{ messages: StoredMessage[] }>(`/api/conversations/${conversation.id}`);
    expect(stored.messages.map((message) => [message.role, message.citations])).toEqual([
      ["user", undefined],
      ["assistant", []],
    ]);
  });
});
