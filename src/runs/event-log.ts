/**
 * Writes every run's events to the store, never more than `flushMs` behind their streams: one batch for all
 * live runs per window, so a hundred streams cost one insert every window rather than a hundred.
 */
import { NotFoundError } from "../core/app-error.js";
import type { StoredRunEvent } from "../core/parley-store.js";
import { writeCommand } from "../core/write-command.js";
import type { BatchedWrites } from "./batched-writes.js";

export type EventLogConfig = {
  /** The events go out with the other writes of the moment, in one transaction. */
  writes: BatchedWrites;
  flushMs: number;
  onError: (error: unknown) => void;
};

export class EventLog {
  readonly #config: EventLogConfig;
  /**
   * Each run's events not yet handed to the store, in order; a run's own list, so taking it back costs nothing.
   * The events themselves go to the store as they are, never copied: under load, events waiting here or on their
   * way to the store live through a young-generation collection, and each copy was one more object to move.
   */
  #pending = new Map<string, StoredRunEvent[]>();
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();

  constructor(config: EventLogConfig) {
    this.#config = config;
  }

  add(event: StoredRunEvent): void {
    const events = this.#pending.get(event.runId);
    if (events) events.push(event);
    else this.#pending.set(event.runId, [event]);
    this.#timer ??= setTimeout(() => void this.flush(), this.#config.flushMs);
  }

  /** Takes back the run's events not yet handed to the store, for a caller that writes them itself. */
  take(runId: string): StoredRunEvent[] {
    const events = this.#pending.get(runId);
    if (!events) return [];
    this.#pending.delete(runId);
    return events;
  }

  /** Writes everything added so far, for every run; resolves when it is stored. Writes never overlap or reorder. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#pending;
    this.#pending = new Map();
    return this.#enqueue(batch);
  }

  /**
   * Writes what one run added so far, after every earlier write; resolves when it is stored. A run that ends
   * uses this: the other runs' events keep to their window, where a flush of everything at every run's end
   * would split them into a row per few tokens whenever many runs end close together.
   */
  flushRun(runId: string): Promise<void> {
    const events = this.#pending.get(runId);
    this.#pending.delete(runId);
    return this.#enqueue(new Map(events ? [[runId, events]] : []));
  }

  #enqueue(batch: Map<string, StoredRunEvent[]>): Promise<void> {
    this.#writing = this.#writing.then(() => this.#write(batch));
    return this.#writing;
  }

  async #write(batch: Map<string, StoredRunEvent[]>): Promise<void> {
    if (batch.size === 0) return;
    try {
      await this.#config.writes.write([writeCommand("runEvents", "append", storedBatch(batch))]);
    } catch (error) {
      if (error instanceof NotFoundError) {
        // A run deleted with its conversation fails the whole batch: write the others run by run.
        await this.#writeRunByRun(batch);
        return;
      }
      // Keep the batch for the next flush, so a passing failure (a busy database) loses nothing.
      for (const [runId, events] of this.#pending) batch.set(runId, [...(batch.get(runId) ?? []), ...events]);
      this.#pending = batch;
      this.#timer ??= setTimeout(() => void this.flush(), this.#config.flushMs);
      this.#config.onError(error);
    }
  }

  async #writeRunByRun(batch: Map<string, StoredRunEvent[]>): Promise<void> {
    for (const [runId, events] of batch) {
      try {
        await this.#config.writes.write([writeCommand("runEvents", "append", events)]);
      } catch (error) {
        // The run is gone, and there is nothing left to write its events to.
        if (!(error instanceof NotFoundError)) this.#config.onError(error);
      }
    }
  }
}

function storedBatch(batch: Map<string, StoredRunEvent[]>): StoredRunEvent[] {
  const all: StoredRunEvent[] = [];
  for (const events of batch.values()) for (const event of events) all.push(event);
  return all;
}
