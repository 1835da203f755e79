/**
 * Child process of the race test in recover-run-race.test.ts: opens the store, finds the orphaned run, prints
 * "ready", waits for the first bytes on stdin so that several processes recover the same run together, then prints
 * "recovered" when it ended the run and "taken" when another process got there first.
 * Usage: node --import tsx recover-when-told.ts <sqlite path | postgres:// URL> <run id> <instance id>
 */
import { once } from "node:events";
import { openStore } from "../../store/open-store.js";
import { recoverRun } from "../recover-run.js";

const [location, runId, instanceId] = process.argv.slice(2);
if (location === undefined || runId === undefined || instanceId === undefined) {
  throw new Error("usage: recover-when-told.ts <sqlite path | postgres:// URL> <run id> <instance id>");
}
const store = await openStore(
  /^postgres(ql)?:/.test(location) ? { databaseUrl: location } : { sqlitePath: location },
);
const run = (await store.runs.listOrphaned(60_000)).find((orphan) => orphan.id === runId);
if (run === undefined) throw new Error(`run ${runId} is not orphaned`);
process.stdout.write("ready\n");
await once(process.stdin, "data");
try {
  process.stdout.write((await recoverRun(store, run, instanceId)) ? "recovered\n" : "taken\n");
} finally {
  await store.close();
}
