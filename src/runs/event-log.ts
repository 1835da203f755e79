/**
 * Writes every run's events to the store, never more than `flushMs` behind their streams: one batch for all
 * live runs per window, so a hundred streams cost one insert every window rather than a hundred.
 */
import { NotFoundError } from "../core/app-error.js";
import { foldTextDelta } from "../core/fold-text-delta.js";
import type { AppendedRunEvent, StoredRunEvent } from "../core/parley-store.js";
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
   * Each live run's events not yet handed to the store, in order, its consecutive text deltas folded into one entry
   * (as the store writes them, in one row). A run keeps its list, emptied at each flush, until its end takes it (or it
   * adds nothing for a whole window): under load, lists and a map made anew for every window lived through
   * young-generation collections, one more thing to move each time.
   */
  readonly #pending = new Map<string, AppendedRunEvent[]>();
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();

  constructor(config: EventLogConfig) {
    this.#config = config;
  }

  add(event: StoredRunEvent): void {
    let events = this.#pending.get(event.runId);
    if (!events) {
      events = [];
      this.#pending.set(event.runId, events);
    }
    // Only an entry still pending grows: one handed to the store has left the list.
    if (event.event === "text.delta") foldTextDelta(events, event);
    else events.push(event);
    this.#timer ??= setTimeout(() => void this.flush(), this.#config.flushMs);
  }

  /** Takes back the run's events not yet handed to the store, for a caller that writes them itself. */
  take(runId: string): AppendedRunEvent[] {
    const events = this.#pending.get(runId);
    if (!events) return [];
    this.#pending.delete(runId);
    return events;
  }

  /** Writes everything added so far, for every run; resolves when it is stored. Writes never overlap or reorder. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch: AppendedRunEvent[] = [];
    for (const [runId, events] of this.#pending) {
      // A run quiet for a whole window gives up its list (one that ended without taking it, as well).
      if (events.length === 0) this.#pending.delete(runId);
      for (const event of events) batch.push(event);
      events.length = 0;
    }
    return this.#enqueue(batch);
  }

  /**
   * Writes what one run added so far, after every earlier write; resolves when it is stored. A run that ends
   * uses this: the other runs' events keep to their window, where a flush of everything at every run's end
   * would split them into a row per few tokens whenever many runs end close together.
   */
  flushRun(runId: string): Promise<void> {
    return this.#enqueue(this.take(runId));
  }

  #enqueue(batch: AppendedRunEvent[]): Promise<void> {
    this.#writing = this.#writing.then(() => this.#write(batch));
    return this.#writing;
  }

  /** `batch`: each run's events together and in order, its deltas folded as the store writes them. */
  async #write(batch: AppendedRunEvent[]): Promise<void> {
    if (batch.length === 0) return;
    try {
      await this.#config.writes.write([writeCommand("runEvents", "append", batch)]);
    } catch (error) {
      if (error instanceof NotFoundError) {
        // A run deleted with its conversation fails the whole batch: write the others run by run.
        await this.#writeRunByRun(batch);
        return;
      }
      // Keep the batch for the next flush, ahead of what each run added since, so a passing failure (a busy
      // database) loses nothing and reorders nothing.
      for (const [runId, events] of byRun(batch)) {
        const since = this.#pending.get(runId);
        this.#pending.set(runId, since ? events.concat(since) : events);
      }
      this.#timer ??= setTimeout(() => void this.flush(), this.#config.flushMs);
      this.#config.onError(error);
    }
  }

  async #writeRunByRun(batch: AppendedRunEvent[]): Promise<void> {
    for (const events of byRun(batch).values()) {
      try {
        await this.#config.writes.write([writeCommand("runEvents", "append", events)]);
      } catch (error) {
        // The run is gone, and there is nothing left to write its events to.
        if (!(error instanceof NotFoundError)) this.#config.onError(error);
      }
    }
  }
}

/** The batch's events run by run, in order: only when a batch failed. */
function byRun(batch: readonly AppendedRunEvent[]): Map<string, AppendedRunEvent[]> {
  const runs = new Map<string, AppendedRunEvent[]>();
  for (const event of batch) {
    const events = runs.get(event.runId);
    if (events) events.push(event);
    else runs.set(event.runId, [event]);
  }
  return runs;
}
