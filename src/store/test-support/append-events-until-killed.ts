/**
 * Child process of the crash test in open-store.test.ts: appends run events in batches as fast as it can and
 * prints the last event id of each committed batch, until the test kills it with SIGKILL.
 * Usage: node --import tsx append-events-until-killed.ts <sqlite path> <batch size>
 */
import { openStore } from "../open-store.js";
import { sampleConversation, sampleRun } from "./sample-records.js";

const [sqlitePath, batchSizeText] = process.argv.slice(2);
if (sqlitePath === undefined || batchSizeText === undefined) {
  throw new Error("usage: append-events-until-killed.ts <sqlite path> <batch size>");
}
const batchSize = Number(batchSizeText);
const store = await openStore({ sqlitePath });
const conversation = sampleConversation();
const run = sampleRun(conversation.id);
await store.conversations.create(conversation);
await store.runs.create(run);
process.stdout.write(`run ${run.id}\n`);

// Enough text per event that the WAL fills and checkpoints while the process is being killed.
const filler = "x".repeat(200);
for (let lastId = 0; ; ) {
  const events = Array.from({ length: batchSize }, (_, index) => ({
    runId: run.id,
    id: lastId + index + 1,
    event: "text.delta" as const,
    data: { text: `${lastId + index + 1} ${filler}` },
  }));
  await store.runEvents.append(events);
  lastId += batchSize;
  process.stdout.write(`committed ${lastId}\n`);
  await new Promise((resolve) => setImmediate(resolve));
}
