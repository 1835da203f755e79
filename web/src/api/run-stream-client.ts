/**
 * Reads one run's events from the server, the way protocol.md describes: the POST that starts the run is
 * sent once and read as text/event-stream; after a network error the client resumes with
 * GET /api/runs/:runId/events and Last-Event-ID, with backoff, until the run's last event arrived.
 * Events are delivered in id order, each exactly once.
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import type { RunEvent, RunEventName } from "../../../src/core/run-event.js";
import { ApiError } from "./api-error.js";

export type ConnectionState = "open" | "reconnecting";

export type RunStreamHandlers = {
  onEvent: (event: RunEvent) => void;
  onConnectionChange?: (state: ConnectionState) => void;
};

export type RunStreamConfig = {
  /** Waits before the 1st, 2nd, ... reconnect; the last one repeats. Each is jittered by up to ±20%. */
  retryDelaysMs?: readonly number[];
  /** The server pings every 15 s; a connection silent for this long is treated as dead. */
  stallTimeoutMs?: number;
};

export type RunStreamOutcome =
  /** The run's last event (`run.end` or `run.error`) arrived, or the server had nothing left to send. */
  | { kind: "ended"; lastEvent: RunEvent | null }
  /** close() was called; the run goes on at the server. */
  | { kind: "closed" }
  /** The stream cannot go on: the POST failed (never re-sent), or the run cannot be resumed. */
  | { kind: "failed"; error: Error; runStarted: boolean };

export type RunStream = {
  readonly done: Promise<RunStreamOutcome>;
  /** Known once `run.start` arrived (or from the start when resuming). */
  readonly runId: string | null;
  readonly lastEventId: number;
  close(): void;
};

const DEFAULT_RETRY_DELAYS_MS = [250, 500, 1000, 2000, 4000, 8000];
const DEFAULT_STALL_TIMEOUT_MS = 45_000;

const EVENT_NAMES = new Set<RunEventName>([
  "run.start",
  "text.delta",
  "tool_call.start",
  "tool_call.delta",
  "citation",
  "usage",
  "run.end",
  "run.error",
]);

/** POSTs `body` to `url` once and streams the run it starts. */
export function startRunStream(
  url: string,
  body: unknown,
  handlers: RunStreamHandlers,
  config: RunStreamConfig = {},
): RunStream {
  return new RunStreamReader(handlers, config, null, 0).start((signal) =>
    fetch(url, {
      method: "POST",
      headers: { accept: "text/event-stream", "content-type": "application/json" },
      body: JSON.stringify(body),
      signal,
    }),
  );
}

/** Follows a run already in flight (or finished) from the event after `afterEventId`. */
export function resumeRunStream(
  runId: string,
  afterEventId: number,
  handlers: RunStreamHandlers,
  config: RunStreamConfig = {},
): RunStream {
  const reader = new RunStreamReader(handlers, config, runId, afterEventId);
  return reader.start((signal) => reader.resumeRequest(signal));
}

class RunStreamReader implements RunStream {
  readonly #handlers: RunStreamHandlers;
  readonly #retryDelaysMs: readonly number[];
  readonly #stallTimeoutMs: number;
  readonly #closed = new AbortController();
  #runId: string | null;
  #lastEventId: number;
  #lastEvent: RunEvent | null = null;
  #ended = false;
  done!: Promise<RunStreamOutcome>;

  constructor(
    handlers: RunStreamHandlers,
    config: RunStreamConfig,
    runId: string | null,
    afterEventId: number,
  ) {
    this.#handlers = handlers;
    this.#retryDelaysMs = config.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.#stallTimeoutMs = config.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
    this.#runId = runId;
    this.#lastEventId = afterEventId;
  }

  get runId(): string | null {
    return this.#runId;
  }

  get lastEventId(): number {
    return this.#lastEventId;
  }

  close(): void {
    this.#closed.abort();
  }

  start(firstRequest: (signal: AbortSignal) => Promise<Response>): this {
    this.done = this.#follow(firstRequest).catch((error: unknown) => {
      if (this.#closed.signal.aborted) return { kind: "closed" } as const;
      return { kind: "failed", error: asError(error), runStarted: this.#runId !== null } as const;
    });
    return this;
  }

