/** Writes Server-Sent Events on a raw Node response: safe framing, pings, backpressure, and close detection. */
import type { ServerResponse } from "node:http";
import { WriteCoalescer } from "../core/write-coalescer.js";

export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
  connection: "keep-alive",
} as const;

export type SseWriterConfig = {
  pingIntervalMs: number;
  /** Frames written within this many ms of the last write go out together (see WriteCoalescer). */
  coalesceMs?: number;
};

/** A few ms: invisible to a reader, and a fast local model's tokens then cost a write per batch, not each. */
export const DEFAULT_COALESCE_MS = 10;

/** The reason every closed stream's signal carries: made once, since an abort without one builds an error each time. */
const STREAM_CLOSED = new Error("The event stream was closed.");

export type SseMessage = { id?: string | number; event?: string; data: string };

export class SseWriter {
  readonly #response: ServerResponse;
  /**
   * Made when first asked for: most streams never ask, and an AbortSignal is a kilobyte that lives as long as its
   * stream, one more for each young-generation collection to move.
   */
  #closed: AbortController | undefined;
  readonly #coalescer: WriteCoalescer;
  #ping: NodeJS.Timeout | undefined;
  /** Mirrors the signal: read for every frame, and a plain field costs less than the signal's `aborted`. */
  #isClosed = false;

  constructor(response: ServerResponse, config: SseWriterConfig) {
    this.#response = response;
    this.#coalescer = new WriteCoalescer(
      (text) => response.write(text),
      config.coalesceMs ?? DEFAULT_COALESCE_MS,
    );
    response.on("close", () => this.#onClose());
    response.writeHead(200, SSE_HEADERS);
    // Headers and the first bytes go out at once, in one write, so proxies and clients see the stream open; and
    // straight to the socket, so the first real event is not held back by the coalescing window.
    response.write(": ping\n\n");
    this.#ping = setInterval(() => this.comment("ping"), config.pingIntervalMs);
    this.#ping.unref();
  }

  /** Aborted when the client went away or the stream was ended. */
  get closedSignal(): AbortSignal {
    if (this.#closed === undefined) {
      this.#closed = new AbortController();
      if (this.#isClosed) this.#closed.abort(STREAM_CLOSED);
    }
    return this.#closed.signal;
  }

  get closed(): boolean {
    return this.#isClosed;
  }

  /**
   * Hands the frame to the socket (or the coalescing window). Returns a promise only when the client reads too
   * slowly and the writer should wait for it to drain; `immediate` is for a stream's opening event, so the first
   * token after it is not held back; `withNext` for an event that goes out with the one after it (WriteCoalescer).
   */
  write(
    message: SseMessage,
    options?: { immediate?: boolean; withNext?: boolean },
  ): Promise<void> | undefined {
    if (this.closed) return undefined;
    this.#coalescer.write(encodeSse(message), options);
    return this.#response.writableNeedDrain ? this.#drained() : undefined;
  }

  comment(text: string): void {
    if (!this.closed) this.#coalescer.write(`: ${text.replace(/[\r\n]+/g, " ")}\n\n`);
  }

  end(): void {
    if (!this.#response.writableEnded) {
      this.#coalescer.flush();
      this.#response.end();
    }
    this.#onClose();
  }

  #drained(): Promise<void> {
    const closed = this.closedSignal;
    return new Promise((resolve) => {
      const done = () => {
        this.#response.off("drain", done);
        closed.removeEventListener("abort", done);
        resolve();
      };
      this.#response.on("drain", done);
      closed.addEventListener("abort", done, { once: true });
    });
  }

  #onClose(): void {
    clearInterval(this.#ping);
    this.#coalescer.discard();
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#closed?.abort(STREAM_CLOSED);
  }
}

/** One SSE frame. `id` and `event` must be single-line; `data` is split on newlines so nothing can break a frame. */
export function encodeSse(message: SseMessage): string {
  let frame = "";
  if (message.id !== undefined) frame += `id: ${singleLine("id", String(message.id))}\n`;
  if (message.event !== undefined) frame += `event: ${singleLine("event", message.event)}\n`;
  // JSON never holds a raw line break, so nearly every frame takes the first branch.
  if (!LINE_BREAK.test(message.data)) return `${frame}data: ${message.data}\n\n`;
  for (const line of message.data.split(/\r\n|\r|\n/)) frame += `data: ${line}\n`;
  return `${frame}\n`;
}

const LINE_BREAK = /[\r\n]/;

function singleLine(field: string, value: string): string {
  if (LINE_BREAK.test(value)) throw new Error(`An SSE ${field} must not contain a line break.`);
  return value;
}
