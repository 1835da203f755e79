/** A benchmark client for Parley's run streams: SSE over node:http, each event stamped with when it arrived. */
import { type ClientRequest, request as httpRequest, type IncomingMessage } from "node:http";
import { createParser } from "eventsource-parser";

export type TimedEvent = {
  id: number;
  event: string;
  data: Record<string, unknown>;
  /** performance.now() when the bytes that completed this event arrived. */
  receivedAt: number;
};

export type TimedStreamOptions = {
  method?: "GET" | "POST";
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as the Last-Event-ID header, as a reconnecting EventSource does. */
  lastEventId?: number;
};

/**
 * node:http and eventsource-parser rather than fetch and web streams: the client shares two cores with the
 * server and the engine, so it should cost as little per event as a client reasonably can.
 * No keep-alive agent: every stream gets its own connection, so closing one is a real disconnect.
 */
export function openTimedStream(url: string, options: TimedStreamOptions = {}): Promise<TimedEventStream> {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = { accept: "text/event-stream" };
  if (body !== undefined) {
    headers["content-type"] = "application/json";
    headers["content-length"] = String(Buffer.byteLength(body));
  }
  if (options.lastEventId !== undefined) headers["last-event-id"] = String(options.lastEventId);
  return new Promise((resolve, reject) => {
    const sentAt = performance.now();
    const sentAtEpochMs = Date.now();
    const request = httpRequest(
      url,
      { method: options.method ?? (body === undefined ? "GET" : "POST"), headers, agent: false },
      (response) => resolve(new TimedEventStream(request, response, sentAt, sentAtEpochMs)),
    );
    request.once("error", reject);
    request.end(body);
  });
}

export class TimedEventStream implements AsyncIterable<TimedEvent> {
  /** performance.now() just before the request went out. */
  readonly sentAt: number;
  /** Date.now() at the same moment, to compare with times the server stores. */
  readonly sentAtEpochMs: number;
  readonly headersAt: number;
  readonly status: number;
  readonly #request: ClientRequest;
  readonly #queue: TimedEvent[] = [];
  #ended = false;
  #wake: (() => void) | undefined;

  constructor(request: ClientRequest, response: IncomingMessage, sentAt: number, sentAtEpochMs: number) {
    this.#request = request;
    this.sentAt = sentAt;
    this.sentAtEpochMs = sentAtEpochMs;
    this.headersAt = performance.now();
    this.status = response.statusCode ?? 0;
    let receivedAt = 0;
    const parser = createParser({
      onEvent: (message) => {
        // OpenAI-style streams (the engine's own API) end with a bare `data: [DONE]`.
        const done = message.data === "[DONE]";
        this.#queue.push({
          id: Number(message.id),
          event: done ? "done" : (message.event ?? "message"),
          data: done ? {} : (JSON.parse(message.data) as Record<string, unknown>),
          receivedAt,
        });
      },
    });
    response.setEncoding("utf8");
    response.on("data", (chunk: string) => {
      receivedAt = performance.now();
      parser.feed(chunk);
      this.#notify();
    });
    const finish = () => {
      this.#ended = true;
      this.#notify();
    };
    response.once("end", finish);
    response.once("close", finish);
    // Closing on purpose surfaces as "aborted" or "socket hang up" errors: they only mean the stream is over.
    response.on("error", finish);
    request.on("error", finish);
  }

  /** The next event, or undefined once the stream ended. */
  async next(): Promise<TimedEvent | undefined> {
    while (this.#queue.length === 0 && !this.#ended) {
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
    return this.#queue.shift();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<TimedEvent> {
    while (true) {
      const event = await this.next();
      if (event === undefined) return;
      yield event;
    }
  }

  /** Drops the connection, as a client that lost its network would. */
  close(): void {
    this.#ended = true;
    this.#request.destroy();
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
