/**
 * The server's batched writes (BatchedWrites), written on a worker thread with its own connection to the SQLite
 * file. SQLite executes and commits on the thread that calls it, and under load a batch of many streams' events
 * and rows held the server's thread for a millisecond or more, while every stream's tokens waited. Here a batch
 * crosses to the writer in one message and comes back as one reply; the server's thread only builds it.
 */
import { Worker } from "node:worker_threads";
import type { WriteBatchExecutor } from "../core/write-command.js";
import { revivedError, type SendableError } from "./sendable-error.js";

/**
 * The writer runs Parley's TypeScript, and the loader registered on the main thread does not reach a worker: this
 * small module (a data: URL is an ES module, whatever the main thread was started with) loads the writer's module
 * through tsx's CommonJS loader, which transforms in this thread; its ES-module loader would start a thread more.
 */
const BOOTSTRAP = `
const { workerData } = await import("node:worker_threads");
const { require } = await import(workerData.loader);
require(workerData.module, workerData.module);
`;

type Reply = "ready" | { id: number; errors: (SendableError | undefined)[] };
type Waiting = { resolve: (errors: unknown[]) => void; reject: (error: unknown) => void };

export class StoreWriterThread {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, Waiting>();
  readonly #exited: Promise<void>;
  readonly #fallback: WriteBatchExecutor;
  #nextId = 1;
  /** Why the writer stopped, if it did: batches sent after that go to the fallback. */
  #stopped: Error | undefined;

  private constructor(worker: Worker, fallback: WriteBatchExecutor) {
    this.#worker = worker;
    this.#fallback = fallback;
    // Only a batch under way keeps the process alive.
    worker.unref();
    worker.on("message", (reply: Reply) => {
      if (reply !== "ready") this.#settle(reply);
    });
    worker.on("error", (error) => this.#stop(error));
    this.#exited = new Promise((resolve) => {
      worker.once("exit", () => {
        this.#stop(new Error("The store's writer thread has stopped."));
        resolve();
      });
    });
  }

  /**
   * Opens the writer's connection to the SQLite file at `sqlitePath` (migrated already); resolves once it is open.
   * `fallback` writes the batches sent once the thread has stopped, for whatever reason: the server's own
   * connection, so that a writer lost never means replies lost.
   */
  static async start(sqlitePath: string, fallback: WriteBatchExecutor): Promise<StoreWriterThread> {
    const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(BOOTSTRAP)}`), {
      workerData: {
        sqlitePath,
        loader: import.meta.resolve("tsx/cjs/api"),
        module: new URL("./store-writer-worker.ts", import.meta.url).href,
      },
    });
    const writer = new StoreWriterThread(worker, fallback);
    await new Promise<void>((resolve, reject) => {
      const onReady = (reply: Reply) => {
        if (reply !== "ready") return;
        worker.off("message", onReady);
        resolve();
      };
      worker.on("message", onReady);
      worker.once("error", reject);
      worker.once("exit", () =>
        reject(new Error("The store's writer thread stopped while opening the database.")),
      );
    });
    return writer;
  }

  /**
   * Writes the batch in one transaction on the writer; resolves with each write's error, or undefined. A batch under
   * way when the thread stops fails whole: whether it was committed is not known.
   */
  readonly execute: WriteBatchExecutor = (writes) => {
    if (this.#stopped) return this.#fallback(writes);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      if (this.#waiting.size === 0) this.#worker.ref();
      this.#waiting.set(id, { resolve, reject });
      this.#worker.postMessage({ id, writes });
    });
  };

  /** Closes the writer's connection once the batches sent before are written. */
  async stop(): Promise<void> {
    if (!this.#stopped) this.#worker.postMessage("close");
    await this.#exited;
  }

  #settle(reply: Exclude<Reply, "ready">): void {
    const waiting = this.#waiting.get(reply.id);
    if (!waiting) return;
    this.#waiting.delete(reply.id);
    if (this.#waiting.size === 0) this.#worker.unref();
    waiting.resolve(reply.errors.map(revivedError));
  }

  #stop(reason: Error): void {
    this.#stopped ??= reason;
    for (const waiting of this.#waiting.values()) waiting.reject(reason);
    this.#waiting.clear();
  }
}
