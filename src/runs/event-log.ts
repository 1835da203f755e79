/**
 * Writes every run's events to the store, never more than `flushMs` behind their streams: one batch for all
 * live runs per window, so a hundred streams cost one insert every window rather than a hundred.
 */
import { NotFoundError } from "../core/app-error.js";
import type { StoredRunEvent } from "../core/parley-store.js";
import type { RunEvent } from "../core/run-event.js";
import type { BatchedWrites } from "./batched-writes.js";

export type EventLogConfig = {
  /** The events go out with the other writes of the moment, in one transaction. */
  writes: BatchedWrites;
  flushMs: number;
  onError: (error: unknown) => void;
};

export class EventLog {
  readonly #config: EventLogConfig;
  #pending: StoredRunEvent[] = [];
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();

  constructor(config: EventLogConfig) {
    this.#config = config;
  }

  add(runId: string, event: RunEvent): void {
    this.#pending.push({ ...event, runId });
    this.#timer ??= setTimeout(() => void this.flush(), this.#config.flushMs);
  }

  /** Takes back the run's events not yet handed to the store, for a caller that writes them itself. */
  take(runId: string): StoredRunEvent[] {
    const taken = this.#pending.filter((event) => event.runId === runId);
    if (taken.length > 0) this.#pending = this.#pending.filter((event) => event.runId !== runId);
    return taken;
  }

  /** Writes everything added so far, for every run; resolves when it is stored. Writes never overlap or reorder. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#pending;
    this.#pending = [];
    this.#writing = this.#writing.then(() => this.#write(batch));
    return this.#writing;
  }

  async #write(batch: StoredRunEvent[]): Promise<void> {
    if (batch.length === 0) return;
    try {
      await this.#config.writes.write((store) => store.runEvents.append(batch));
    } catch (error) {
      if (error instanceof NotFoundError) {
        // A run deleted with its conversation fails the whole batch: write the others run by run.
        await this.#writeRunByRun(batch);
        return;
      }
      // Keep the batch for the next flush, so a passing failure (a busy database) loses nothing.
      this.#pending = [...batch, ...this.#pending];
      this.#timer ??= setTimeout(() => void this.flush(), this.#config.flushMs);
      this.#config.onError(error);
    }
  }

  async #writeRunByRun(batch: StoredRunEvent[]): Promise<void> {
    const byRun = new Map<string, StoredRunEvent[]>();
    for (const event of batch) byRun.set(event.runId, [...(byRun.get(event.runId) ?? []), event]);
    for (const events of byRun.values()) {
      try {
        await this.#config.writes.write((store) => store.runEvents.append(events));
      } catch (error) {
        // The run is gone, and there is nothing left to write its events to.
        if (!(error instanceof NotFoundError)) this.#config.onError(error);
      }
    }
  }
}
