/**
 * The writer thread of StoreWriterThread: a connection of its own to the server's SQLite file, writing each batch
 * it is sent in one transaction, one batch after another.
 */
import { parentPort, workerData } from "node:worker_threads";
import { Kysely } from "kysely";
import { executeWriteBatch, type WriteCommand } from "../core/write-command.js";
import { openSqliteDatabase } from "./open-sqlite-database.js";
import type { ParleyDatabase } from "./parley-database.js";
import { ParleySqliteDialect } from "./parley-sqlite-dialect.js";
import { createParleyStore } from "./parley-store.js";
import { sendableError } from "./sendable-error.js";
import { withStatementCache } from "./statement-cache.js";

async function serve(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error("store-writer-worker runs on a worker thread only.");
  // The server migrated the file before it started the writer: this connection only opens it, as the main one is.
  const sqlite = openSqliteDatabase((workerData as { sqlitePath: string }).sqlitePath);
  const store = createParleyStore(
    new Kysely<ParleyDatabase>({
      dialect: new ParleySqliteDialect({ database: withStatementCache(sqlite) }),
    }),
  );
  let writing: Promise<void> = Promise.resolve();
  port.on("message", (message: "close" | { id: number; writes: WriteCommand[][] }) => {
    writing = writing.then(async () => {
      if (message === "close") {
        await store.close();
        port.close();
        return;
      }
      let errors: unknown[];
      try {
        errors = await executeWriteBatch(store, message.writes);
      } catch (error) {
        // Unexpected (failures come back per write), but a reply must come, and the next batches must still run.
        errors = message.writes.map(() => error);
      }
      port.postMessage({ id: message.id, errors: errors.map(sendableError) });
    });
  });
  port.postMessage("ready");
}

void serve();
