import { existsSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { useTemporaryPostgresDatabases } from "../src/store/test-support/use-temporary-postgres-databases.js";
import {
  createConversation,
  type ParleyProcess,
  startParley,
  temporaryDirectory,
} from "./support/parley-process.js";
import { ALPHABET, openStream, type ReceivedEvent, textOf } from "./support/sse-client.js";
import { writeTestModels } from "./support/test-models.js";
import { unusedPort } from "./support/unused-port.js";

const started: ParleyProcess[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((parley) => parley.stop()));
});

/**
 * `parley serve` keeping its state in the PostgreSQL database at `databaseUrl`, from a data directory of its own;
 * with the tiny test models, or with none (it serves the stored conversations all the same).
 */
async function startOnPostgres(databaseUrl: string, options: { models: boolean }) {
  const dataDir = temporaryDirectory();
  if (options.models) await writeTestModels(dataDir);
  const parley = await startParley({
    dataDir,
    env: { PARLEY_DATABASE_URL: databaseUrl },
    waitForModels: options.models,
  });
  started.push(parley);
  return parley;
}

async function ask(parley: ParleyProcess, conversationId: string, model = "tiny") {
  return openStream(`${parley.url}/api/conversations/${conversationId}/messages`, {
    method: "POST",
    body: JSON.stringify({ content: "go", model }),
  });
}

type StoredConversation = {
  messages: { role: string; content: string; status: string; runId: string | null }[];
};

async function rowCount(databaseUrl: string, table: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(`select count(*) as count from ${table}`);
    return Number(rows[0]?.count);
  } finally {
    await client.end();
  }
}

function expectExactlyOnce(before: ReceivedEvent[], after: ReceivedEvent[]) {
  const ids = [...before, ...after].map((event) => event.id);
  expect(ids).toEqual(ids.map((_, index) => index + 1));
  expect(after.at(-1)?.event).toBe("run.end");
}

describe("parley serve on PostgreSQL", () => {
  const databases = useTemporaryPostgresDatabases();

  it("streams a reply, stores it in PostgreSQL rather than a SQLite file, and resumes it by Last-Event-ID", async () => {
    const databaseUrl = await databases.create();
    const parley = await startOnPostgres(databaseUrl, { models: true });
    expect(parley.logs.find((line) => line.includes("Parley is serving"))).toContain(
      new URL(databaseUrl).pathname,
    );

    const conversationId = await createConversation(parley, "On PostgreSQL");
    const all = await (await ask(parley, conversationId)).events();
    expect(textOf(all)).toBe(ALPHABET);
    expect(all.at(-1)).toMatchObject({ event: "run.end", data: { finishReason: "stop" } });
    const stored = await parley.json<StoredConversation>(`/api/conversations/${conversationId}`);
    expect(stored.messages.map((message) => [message.role, message.status])).toEqual([
      ["user", "complete"],
      ["assistant", "complete"],
    ]);
    expect(stored.messages[1]?.content).toBe(ALPHABET);
    expect(await rowCount(databaseUrl, "messages")).toBe(2);
    expect(await rowCount(databaseUrl, "run_events")).toBeGreaterThan(0);
    expect(existsSync(path.join(parley.dataDir, "parley.db"))).toBe(false);

    // A client that left after 3 events of a live reply gets the rest exactly once.
    const live = await ask(parley, await createConversation(parley), "tiny-loop");
    const firstThree = await live.events({ stopAfter: 3 });
    const runId = firstThree[0]?.data.runId as string;
    const rest = await (
      await openStream(`${parley.url}/api/runs/${runId}/events`, { lastEventId: 3 })
    ).events();
    expectExactlyOnce(firstThree, rest);
    expect(textOf([...firstThree, ...rest]).startsWith(`${ALPHABET}\n${ALPHABET}\n`)).toBe(true);
  });

  it("finds the conversation after a restart, from another instance on the same database, and replays its run there", async () => {
    const databaseUrl = await databases.create();
    const first = await startOnPostgres(databaseUrl, { models: true });
    const conversationId = await createConversation(first, "Kept across instances");
    const events = await (await ask(first, conversationId)).events();
    const runId = events[0]?.data.runId as string;
    await first.stop();

    // Its own data directory, and two instances at once: the state is the database's alone.
    const [second, third] = await Promise.all([
      startOnPostgres(databaseUrl, { models: false }),
      startOnPostgres(databaseUrl, { models: false }),
    ]);
    for (const instance of [second, third]) {
      const conversation = await instance.json<StoredConversation & { title: string }>(
        `/api/conversations/${conversationId}`,
      );
      expect(conversation.title).toBe("Kept across instances");
      expect(conversation.messages.map((message) => message.content)).toEqual(["go", ALPHABET]);
    }
    const replayed = await (
      await openStream(`${third.url}/api/runs/${runId}/events`, { lastEventId: 3 })
    ).events();
    expectExactlyOnce(events.slice(0, 3), replayed);
    expect(replayed.map((event) => [event.id, event.event])).toEqual(
      events.slice(3).map((event) => [event.id, event.event]),
    );
  });
});

describe("parley serve given a database it cannot use", () => {
  it("refuses a URL that is not PostgreSQL, naming the setting and what to give", async () => {
    const starting = startParley({ env: { PARLEY_DATABASE_URL: "mysql://parley:secret@localhost/parley" } });
    await expect(starting).rejects.toThrow(/`database`: use a PostgreSQL URL such as postgres:\/\//);
    await expect(starting).rejects.not.toThrow(/secret/);
  });

  it("says which server it cannot reach, without the password, and exits", async () => {
    const port = await unusedPort();
    const starting = startParley({
      env: { PARLEY_DATABASE_URL: `postgres://parley:secret@127.0.0.1:${port}/parley` },
    });
    await expect(starting).rejects.toThrow(
      `parley: Cannot connect to the PostgreSQL database at postgres://parley:***@127.0.0.1:${port}/parley`,
    );
    await expect(starting).rejects.not.toThrow(/secret/);
  });
});
