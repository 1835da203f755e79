/** Writes Server-Sent Events on a raw Node response: safe framing, pings, backpressure, and close detection. */
import type { ServerResponse } from "node:http";

export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
  connection: "keep-alive",
} as const;

export type SseWriterConfig = {
  pingIntervalMs: number;
};

export type SseMessage = { id?: string | number; event?: string; data: string };

export class SseWriter {
  readonly #response: ServerResponse;
  readonly #closed = new AbortController();
  #ping: NodeJS.Timeout | undefined;

  constructor(response: ServerResponse, config: SseWriterConfig) {
    this.#response = response;
    response.on("close", () => this.#onClose());
    response.writeHead(200, SSE_HEADERS);
    // Headers and the first bytes go out at once, so proxies and clients see the stream open.
    response.flushHeaders();
    this.comment("ping");
    this.#ping = setInterval(() => this.comment("ping"), config.pingIntervalMs);
    this.#ping.unref();
  }

  /** Aborted when the client went away or the stream was ended. */
  get closedSignal(): AbortSignal {
    return this.#closed.signal;
  }

  get closed(): boolean {
    return this.#closed.signal.aborted;
  }

  /** Resolves once the bytes are handed to the socket, waiting for it to drain if the client reads slowly. */
  async write(message: SseMessage): Promise<void> {
    if (this.closed) return;
    if (!this.#response.write(encodeSse(message))) await this.#drained();
  }

  comment(text: string): void {
    if (!this.closed) this.#response.write(`: ${text.replace(/[\r\n]+/g, " ")}\n\n`);
  }

  end(): void {
    if (!this.#response.writableEnded) this.#response.end();
    this.#onClose();
  }

  #drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.#response.off("drain", done);
        this.#closed.signal.removeEventListener("abort", done);
        resolve();
      };
      this.#response.on("drain", done);
      this.#closed.signal.addEventListener("abort", done, { once: true });
    });
  }

  #onClose(): void {
    clearInterval(this.#ping);
    if (!this.closed) this.#closed.abort();
  }
}

/** One SSE frame. `id` and `event` must be single-line; `data` is split on newlines so nothing can break a frame. */
export function encodeSse(message: SseMessage): string {
  let frame = "";
  if (message.id !== undefined) frame += `id: ${singleLine("id", String(message.id))}\n`;
  if (message.event !== undefined) frame += `event: ${singleLine("event", message.event)}\n`;
  for (const line of message.data.split(/\r\n|\r|\n/)) frame += `data: ${line}\n`;
  return `${frame}\n`;
}

function singleLine(field: string, value: string): string {
  if (/[\r\n]/.test(value)) throw new Error(`An SSE ${field} must not contain a line break.`);
  return value;
}
