import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { openSqliteDatabase } from "./open-sqlite-database.js";
import { openStore } from "./open-store.js";
import { sampleConversation } from "./test-support/sample-records.js";
import { type CheckpointReport, WalCheckpointer } from "./wal-checkpointer.js";

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function temporaryDatabasePath(): string {
  const directory = mkdtempSync(path.join(tmpdir(), "parley-wal-"));
  directories.push(directory);
  return path.join(directory, "parley.db");
}

function nextCheckpoint(checkpointer: WalCheckpointer, done: (report: CheckpointReport) => boolean) {
  return new Promise<CheckpointReport>((resolve) => {
    const stop = checkpointer.onCheckpoint((report) => {
      if (!done(report)) return;
      stop();
      resolve(report);
    });
  });
}

describe("WalCheckpointer", () => {
  it("copies the log into the database file from its worker, while the owner's connection never checkpoints", async () => {
    const file = temporaryDatabasePath();
    const database = openSqliteDatabase(file);
    database.exec("create table notes (id integer primary key, text text not null)");
    // Its first checkpoint comes after the writes below: at 20 ms, on a slow machine the worker checkpointed the log
    // part way through them (980 pages), before it could grow past the threshold this test is about.
    const checkpointer = new WalCheckpointer(database, file, 1_000);
    try {
      expect(database.pragma("wal_autocheckpoint", { simple: true })).toBe(0);
      const insert = database.prepare("insert into notes (text) values (?)");
      // Well past SQLite's own threshold of 1,000 pages, which this connection would otherwise checkpoint at.
      for (let batch = 0; batch < 40; batch++) {
        database.transaction(() => {
          for (let row = 0; row < 100; row++) insert.run("x".repeat(1_000));
        })();
      }
      const report = await nextCheckpoint(
        checkpointer,
        ({ log, checkpointed }) => log > 0 && checkpointed === log,
      );
      expect(report.log).toBeGreaterThan(1_000);

      // The database file alone, without its log, now holds every row.
      const copy = `${file}.copy`;
      copyFileSync(file, copy);
      const alone = new Database(copy, { readonly: true });
      expect(alone.prepare("select count(*) as count from notes").get()).toEqual({ count: 4_000 });
      alone.close();
    } finally {
      await checkpointer.stop();
      database.close();
    }
  });

  it("hands checkpoints back to SQLite on the owner's connection if its worker dies", async () => {
    const file = temporaryDatabasePath();
    const database = openSqliteDatabase(file);
    const checkpointer = new WalCheckpointer(database, file, 20);
    await checkpointer.terminate();
    expect(database.pragma("wal_autocheckpoint", { simple: true })).toBe(1_000);
    database.close();
  });

  it("runs under a server's store, and closing the store leaves no log behind", async () => {
    const file = temporaryDatabasePath();
    const store = await openStore({ sqlitePath: file }, { backgroundCheckpoints: true });
    const conversation = sampleConversation();
    await store.conversations.create(conversation);
    expect(existsSync(`${file}-wal`)).toBe(true);
    await store.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
    const reopened = await openStore({ sqlitePath: file });
    expect((await reopened.conversations.get(conversation.id))?.id).toBe(conversation.id);
    await reopened.close();
  });
});
