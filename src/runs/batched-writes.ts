/**
 * Writes of many runs gathered into one database transaction. Under load, dozens of runs start and end within
 * the same few milliseconds; written alone, each would cost a commit that rewrites the same hot index pages
 * (a run's rows touch every index's newest page), while together they cost one. A write that fails fails only
 * its caller: the batch is then written again write by write. A write is a list of store calls as plain data
 * (WriteCommand), so a batch can also be written by another thread whole.
 *
 * Under load the batches are also spaced: a commit rewrites every page its writes touched, the same few hot pages
 * each time, so ten commits of one run each cost nearly ten times one commit of ten runs. A write after a quiet
 * spell goes at once; one that follows a commit closely waits for the rest of the interval and takes along every
 * write asked for meanwhile. A write a client is waiting on (a new run's rows, before its stream can begin) is
 * never held back: it closes the batch at the end of this turn, with whatever has gathered.
 */
import type { ParleyStore } from "../core/parley-store.js";
import { executeWriteBatch, type WriteBatchExecutor, type WriteCommand } from "../core/write-command.js";

/** Short beside a reply's first token from a remote model (tens of ms), long beside a commit (a fraction of one). */
export const MIN_COMMIT_INTERVAL_MS = 10;
type PendingWrite = {
  commands: readonly WriteCommand[];
  resolve: () => void;
  reject: (error: unknown) => void;
};

export class BatchedWrites {
  readonly #execute: WriteBatchExecutor;
  readonly #minCommitIntervalMs: number;
  #queue: PendingWrite[] = [];
  /** When the open batch closes: at the end of this turn, or when the interval since the last batch has passed. */
  #closing:
    | { kind: "turn"; handle: NodeJS.Immediate }
    | { kind: "timer"; handle: NodeJS.Timeout }
    | undefined;
  #lastBatchAt = Number.NEGATIVE_INFINITY;
  /** Batches are written one after another, in the order their writes were asked for. */
  #writing: Promise<void> = Promise.resolve();

  constructor(
    store: ParleyStore,
    /** `execute`: where batches are written; on `store`, on this thread, unless given. */
    config: { minCommitIntervalMs?: number; execute?: WriteBatchExecutor } = {},
  ) {
    this.#execute = config.execute ?? ((writes) => executeWriteBatch(store, writes));
    this.#minCommitIntervalMs = config.minCommitIntervalMs ?? MIN_COMMIT_INTERVAL_MS;
  }

  /**
   * Runs the commands in the next batch's transaction; resolves once that transaction has committed. `promptly` is
   * for a write a client waits on: its batch is not spaced from the last.
   */
  write(commands: readonly WriteCommand[], options?: { promptly?: boolean }): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ commands, resolve, reject });
      if (this.#closing?.kind === "turn") return;
      const wait = options?.promptly ? 0 : this.#lastBatchAt + this.#minCommitIntervalMs - performance.now();
      if (wait > 0) {
        if (this.#closing === undefined)
          this.#closing = { kind: "timer", handle: setTimeout(() => this.#close(), wait) };
        return;
      }
      if (this.#closing?.kind === "timer") clearTimeout(this.#closing.handle);
      // Every write asked for during the rest of this turn of the event loop joins the batch.
      this.#closing = { kind: "turn", handle: setImmediate(() => this.#close()) };
    });
  }

  #close(): void {
    this.#closing = undefined;
    this.#lastBatchAt = performance.now();
    const batch = this.#queue;
    this.#queue = [];
    this.#writing = this.#writing.then(() => this.#commit(batch));
  }

  async #commit(batch: PendingWrite[]): Promise<void> {
    let errors: unknown[];
    try {
      errors = await this.#execute(batch.map((write) => write.commands));
    } catch (error) {
      errors = batch.map(() => error);
    }
    batch.forEach((write, index) => {
      const error = errors[index];
      if (error === undefined) write.resolve();
      else write.reject(error);
    });
  }
}
