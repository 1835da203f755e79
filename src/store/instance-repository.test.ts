import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import type { ParleyStore, ServerInstance } from "../core/parley-store.js";
import { sampleConversation, sampleRun } from "./test-support/sample-records.js";
import { storeDialects, useTemporaryStores } from "./test-support/use-temporary-stores.js";
import { writeAtMigration } from "./test-support/write-at-migration.js";

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

function instance(id: string): ServerInstance {
  return { id, pidNamespace: "boot/pid:[1]", pid: 4242 };
}

async function runningRun(store: ParleyStore, instanceId?: string) {
  const conversation = sampleConversation();
  await store.conversations.create(conversation);
  const run = sampleRun(conversation.id);
  await store.runs.create(run, instanceId);
  return run;
}

/** Long enough that no beat in a test goes stale by it, however slow the machine. */
const NEVER_STALE_MS = 60_000;
/** Short enough to wait out in a test, long enough that a beat just made is still fresh when read. */
const STALE_MS = 300;

describe.each(storeDialects)("server instances and orphaned runs on %s", (dialect) => {
  const stores = useTemporaryStores(dialect);

  it("records an instance with its process at its first beat, and keeps one row however often it beats", async () => {
    const store = await stores.open();
    await store.instances.beat(instance("inst_a"));
    await store.instances.beat(instance("inst_a"));
    await store.instances.beat({ id: "inst_b", pidNamespace: null, pid: 7 });
    expect(await store.instances.list()).toEqual([
      instance("inst_a"),
      { id: "inst_b", pidNamespace: null, pid: 7 },
    ]);
  });

  it("leaves alone the running runs of an instance that beats, and orphans them once it stops beating for longer than the limit", async () => {
    const store = await stores.open();
    await store.instances.beat(instance("inst_a"));
    const run = await runningRun(store, "inst_a");
    expect(await store.runs.listOrphaned(NEVER_STALE_MS)).toEqual([]);

    await sleep(STALE_MS + 200);
    expect(await store.runs.listOrphaned(NEVER_STALE_MS)).toEqual([]);
    expect(await store.runs.listOrphaned(STALE_MS)).toEqual([{ ...run, instanceId: "inst_a" }]);

    // A beat after a pause (a slow database, a stopped process) makes the instance alive again.
    await store.instances.beat(instance("inst_a"));
    expect(await store.runs.listOrphaned(STALE_MS)).toEqual([]);
    // The run itself, as clients see it, does not say which process writes it.
    expect(await store.runs.get(run.id)).toEqual(run);
  });

  it("orphans at once the running runs of a removed instance and those with no instance, oldest first, and never an ended run", async () => {
    const store = await stores.open();
    await store.instances.beat(instance("inst_gone"));
    await store.instances.beat(instance("inst_alive"));
    const unowned = await runningRun(store);
    const ofGone = await runningRun(store, "inst_gone");
    await runningRun(store, "inst_alive");
    const ended = await runningRun(store, "inst_gone");
    await store.runs.update(ended.id, { status: "completed", endedAt: Date.now() });

    await store.instances.remove("inst_gone");
    expect(await store.runs.listOrphaned(NEVER_STALE_MS)).toEqual([
      { ...unowned, instanceId: null },
      { ...ofGone, instanceId: "inst_gone" },
    ]);
    expect((await store.instances.list()).map((row) => row.id)).toEqual(["inst_alive"]);
  });

  it("hands a running run over only from the instance that still has it, once", async () => {
    const store = await stores.open();
    const run = await runningRun(store, "inst_dead");
    const unowned = await runningRun(store);

    expect(await store.runs.takeOver(run.id, "inst_other", "inst_b")).toBe(false);
    expect(await store.runs.takeOver(run.id, "inst_dead", "inst_b")).toBe(true);
    // A second instance that listed the run from the same owner comes too late.
    expect(await store.runs.takeOver(run.id, "inst_dead", "inst_c")).toBe(false);

    expect(await store.runs.takeOver(unowned.id, "inst_dead", "inst_b")).toBe(false);
    await store.runs.update(unowned.id, { status: "interrupted", endedAt: Date.now() });
    expect(await store.runs.takeOver(unowned.id, null, "inst_b")).toBe(false);
    expect(await store.runs.takeOver("run_missing", null, "inst_b")).toBe(false);
  });

  it("forgets instances gone stale that have no running run left, and keeps the others", async () => {
    const store = await stores.open();
    for (const id of ["inst_idle", "inst_busy", "inst_fresh"]) await store.instances.beat(instance(id));
    await runningRun(store, "inst_busy");
    await sleep(STALE_MS + 200);
    await store.instances.beat(instance("inst_fresh"));

    expect(await store.instances.removeStale(STALE_MS)).toBe(1);
    expect((await store.instances.list()).map((row) => row.id)).toEqual(["inst_busy", "inst_fresh"]);
  });

  it("migrates a database whose running runs predate instances so that they count as orphaned", async () => {
    const location = await stores.newDatabase();
    await writeAtMigration(dialect, location, "0007-knowledge-embeddings", async (database) => {
      await sql`insert into conversations (id, title, created_at, updated_at) values ('conv_1', 'Old', 1, 1)`.execute(
        database,
      );
      await sql`insert into runs (id, conversation_id, user_message_id, assistant_message_id, model, status, created_at)
        values ('run_old', 'conv_1', 'msg_q', 'msg_a', 'tiny', 'running', 2)`.execute(database);
    });

    const store = await stores.open(location);
    expect(await store.runs.listOrphaned(NEVER_STALE_MS)).toMatchObject([
      { id: "run_old", instanceId: null },
    ]);
  });
});
