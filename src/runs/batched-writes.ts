/**
 * Writes of many runs gathered into one database transaction. Under load, dozens of runs start and end within
 * the same few milliseconds; written alone, each would cost a commit that rewrites the same hot index pages
 * (a run's rows touch every index's newest page), while together they cost one. A write that fails fails only
 * its caller: the batch is then written again write by write. So a write must do nothing but its database work,
 * which may run twice.
 *
 * Under load the batches are also spaced: a commit rewrites every page its writes touched, the same few hot pages
 * each time, so ten commits of one run each cost nearly ten times one commit of ten runs. A write after a quiet
 * spell goes at once; one that follows a commit closely waits for the rest of the interval and takes along every
 * write asked for meanwhile.
 */
import type { ParleyStore } from "../core/parley-store.js";

type Work = (store: ParleyStore) => Promise<void>;

/** Short beside a reply's first token from a remote model (tens of ms), long beside a commit (a fraction of one). */
export const MIN_COMMIT_INTERVAL_MS = 10;
type PendingWrite = { work: Work; resolve: () => void; reject: (error: unknown) => void };

export class BatchedWrites {
  readonly store: ParleyStore;
  readonly #minCommitIntervalMs: number;
  #queue: PendingWrite[] = [];
  #scheduled = false;
  #lastBatchAt = Number.NEGATIVE_INFINITY;
  /** Batches are written one after another, in the order their writes were asked for. */
  #writing: Promise<void> = Promise.resolve();

  constructor(store: ParleyStore, config: { minCommitIntervalMs?: number } = {}) {
    this.store = store;
    this.#minCommitIntervalMs = config.minCommitIntervalMs ?? MIN_COMMIT_INTERVAL_MS;
  }

  /** Runs `work` in the next batch's transaction; resolves once that transaction has committed. */
  write(work: Work): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ work, resolve, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      // The batch closes after this turn of the event loop, or once the interval since the last has passed:
      // every write asked for meanwhile joins it.
      const close = () => {
        this.#scheduled = false;
        this.#lastBatchAt = performance.now();
        const batch = this.#queue;
        this.#queue = [];
        this.#writing = this.#writing.then(() => this.#commit(batch));
      };
      const wait = this.#lastBatchAt + this.#minCommitIntervalMs - performance.now();
      if (wait > 0) setTimeout(close, wait);
      else setImmediate(close);
    });
  }

  async #commit(batch: PendingWrite[]): Promise<void> {
    try {
      await this.store.transaction(async (transaction) => {
        for (const { work } of batch) await work(transaction);
      });
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      // One write failed and the whole batch was rolled back: each goes again on its own, so that only the one
      // that fails fails. Rare, so the common case pays for no savepoint per write.
      for (const write of batch) await this.store.transaction(write.work).then(write.resolve, write.reject);
      return;
    }
    for (const write of batch) write.resolve();
  }
}
