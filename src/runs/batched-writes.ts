/**
 * Writes of many runs gathered into one database transaction. Under load, dozens of runs start and end within
 * the same few milliseconds; written alone, each would cost a commit that rewrites the same hot index pages
 * (a run's rows touch every index's newest page), while together they cost one. A write that fails fails only
 * its caller: the batch is then written again write by write. So a write must do nothing but its database work,
 * which may run twice.
 */
import type { ParleyStore } from "../core/parley-store.js";

type Work = (store: ParleyStore) => Promise<void>;
type PendingWrite = { work: Work; resolve: () => void; reject: (error: unknown) => void };

export class BatchedWrites {
  readonly store: ParleyStore;
  #queue: PendingWrite[] = [];
  #scheduled = false;
  /** Batches are written one after another, in the order their writes were asked for. */
  #writing: Promise<void> = Promise.resolve();

  constructor(store: ParleyStore) {
    this.store = store;
  }

  /** Runs `work` in the next batch's transaction; resolves once that transaction has committed. */
  write(work: Work): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ work, resolve, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      // The batch closes after this turn of the event loop: every write asked for meanwhile joins it.
      setImmediate(() => {
        this.#scheduled = false;
        const batch = this.#queue;
        this.#queue = [];
        this.#writing = this.#writing.then(() => this.#commit(batch));
      });
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
