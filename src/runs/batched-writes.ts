/**
 * Writes of many runs gathered into one database transaction. Under load, dozens of runs start and end within
 * the same few milliseconds; written alone, each would cost a commit that rewrites the same hot index pages
 * (a run's rows touch every index's newest page), while together they cost one. Each write is a savepoint of
 * its own inside the batch, so one that fails undoes only itself and fails only its caller.
 */
import type { ParleyStore } from "../core/parley-store.js";

type Work = (store: ParleyStore) => Promise<void>;
type PendingWrite = { work: Work; resolve: () => void; reject: (error: unknown) => void };

const SUCCEEDED = Symbol("succeeded");

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
    const [only] = batch;
    if (batch.length === 1 && only) {
      // Alone, a write needs no savepoint of its own.
      await this.store.transaction(only.work).then(only.resolve, only.reject);
      return;
    }
    const outcomes: unknown[] = [];
    try {
      await this.store.transaction(async (transaction) => {
        for (const { work } of batch) {
          // A nested transaction is a savepoint: a failed write is rolled back alone.
          outcomes.push(
            await transaction.transaction(work).then(
              () => SUCCEEDED,
              (error: unknown) => error,
            ),
          );
        }
      });
    } catch (error) {
      // The commit itself failed (a locked or full disk): nothing of the batch is stored.
      for (const write of batch) write.reject(error);
      return;
    }
    batch.forEach((write, index) => {
      const outcome = outcomes[index];
      if (outcome === SUCCEEDED) write.resolve();
      else write.reject(outcome);
    });
  }
}
