import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, statSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { describe, expect, it } from "vitest";
import { runTogether } from "../../test/support/child-processes.js";
import { unusedPort } from "../../test/support/unused-port.js";
import { ConfigError } from "../core/app-error.js";
import { migrateToLatest } from "./migrate-to-latest.js";
import { openPostgresDatabase } from "./open-postgres-database.js";
import { openSqliteDatabase } from "./open-sqlite-database.js";
import { openStore } from "./open-store.js";
import { parleyMigrations } from "./parley-migrations.js";
import { sampleConversation, sampleMessage } from "./test-support/sample-records.js";
import { storeDialects, useTemporaryStores } from "./test-support/use-temporary-stores.js";

const projectRoot = fileURLToPath(new URL("../../", import.meta.url));
const appendScript = fileURLToPath(new URL("./test-support/append-events-until-killed.ts", import.meta.url));
const openScript = fileURLToPath(new URL("./test-support/open-store-at.ts", import.meta.url));

describe.each(storeDialects)("openStore on %s", (dialect) => {
  const stores = useTemporaryStores(dialect);

  const appliedMigrations = (location: string) =>
    stores.query(location, "select name, timestamp from kysely_migration order by name");

  /** The database without Parley's store around it, as another version of Parley would open it. */
  async function openBare(location: string): Promise<Kysely<unknown>> {
    if (dialect === "postgres") return openPostgresDatabase(location) as Promise<Kysely<unknown>>;
    return new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(location) }) });
  }

  it("creates the schema in a new database, and a reopened store keeps the data without migrating again", async () => {
    const location = await stores.newDatabase();
    const first = await stores.open(location);
    const conversation = sampleConversation();
    const message = sampleMessage(conversation.id);
    await first.conversations.create(conversation);
    await first.messages.create(message);
    await first.close();
    const migrationsAfterFirstOpen = await appliedMigrations(location);
    expect(migrationsAfterFirstOpen).toEqual(
      Object.keys(parleyMigrations).map((name) => ({ name, timestamp: expect.any(String) })),
    );

    const second = await stores.open(location);
    expect(await second.conversations.get(conversation.id)).toEqual(conversation);
    expect(await second.messages.listByConversation(conversation.id)).toEqual([message]);
    await second.close();
    // Same rows with the same timestamps: nothing ran again.
    expect(await appliedMigrations(location)).toEqual(migrationsAfterFirstOpen);

    const database = await openBare(location);
    try {
      expect(await migrateToLatest(database)).toEqual([]);
    } finally {
      await database.destroy();
    }
  });

  it("lets six processes open the same new database at once: one migrates, the others wait and find it done", async () => {
    const location = await stores.newDatabase();
    const outputs = await runTogether(openScript, Array(6).fill([location]), projectRoot);

    expect(outputs).toEqual(Array(6).fill("ready\nopened\n"));
    expect(await appliedMigrations(location)).toHaveLength(Object.keys(parleyMigrations).length);
  });

  it("says which version to run when the database holds a migration this code does not know", async () => {
    const location = await stores.newDatabase();
    await (await stores.open(location)).close();
    const database = await openBare(location);
    try {
      await database
        .insertInto("kysely_migration" as never)
        .values({ name: "9999-from-the-future", timestamp: new Date().toISOString() } as never)
        .execute();
    } finally {
      await database.destroy();
    }

    const opening = stores.open(location);
    await expect(opening).rejects.toMatchObject({ code: "migration_failed" });
    await expect(opening).rejects.toThrow(/migrated by a different version of Parley/);
  });
});

