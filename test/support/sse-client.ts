/** A test client for Parley's run streams: reads SSE from fetch (POST or GET) with eventsource-parser. */

import { EventSourceParserStream } from "eventsource-parser/stream";
import { tinyModelReply } from "../../src/engine/tiny-model.js";
import type { ParleyProcess } from "./parley-process.js";

export type ReceivedEvent = { id: number; event: string; data: Record<string, unknown> };

export type OpenedStream = {
  response: Response;
  /** Reads events until the stream ends, `stopAfter` events arrived, or the signal aborts. */
  events(options?: { stopAfter?: number }): Promise<ReceivedEvent[]>;
  close(): void;
};

export async function openStream(
  url: string,
  init: RequestInit & { lastEventId?: number } = {},
): Promise<OpenedStream> {
  const controller = new AbortController();
  const headers = new Headers(init.headers);
  headers.set("accept", "text/event-stream");
  if (init.body !== undefined) headers.set("content-type", "application/json");
  if (init.lastEventId !== undefined) headers.set("last-event-id", String(init.lastEventId));
  const response = await fetch(url, { ...init, headers, signal: controller.signal });
  return {
    response,
    close: () => controller.abort(),
    events: async ({ stopAfter } = {}) => {
      const received: ReceivedEvent[] = [];
      if (!response.body) return received;
      const reader = response.body
        .pipeThrough(new TextDecoderStream())
        .pipeThrough(new EventSourceParserStream())
        .getReader();
      try {
        while (stopAfter === undefined || received.length < stopAfter) {
          const { done, value } = await reader.read();
          if (done) break;
          received.push({
            id: Number(value.id),
            event: value.event ?? "message",
            data: JSON.parse(value.data),
          });
        }
      } catch (error) {
        if (!controller.signal.aborted) throw error;
      }
      if (stopAfter !== undefined) controller.abort();
      return received;
    },
  };
}

/** Posts `message` (its content, model, attachments...) to a conversation and opens the stream of its reply. */
export function postMessage(
  parley: ParleyProcess,
  conversationId: string,
  message: Record<string, unknown>,
  init: { headers?: Record<string, string> } = {},
): Promise<OpenedStream> {
  return openStream(`${parley.url}/api/conversations/${conversationId}/messages`, {
    method: "POST",
    headers: init.headers,
    body: JSON.stringify(message),
  });
}

export function textOf(events: readonly ReceivedEvent[]): string {
  return events
    .filter((event) => event.event === "text.delta")
    .map((event) => event.data.text as string)
    .join("");
}

/** The tiny test model's whole reply, as the model writer defines it. */
export const ALPHABET = tinyModelReply;
