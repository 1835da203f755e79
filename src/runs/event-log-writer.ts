/** Writes a run's events to the store in small batches, never more than `flushMs` behind the stream. */
import { NotFoundError } from "../core/app-error.js";
import type { ParleyStore } from "../core/parley-store.js";
import type { RunEvent } from "../core/run-event.js";

export type EventLogWriterConfig = {
  store: ParleyStore;
  runId: string;
  flushMs: number;
  onError: (error: unknown) => void;
};

export class EventLogWriter {
  readonly #config: EventLogWriterConfig;
  #pending: RunEvent[] = [];
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();

  constructor(config: EventLogWriterConfig) {
    this.#config = config;
  }

  add(event: RunEvent): void {
    this.#pending.push(event);
    // One write per window rather than per token: SQLite commits cost far more than an event.
    this.#timer ??= setTimeout(() => void this.flush(), this.#config.flushMs);
  }

  /** Writes everything added so far; resolves when it is stored. Writes never overlap or reorder. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#pending;
    this.#pending = [];
    this.#writing = this.#writing.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.#config.store.runEvents.append(
          batch.map((event) => ({ ...event, runId: this.#config.runId })),
        );
      } catch (error) {
        // The run was deleted with its conversation: there is nothing left to write its events to.
        if (error instanceof NotFoundError) return;
        // Keep the batch for the next flush so a passing failure (a busy database) loses nothing.
        this.#pending = [...batch, ...this.#pending];
        this.#timer ??= setTimeout(() => void this.flush(), this.#config.flushMs);
        this.#config.onError(error);
      }
    });
    return this.#writing;
  }
}
