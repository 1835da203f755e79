/**
 * A connection to the server's SQLite file on a worker thread, running the statements it is sent one at a time.
 * SQLite executes and commits on the thread that calls it: a commit of a hundred streams' events and rows took
 * the server's own thread for a millisecond or more, during which no stream moved. Here it takes the worker's.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import Database from "better-sqlite3";
import type { QueryResult } from "kysely";
import { BUSY_TIMEOUT_MILLISECONDS } from "./open-sqlite-database.js";

/**
 * Plain JavaScript evaluated from this string, like the checkpointer's: Parley's TypeScript loader is registered in
 * the main thread only. The connection is set up as the main one is (see openSqliteDatabase); statements are
 * prepared once and kept, as the main connection's statement cache does.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.betterSqlite3);
const database = new Database(workerData.path, { fileMustExist: true });
database.pragma("busy_timeout = " + workerData.busyTimeoutMs);
database.pragma("synchronous = NORMAL");
database.pragma("foreign_keys = ON");
database.function("lower", { deterministic: true }, (value) =>
  value === null ? null : (typeof value === "string" ? value : String(value)).toLowerCase());
const statements = new Map();
function prepare(sqlText) {
  let statement = statements.get(sqlText);
  if (statement === undefined) {
    statement = database.prepare(sqlText);
    if (statements.size >= 256) statements.delete(statements.keys().next().value);
  } else {
    statements.delete(sqlText);
  }
  statements.set(sqlText, statement);
  return statement;
}
parentPort.on("message", (message) => {
  if (message === "close") {
    database.close();
    parentPort.close();
    return;
  }
  const { id, sql, parameters, begin } = message;
  try {
    if (begin) prepare("begin immediate").run();
    const statement = prepare(sql);
    if (statement.reader) {
      parentPort.postMessage({ id, rows: statement.all(parameters) });
    } else {
      const { changes, lastInsertRowid } = statement.run(parameters);
      parentPort.postMessage({ id, changes, lastInsertRowid });
    }
  } catch (error) {
    parentPort.postMessage({ id, error: { message: String(error && error.message), code: error && error.code } });
  }
});
`;

type Reply = { id: number } & (
  | { rows: Record<string, unknown>[] }
  | { changes: number; lastInsertRowid: number | bigint }
  | { error: { message: string; code: unknown } }
);

type Waiting = { resolve: (result: QueryResult<unknown>) => void; reject: (error: unknown) => void };

export class SqliteWriterThread {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, Waiting>();
  readonly #exited: Promise<void>;
  #nextId = 1;
  /** Why the thread stopped, if it did: every statement sent after that fails with it. */
  #stopped: Error | undefined;

  /** Opens a second connection to the SQLite file at `path`, which must exist and be migrated. */
  constructor(path: string) {
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        path,
        busyTimeoutMs: BUSY_TIMEOUT_MILLISECONDS,
        betterSqlite3: createRequire(import.meta.url).resolve("better-sqlite3"),
      },
    });
    // Only a statement under way keeps the process alive, as a query on a socket would.
    this.#worker.unref();
    this.#worker.on("message", (reply: Reply) => this.#settle(reply));
    this.#worker.on("error", (error) => this.#stop(error));
    this.#exited = new Promise((resolve) => {
      this.#worker.once("exit", () => {
        this.#stop(new Error("The SQLite writer thread has stopped."));
        resolve();
      });
    });
  }

  /**
   * Runs one statement on the thread's connection; results come back as Kysely's SQLite driver gives them.
   * `begin` opens an immediate transaction first, in the same message (a message costs more than a statement).
   */
  execute(sql: string, parameters: readonly unknown[], begin = false): Promise<QueryResult<unknown>> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      if (this.#waiting.size === 0) this.#worker.ref();
      this.#waiting.set(id, { resolve, reject });
      this.#worker.postMessage({ id, sql, parameters, begin });
    });
  }

  /** Closes the connection once the statements sent before have run. */
  async stop(): Promise<void> {
    if (!this.#stopped) this.#worker.postMessage("close");
    await this.#exited;
  }

  #settle(reply: Reply): void {
    const waiting = this.#waiting.get(reply.id);
    if (!waiting) return;
    this.#waiting.delete(reply.id);
    if (this.#waiting.size === 0) this.#worker.unref();
    if ("error" in reply) {
      const { message, code } = reply.error;
      // The same error type the main connection throws, so callers read its code (a constraint, a busy file) alike.
      waiting.reject(typeof code === "string" ? new Database.SqliteError(message, code) : new Error(message));
    } else if ("rows" in reply) {
      waiting.resolve({ rows: reply.rows.map(withBuffers) });
    } else {
      waiting.resolve({
        rows: [],
        numAffectedRows: BigInt(reply.changes),
        insertId: BigInt(reply.lastInsertRowid),
      });
    }
  }

  #stop(reason: Error): void {
    this.#stopped ??= reason;
    for (const waiting of this.#waiting.values()) waiting.reject(reason);
    this.#waiting.clear();
  }
}

/** A blob crosses the thread boundary as a Uint8Array; the main connection gives Buffers, and so does this one. */
function withBuffers(row: Record<string, unknown>): Record<string, unknown> {
  for (const [column, value] of Object.entries(row)) {
    if (value instanceof Uint8Array && !Buffer.isBuffer(value)) {
      row[column] = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    }
  }
  return row;
}