describe("openStore on a SQLite file", () => {
  const stores = useTemporaryStores("sqlite");

  it("creates the parent directory of a new database file", async () => {
    const sqlitePath = `${stores.databasePath()}.d/nested/parley.db`;
    const store = await stores.open(sqlitePath);
    await store.conversations.create(sampleConversation());
    expect(existsSync(sqlitePath)).toBe(true);
  });

  it("opens SQLite in WAL mode with foreign keys, NORMAL sync and a busy timeout", () => {
    const database = openSqliteDatabase(stores.databasePath());
    try {
      expect(database.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(database.pragma("foreign_keys", { simple: true })).toBe(1);
      // 1 is NORMAL.
      expect(database.pragma("synchronous", { simple: true })).toBe(1);
      expect(database.pragma("busy_timeout", { simple: true })).toBeGreaterThan(0);
    } finally {
      database.close();
    }
  });

  it("says clearly when the file is not a database", async () => {
    const sqlitePath = stores.databasePath();
    writeFileSync(sqlitePath, "this is a text file, not SQLite ".repeat(100));
    const opening = openStore({ sqlitePath });
    await expect(opening).rejects.toBeInstanceOf(ConfigError);
    await expect(opening).rejects.toThrow(/Cannot open the SQLite database at .*not a database/);
  });

  describe("after the writing process is killed with SIGKILL", () => {
    it.each([
      { batchSize: 3, description: "single-statement appends" },
      { batchSize: 1_250, description: "appends that span several statements in one transaction" },
    ])("reopens cleanly with every committed event ($description)", async ({ batchSize }) => {
      const sqlitePath = stores.databasePath();
      const child = spawn(
        process.execPath,
        ["--import", "tsx", appendScript, sqlitePath, String(batchSize)],
        {
          cwd: projectRoot,
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      const { runId, lastReportedId } = await killAfterSomeBatches(child, batchSize);

      // The WAL is still there: the process never got to close the database.
      expect(statSync(`${sqlitePath}-wal`).size).toBeGreaterThan(0);

      const store = await stores.open(sqlitePath);
      const lastId = await store.runEvents.lastId(runId);
      expect(lastId).toBeGreaterThanOrEqual(lastReportedId);
      // A batch is all or nothing.
      expect(lastId % batchSize).toBe(0);
      const events = await store.runEvents.listAfter(runId, 0);
      expect(events.map((event) => event.id)).toEqual(
        Array.from({ length: lastId }, (_, index) => index + 1),
      );
      expect(
        events.every((event) => event.event === "text.delta" && event.data.text.startsWith(`${event.id} `)),
      ).toBe(true);
      // The reopened store goes on writing where the dead one stopped.
      await store.runEvents.append([{ runId, id: lastId + 1, event: "text.delta", data: { text: "after" } }]);
      expect(await store.runEvents.lastId(runId)).toBe(lastId + 1);
      await store.close();

      const database = new Database(sqlitePath, { readonly: true });
      try {
        expect(database.pragma("integrity_check", { simple: true })).toBe("ok");
      } finally {
        database.close();
      }
    });
  });
});

describe("openStore given a PostgreSQL URL", () => {
  it("refuses a database URL that is not PostgreSQL, and says what to give instead", async () => {
    const opening = openStore({ databaseUrl: "mysql://parley:secret@localhost/parley" });
    await expect(opening).rejects.toBeInstanceOf(ConfigError);
    await expect(opening).rejects.toThrow(/is not a PostgreSQL URL\. Use one such as postgres:\/\//);
    await expect(opening).rejects.not.toThrow(/secret/);
  });

  it("says clearly when the server cannot be reached, naming the URL without its password", async () => {
    const port = await unusedPort();
    const opening = openStore({ databaseUrl: `postgres://parley:secret@127.0.0.1:${port}/parley` });
    await expect(opening).rejects.toBeInstanceOf(ConfigError);
    await expect(opening).rejects.toThrow(
      new RegExp(
        `Cannot connect to the PostgreSQL database at postgres://parley:\\*\\*\\*@127\\.0\\.0\\.1:${port}/parley: .*ECONNREFUSED`,
      ),
    );
    await expect(opening).rejects.not.toThrow(/secret/);
  });
});

/** Lets the child commit a good number of batches, then kills it at a moment that is likely mid-append. */
function killAfterSomeBatches(
  child: ChildProcess,
  batchSize: number,
): Promise<{ runId: string; lastReportedId: number }> {
  const killAtId = batchSize * 40;
  return new Promise((resolve, reject) => {
    let runId: string | undefined;
    let lastReportedId = 0;
    let killing = false;
    let output = "";
    let errors = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      errors += chunk.toString();
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const lines = output.split("\n");
      output = lines.pop() ?? "";
      for (const line of lines) {
        const [word, value] = line.split(" ");
        if (word === "run") runId = value;
        if (word === "committed") lastReportedId = Number(value);
      }
      if (!killing && lastReportedId >= killAtId) {
        killing = true;
        setTimeout(() => child.kill("SIGKILL"), Math.random() * 10);
      }
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (signal !== "SIGKILL" || runId === undefined) {
        reject(new Error(`The append process ended on its own (code ${code}, signal ${signal}): ${errors}`));
        return;
      }
      resolve({ runId, lastReportedId });
    });
  });
}
