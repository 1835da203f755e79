/** A run in progress: its events in memory, readers that follow it, and the switch that stops it. */
import { collectToolCalls } from "../core/collect-tool-calls.js";
import type { StoredRunEvent } from "../core/parley-store.js";
import type { Run } from "../core/run.js";
import {
  isTerminalEvent,
  type RunEvent,
  type RunEventDataMap,
  type RunEventName,
} from "../core/run-event.js";
import type { ThinkingBlock } from "../core/thinking.js";
import type { ToolCall } from "../core/tool-call.js";

export type EndRequest = "stopped" | "interrupted";

export class LiveRun {
  #record: Run;
  /**
   * The run's events so far, in order: an event's id is its index + 1. A text delta is kept as its text alone,
   * and made into an event again only for a reader that comes late. A run keeps every event until it ends, so
   * each survived every young-generation collection of the run's life (at a hundred streams, a fifth of what
   * each collection had to copy): a text outlives its event anyway, as part of the reply.
   */
  readonly #history: (string | StoredRunEvent)[] = [];
  /** The event pushed last, as pushed: the readers at the head of the run take it without its being made again. */
  #newest: StoredRunEvent | undefined;
  readonly #abortController = new AbortController();
  /** Readers waiting for the next event. A plain array: a Set allocates on every add, delete and clear. */
  #waiters: (() => void)[] = [];
  readonly #waitList: WaitList = {
    add: (wake) => this.#waiters.push(wake),
    remove: (wake) => {
      const index = this.#waiters.indexOf(wake);
      if (index >= 0) this.#waiters.splice(index, 1);
    },
  };
  /** Called from every push, until they leave: see `follow`. Replaced, never changed, so a push in progress is safe. */
  #followers: (() => void)[] = [];
  readonly #onEvent: (event: StoredRunEvent) => void;
  #endRequest: EndRequest | undefined;
  /** Whether the model's server has taken the request; until then, who waits to hear of it. */
  #answering = false;
  #onAnswering: (() => void)[] = [];

  constructor(record: Run, onEvent: (event: StoredRunEvent) => void) {
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

  /** The reply's text so far. Joined when asked (rarely: at the end, or for a page opened mid-reply), not per token. */
  get text(): string {
    let text = "";
    for (const entry of this.#history) if (typeof entry === "string") text += entry;
    return text;
  }

  /** The tools the reply called so far (none, for most replies): put together when asked, at the end. */
  get toolCalls(): ToolCall[] {
    return collectToolCalls(this.#history.filter((entry) => typeof entry !== "string"));
  }

  /** The thinking blocks the reply began with (none, unless it was asked to think): put together when asked. */
  get thinking(): ThinkingBlock[] {
    const blocks: ThinkingBlock[] = [];
    let open: { thinking: string } | undefined;
    for (const entry of this.#history) {
      if (typeof entry === "string") continue;
      if (entry.event === "thinking.delta") {
        open ??= { thinking: "" };
        open.thinking += entry.data.thinking;
      } else if (entry.event === "thinking.signature") {
        blocks.push({ type: "thinking", thinking: open?.thinking ?? "", signature: entry.data.signature });
        open = undefined;
      } else if (entry.event === "thinking.redacted") {
        blocks.push({ type: "redacted_thinking", data: entry.data.data });
      }
    }
    return blocks;
  }

  get lastEventId(): number {
    return this.#history.length;
  }

  get ended(): boolean {
    const last = this.#history.at(-1);
    return typeof last === "object" && isTerminalEvent(last);
  }

  /** The event with id `index + 1`; `index` must be below `lastEventId`. */
  eventAt(index: number): StoredRunEvent {
    const entry = this.#history[index] as string | StoredRunEvent;
    if (typeof entry !== "string") return entry;
    if (index === this.#history.length - 1 && this.#newest) return this.#newest;
    return { runId: this.#record.id, id: index + 1, event: "text.delta", data: { text: entry } };
  }

  /** The data of every event so far with this name (not for text deltas, which keep no event). */
  dataOf<Name extends Exclude<RunEventName, "text.delta">>(name: Name): RunEventDataMap[Name][] {
    const data: RunEventDataMap[Name][] = [];
    for (const entry of this.#history) {
      if (typeof entry !== "string" && entry.event === name) data.push(entry.data as RunEventDataMap[Name]);
    }
    return data;
  }

  /** Aborted when the run is asked to end early; the model call listens to it. */
  get signal(): AbortSignal {
    return this.#abortController.signal;
  }

  /** Why the run was asked to end early, if it was. */
  get endRequest(): EndRequest | undefined {
    return this.#endRequest;
  }

  /** Whether the model's server has taken the request (a success response began). */
  get answering(): boolean {
    return this.#answering;
  }

  /** Says that the model's server has taken the request (a success response began): its reply is coming. */
  markAnswering(): void {
    if (this.#answering) return;
    this.#answering = true;
    const waiting = this.#onAnswering;
    this.#onAnswering = [];
    for (const callback of waiting) callback();
  }

  /**
   * Calls `callback` once the model's server has taken the request, at once if it has; returns what cancels the
   * call. A run that fails before any server takes it never calls it.
   */
  onAnswering(callback: () => void): () => void {
    if (this.#answering) {
      callback();
      return () => {};
    }
    this.#onAnswering.push(callback);
    return () => {
      this.#onAnswering = this.#onAnswering.filter((waiting) => waiting !== callback);
    };
  }

  requestEnd(reason: EndRequest): void {
    if (this.ended || this.#endRequest) return;
    this.#endRequest = reason;
    this.#abortController.abort();
  }

  push<Name extends RunEventName>(event: Name, data: RunEventDataMap[Name]): StoredRunEvent {
    if (this.ended) throw new Error(`Run ${this.id} has ended; no event may follow its last.`);
    const stored = { runId: this.#record.id, id: this.#history.length + 1, event, data } as StoredRunEvent;
    this.#history.push(stored.event === "text.delta" ? stored.data.text : stored);
    this.#newest = stored;
    this.#onEvent(stored);
    if (this.#waiters.length > 0) {
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const wake of waiters) wake();
    }
    const followers = this.#followers;
    for (let index = 0; index < followers.length; index++) followers[index]?.();
    return stored;
  }

  /**
   * Hands `write` every event after `afterId`: those pushed already at once, then each new one from within its push,
   * until the run's last event or the signal; resolves then, or rejects with what `write` threw. A `write` that
   * returns a promise (its client must drain first) is given nothing more until the promise settles.
   *
   * For a reader that sends each event on as it comes. `read`'s iterator costs a promise and a wake-up for each
   * event, and between events leaves a chain of promises waiting; at a thousand streams those were a large part
   * of what every young-generation collection had to move. A follower holds nothing between events.
   */
  follow(
    afterId: number,
    write: (event: StoredRunEvent) => Promise<void> | undefined,
    signal?: AbortSignal,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      let cursor = afterId;
      let following = false;
      let done = false;
      const stopFollowing = () => {
        if (!following) return;
        following = false;
        this.#followers = this.#followers.filter((follower) => follower !== deliver);
      };
      const finish = (error?: unknown) => {
        if (done) return;
        done = true;
        stopFollowing();
        signal?.removeEventListener("abort", onAbort);
        if (error === undefined) resolve();
        else reject(error);
      };
      const onAbort = () => finish();
      const resume = () => {
        if (done) return;
        following = true;
        this.#followers = [...this.#followers, deliver];
        deliver();
      };
      const deliver = () => {
        while (following && cursor < this.#history.length) {
          const event = this.eventAt(cursor++);
          let drained: Promise<void> | undefined;
          try {
            drained = write(event);
          } catch (error) {
            finish(error);
            return;
          }
          if (isTerminalEvent(event)) {
            finish();
            return;
          }
          if (drained) {
            stopFollowing();
            drained.then(resume, finish);
            return;
          }
        }
      };
      if (signal?.aborted) {
        finish();
        return;
      }
      signal?.addEventListener("abort", onAbort, { once: true });
      if (this.ended && cursor >= this.#history.length) {
        finish();
        return;
      }
      resume();
    });
  }

  /** Every event after `afterId`, then each new one as it comes, until the run's last event or the signal. */
  read(afterId: number, signal?: AbortSignal): AsyncIterableIterator<RunEvent> {
    return new LiveRunReader(this, this.#waitList, afterId, signal);
  }
}

/** How a reader waits for a run's next event: a waiting reader is woken, and forgotten, by the next push. */
type WaitList = { add(wake: () => void): void; remove(wake: () => void): void };

/**
 * Reads a live run's events as an async iterator, written out by hand: every token of every reply passes through
 * here, and an async generator costs several promises and microtasks per event where this costs one of each.
 */
class LiveRunReader implements AsyncIterableIterator<RunEvent> {
  readonly #run: LiveRun;
  readonly #waitList: WaitList;
  readonly #signal: AbortSignal | undefined;
  #cursor: number;
  /** The run's last event was read, the reader left, or the signal fired: nothing more is read. */
  #finished = false;
  /** Settles the read waiting for the next event, if one is. */
  #resolve: ((result: IteratorResult<RunEvent>) => void) | undefined;
  /** Called by the run's next push (which forgets it): one function for the whole read, not one per wait. */
  readonly #onPush = () => {
    const resolve = this.#resolve;
    if (!resolve) return;
    const result = this.#take();
    if (!result) {
      this.#waitList.add(this.#onPush);
      return;
    }
    this.#resolve = undefined;
    resolve(result);
  };
  // One listener for the whole read: a reader waits once per event, and adding one each time costs more than
  // the event itself.
  readonly #onAbort = () => {
    this.#finish();
    this.#wakeEarly();
  };

  constructor(run: LiveRun, waitList: WaitList, afterId: number, signal?: AbortSignal) {
    this.#run = run;
    this.#waitList = waitList;
    this.#cursor = afterId;
    this.#signal = signal;
    if (signal?.aborted) this.#finished = true;
    else signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<RunEvent> {
    return this;
  }

  next(): Promise<IteratorResult<RunEvent>> {
    const result = this.#take();
    if (result) return Promise.resolve(result);
    return new Promise((resolve) => {
      this.#resolve = resolve;
      this.#waitList.add(this.#onPush);
    });
  }

  return(): Promise<IteratorResult<RunEvent>> {
    this.#finish();
    this.#wakeEarly();
    return Promise.resolve({ done: true, value: undefined });
  }

  /** The next result if there is one now: an event, or the end. */
  #take(): IteratorResult<RunEvent> | undefined {
    if (this.#finished) return { done: true, value: undefined };
    if (this.#cursor >= this.#run.lastEventId) return undefined;
    const event = this.#run.eventAt(this.#cursor++);
    if (isTerminalEvent(event)) this.#finish();
    return { done: false, value: event };
  }

  /** Ends a wait before the run's next event: the read settles now, and the run no longer wakes this reader. */
  #wakeEarly(): void {
    if (!this.#resolve) return;
    this.#waitList.remove(this.#onPush);
    this.#onPush();
  }

  #finish(): void {
    this.#finished = true;
    this.#signal?.removeEventListener("abort", this.#onAbort);
  }
}