  resumeRequest(signal: AbortSignal): Promise<Response> {
    return fetch(`/api/runs/${encodeURIComponent(this.#runId ?? "")}/events`, {
      headers: { accept: "text/event-stream", "last-event-id": String(this.#lastEventId) },
      cache: "no-store",
      signal,
    });
  }

  async #follow(firstRequest: (signal: AbortSignal) => Promise<Response>): Promise<RunStreamOutcome> {
    // The first request is the only one that may be a POST; whatever happens to it, it is never sent again.
    let request = firstRequest;
    let failures = 0;
    for (;;) {
      const connection = new AbortController();
      const abortConnection = () => connection.abort();
      this.#closed.signal.addEventListener("abort", abortConnection);
      try {
        const response = await request(connection.signal);
        if (response.status === 204) return this.#finish();
        if (!response.ok) {
          const error = await ApiError.fromResponse(response);
          // Only a resume may be retried, and only when the failure is the server's passing trouble.
          if (request === firstRequest && this.#runId === null) throw error;
          if (error.status < 500 && error.status !== 429) throw error;
        } else {
          const before = this.#lastEventId;
          await this.#read(response, connection);
          if (this.#ended) return this.#finish();
          if (this.#lastEventId > before) failures = 0;
        }
      } catch (error) {
        if (this.#closed.signal.aborted) return { kind: "closed" };
        if (error instanceof ApiError) throw error;
        // A network error before run.start: the run may or may not exist, and the POST must not be repeated.
        if (this.#runId === null) throw asError(error);
      } finally {
        this.#closed.signal.removeEventListener("abort", abortConnection);
      }
      if (this.#closed.signal.aborted) return { kind: "closed" };
      if (this.#runId === null) throw new Error("The reply's stream ended before the run started.");
      this.#handlers.onConnectionChange?.("reconnecting");
      await this.#waitBeforeRetry(failures++);
      if (this.#closed.signal.aborted) return { kind: "closed" };
      request = (signal) => this.resumeRequest(signal);
    }
  }

  /** Reads one response until the run's last event, the end of the body, or a stall. */
  async #read(response: Response, connection: AbortController): Promise<void> {
    if (!response.body) return;
    const contentType = response.headers.get("content-type") ?? "";
    if (!contentType.includes("text/event-stream")) {
      throw new ApiError(
        response.status,
        "unexpected_response",
        `Expected an event stream, got ${contentType}.`,
      );
    }
    this.#handlers.onConnectionChange?.("open");
    const parser = createParser({ onEvent: (message) => this.#receive(message) });
    const reader = response.body.getReader();
    // Closing, or a stall, ends the read at once, whether or not the fetch implementation errors the body.
    const stopReading = () => void reader.cancel().catch(() => {});
    connection.signal.addEventListener("abort", stopReading);
    const decoder = new TextDecoder();
    let stallTimer: ReturnType<typeof setTimeout> | undefined;
    const armStallTimer = () => {
      clearTimeout(stallTimer);
      stallTimer = setTimeout(() => connection.abort(), this.#stallTimeoutMs);
    };
    armStallTimer();
    try {
      while (!this.#ended) {
        const { done, value } = await reader.read();
        if (done) break;
        armStallTimer();
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } finally {
      clearTimeout(stallTimer);
      connection.signal.removeEventListener("abort", stopReading);
      // The server ends the response after the last event; this only frees a connection cut short.
      stopReading();
    }
  }

  #receive(message: EventSourceMessage): void {
    if (this.#ended) return;
    const id = Number(message.id);
    // Ids count 1, 2, 3 ... within a run; anything at or below the last one seen was already delivered.
    if (!Number.isSafeInteger(id) || id <= this.#lastEventId) return;
    const name = message.event as RunEventName;
    // An event this page does not know (a newer server's) is passed over, but counts as delivered.
    if (!EVENT_NAMES.has(name)) {
      this.#lastEventId = id;
      return;
    }
    let data: unknown;
    try {
      data = JSON.parse(message.data);
    } catch {
      throw new ApiError(200, "malformed_event", `Event ${id} (${name}) does not carry JSON data.`);
    }
    const event = { id, event: name, data } as RunEvent;
    this.#lastEventId = id;
    this.#lastEvent = event;
    if (event.event === "run.start") this.#runId = event.data.runId;
    if (event.event === "run.end" || event.event === "run.error") this.#ended = true;
    this.#handlers.onEvent(event);
  }

  #finish(): RunStreamOutcome {
    this.#ended = true;
    return { kind: "ended", lastEvent: this.#lastEvent };
  }

  /** Backs off between attempts, but tries at once when the browser says it is back online. */
  #waitBeforeRetry(failures: number): Promise<void> {
    const base = this.#retryDelaysMs[Math.min(failures, this.#retryDelaysMs.length - 1)] ?? 1000;
    const delay = base * (0.8 + Math.random() * 0.4);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        window.removeEventListener("online", done);
        this.#closed.signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, delay);
      window.addEventListener("online", done);
      this.#closed.signal.addEventListener("abort", done);
    });
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
