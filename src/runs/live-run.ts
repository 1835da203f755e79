/** A run in progress: its events in memory, readers that follow it, and the switch that stops it. */
import type { Run } from "../core/run.js";
import {
  isTerminalEvent,
  type RunEvent,
  type RunEventDataMap,
  type RunEventName,
} from "../core/run-event.js";

export type EndRequest = "stopped" | "interrupted";

export class LiveRun {
  #record: Run;
  readonly events: RunEvent[] = [];
  readonly #abortController = new AbortController();
  readonly #waiters = new Set<() => void>();
  readonly #onEvent: (event: RunEvent) => void;
  #endRequest: EndRequest | undefined;
  #text = "";

  constructor(record: Run, onEvent: (event: RunEvent) => void) {
    this.#record = record;
    this.#onEvent = onEvent;
  }

  /** The run as stored: running until its outcome is written down, then with that outcome. */
  get record(): Run {
    return this.#record;
  }

  get id(): string {
    return this.#record.id;
  }

  /**
   * Takes the outcome the run was written down with. Its readers hear of the end right after, and may ask at once
   * (another server's stop answers with the run as it ended): the run must not still read as running here.
   */
  recordOutcome(outcome: Pick<Run, "status" | "endedAt">): void {
    this.#record = { ...this.#record, ...outcome };
  }

  get text(): string {
    return this.#text;
  }

  get lastEventId(): number {
    return this.events.length;
  }

  get ended(): boolean {
    const last = this.events.at(-1);
    return last !== undefined && isTerminalEvent(last);
  }

  /** Aborted when the run is asked to end early; the model call listens to it. */
  get signal(): AbortSignal {
    return this.#abortController.signal;
  }

  /** Why the run was asked to end early, if it was. */
  get endRequest(): EndRequest | undefined {
    return this.#endRequest;
  }

  requestEnd(reason: EndRequest): void {
    if (this.ended || this.#endRequest) return;
    this.#endRequest = reason;
    this.#abortController.abort();
  }

  push<Name extends RunEventName>(event: Name, data: RunEventDataMap[Name]): RunEvent {
    if (this.ended) throw new Error(`Run ${this.id} has ended; no event may follow its last.`);
    const stored = { id: this.events.length + 1, event, data } as RunEvent;
    this.events.push(stored);
    if (stored.event === "text.delta") this.#text += stored.data.text;
    this.#onEvent(stored);
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
    return stored;
  }

  /** Every event after `afterId`, then each new one as it comes, until the run's last event or the signal. */
  async *read(afterId: number, signal?: AbortSignal): AsyncGenerator<RunEvent> {
    let cursor = afterId;
    let wake: (() => void) | undefined;
    // One listener for the whole read: a reader waits once per event, and adding one each time costs more
    // than the event itself.
    let left = signal?.aborted === true;
    const onAbort = () => {
      left = true;
      wake?.();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      while (!left) {
        while (cursor < this.events.length) {
          const event = this.events[cursor++] as RunEvent;
          yield event;
          if (isTerminalEvent(event)) return;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          this.#waiters.add(resolve);
        });
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
      if (wake) this.#waiters.delete(wake);
    }
  }
}
