/**
 * The writer thread of StoreWriterThread: a connection of its own to the server's SQLite file, writing each batch
 * it is sent in one transaction, one batch after another.
 */
import { parentPort, workerData } from "node:worker_threads";
import { executeWriteBatch, type WriteCommand } from "../core/write-command.js";
import { openStore } from "./open-store.js";
import { sendableError } from "./sendable-error.js";

const port = parentPort;
if (!port) throw new Error("store-writer-worker runs on a worker thread only.");
const store = await openStore({ sqlitePath: (workerData as { sqlitePath: string }).sqlitePath });
let writing: Promise<void> = Promise.resolve();

port.on("message", (message: "close" | { id: number; writes: WriteCommand[][] }) => {
  writing = writing.then(async () => {
    if (message === "close") {
      await store.close();
      port.close();
      return;
    }
    const errors = await executeWriteBatch(store, message.writes);
    port.postMessage({ id: message.id, errors: errors.map(sendableError) });
  });
});
port.postMessage("ready");
