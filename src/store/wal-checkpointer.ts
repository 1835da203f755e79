/**
 * Copies SQLite's write-ahead log back into the database file from a worker thread, so the server's own thread
 * never does it. Left to SQLite, the commit that fills the log to 1,000 pages copies them and waits for two
 * fsyncs, some 5 ms here, during which no stream on the server moves; under load that happens every few seconds
 * and shows in every stream's worst gaps.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type BetterSqlite3 from "better-sqlite3";

/**
 * Seldom enough that a page written again and again is copied once rather than each time, and often enough that
 * the log stays a few megabytes under any load this server can take.
 */
const CHECKPOINT_INTERVAL_MS = 2_000;
/** SQLite's own default, restored on the server's connection if the worker ever stops. */
const SQLITE_AUTOCHECKPOINT_PAGES = 1_000;

/**
 * The worker is plain JavaScript evaluated from this string: Parley's TypeScript loader is registered in the main
 * thread only. PASSIVE never waits for the writer, so a commit on the server's thread is never held up by it;
 * frames written meanwhile are copied the next time round.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.betterSqlite3);
const database = new Database(workerData.path, { fileMustExist: true });
database.pragma("busy_timeout = 0");
const timer = setInterval(() => {
  try {
    const [result] = database.pragma("wal_checkpoint(PASSIVE)");
    parentPort.postMessage({ checkpointed: result.checkpointed, log: result.log });
  } catch (error) {
    // SQLITE_BUSY: another checkpoint (a CLI process closing the file) is under way; try again next time.
    if (error.code !== "SQLITE_BUSY") throw error;
  }
}, workerData.intervalMs);
parentPort.on("message", () => {
  clearInterval(timer);
  database.close();
  parentPort.close();
});
`;

export type CheckpointReport = { checkpointed: number; log: number };

export class WalCheckpointer {
  readonly #worker: Worker;
  readonly #exited: Promise<void>;
  readonly #reports = new Set<(report: CheckpointReport) => void>();
  #stopping = false;

  /** Takes over checkpoints of `database`, an open connection to the file at `path`. */
  constructor(database: BetterSqlite3.Database, path: string, intervalMs = CHECKPOINT_INTERVAL_MS) {
    database.pragma("wal_autocheckpoint = 0");
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        path,
        intervalMs,
        betterSqlite3: createRequire(import.meta.url).resolve("better-sqlite3"),
      },
    });
    // A background thread must not keep the process alive; stop() ends it explicitly.
    this.#worker.unref();
    this.#worker.on("message", (report: CheckpointReport) => {
      for (const listener of this.#reports) listener(report);
    });
    this.#exited = new Promise((resolve) => {
      this.#worker.once("exit", () => {
        // However the worker ended, the log must not grow without bound: SQLite checkpoints again by itself.
        if (database.open) database.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`);
        resolve();
      });
    });
    this.#worker.on("error", () => {
      // Reported by the exit above: the server goes on, with SQLite checkpointing on its own thread.
    });
  }

  /** Calls `listener` after each checkpoint; returns the function that stops it. */
  onCheckpoint(listener: (report: CheckpointReport) => void): () => void {
    this.#reports.add(listener);
    return () => this.#reports.delete(listener);
  }

  /** Ends the worker and closes its connection; settles once the thread is gone. */
  async stop(): Promise<void> {
    if (!this.#stopping) {
      this.#stopping = true;
      this.#worker.postMessage("stop");
    }
    await this.#exited;
  }

  /** Ends the worker at once, as a crash would; for tests of what happens then. */
  async terminate(): Promise<void> {
    await this.#worker.terminate();
    await this.#exited;
  }
}
