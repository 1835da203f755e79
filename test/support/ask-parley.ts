/**
 * Asks a running Parley for one reply over SSE. `ask` reads back what it stored too: what the client saw (events,
 * and when the `: ping` comments came) beside what the server wrote down. `sendMessage` posts any message (with
 * attachments, a tier, to a bot) and reads its reply, or the problem that refused it.
 */
import { EventSourceParserStream } from "eventsource-parser/stream";
import { expect } from "vitest";
import type { MessageStatus } from "../../src/core/message.js";
import { createConversation, type ParleyProcess } from "./parley-process.js";
import { postMessage, type ReceivedEvent, textOf } from "./sse-client.js";

export type StoredMessage = {
  id: string;
  role: string;
  content: string;
  status: MessageStatus;
  model: string | null;
  finishReason: string | null;
  usage: { inputTokens: number; outputTokens: number; costUsd?: number } | null;
  error: { code: string; message: string } | null;
};

export type Answer = {
  conversationId: string;
  events: ReceivedEvent[];
  /** The text of every `text.delta`, joined. */
  text: string;
  /** The last event: `run.end` or `run.error`. */
  end: ReceivedEvent | undefined;
  /** Milliseconds after the request went out at which each event arrived, in the order of `events`. */
  eventTimes: number[];
  /** Milliseconds after the request went out at which each `: ping` comment arrived. */
  pingTimes: number[];
  /** The assistant message this reply was written into, as the server stored it. */
  stored: StoredMessage | undefined;
};

/** Posts `content` for `model` to a new conversation (or to `conversationId`) and reads the reply to its end. */
export async function ask(
  parley: ParleyProcess,
  model: string,
  content: string,
  options: { conversationId?: string } = {},
): Promise<Answer> {
  const conversationId = options.conversationId ?? (await createConversation(parley));
  const startedAt = performance.now();
  const response = await parley.api(`/api/conversations/${conversationId}/messages`, {
    method: "POST",
    headers: { accept: "text/event-stream", "content-type": "application/json" },
    body: JSON.stringify({ content, model }),
  });
  if (!response.ok || !response.body) {
    throw new Error(`POST messages answered ${response.status}: ${await response.text()}`);
  }
  const events: ReceivedEvent[] = [];
  const eventTimes: number[] = [];
  const pingTimes: number[] = [];
  const reader = response.body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(
      new EventSourceParserStream({
        onComment: (comment) => {
          if (comment.trim() === "ping") pingTimes.push(performance.now() - startedAt);
        },
      }),
    )
    .getReader();
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    events.push({ id: Number(value.id), event: value.event ?? "message", data: JSON.parse(value.data) });
    eventTimes.push(performance.now() - startedAt);
  }
  const assistantMessageId = events.find((event) => event.event === "run.start")?.data.assistantMessageId;
  const { messages } = await parley.json<{ messages: StoredMessage[] }>(
    `/api/conversations/${conversationId}`,
  );
  return {
    conversationId,
    events,
    text: textOf(events),
    end: events.at(-1),
    eventTimes,
    pingTimes,
    stored: messages.find((message) => message.id === assistantMessageId),
  };
}

/** The body of a refusal (src/core/app-error.ts). */
export type Problem = { error: { code: string; message: string; details?: Record<string, unknown> } };

export type Sent = {
  conversationId: string;
  status: number;
  /** The reply's events, read to its end; none when the message was refused. */
  events: ReceivedEvent[];
  /** Why the message was refused; undefined when it was answered. */
  problem: Problem | undefined;
  /** The Retry-After header of a refusal. */
  retryAfter: string | null;
};

/**
 * Posts `message` (content, model, attachments...) to `conversationId`, or to a new conversation (with the bot
 * `botId`, if given), and reads the reply to its end, or the problem that refused the message.
 */
export async function sendMessage(
  parley: ParleyProcess,
  message: Record<string, unknown>,
  options: { conversationId?: string; botId?: string } = {},
): Promise<Sent> {
  const conversationId =
    options.conversationId ?? (await createConversation(parley, { botId: options.botId }));
  const stream = await postMessage(parley, conversationId, message);
  const { status } = stream.response;
  return {
    conversationId,
    status,
    events: status === 200 ? await stream.events() : [],
    problem: status === 200 ? undefined : ((await stream.response.json()) as Problem),
    retryAfter: stream.response.headers.get("retry-after"),
  };
}

/** The pings that came while the client waited between two events (by index in `events`). */
export function pingsBetween(answer: Answer, fromEvent: number, toEvent: number): number[] {
  const from = answer.eventTimes[fromEvent] ?? 0;
  const to = answer.eventTimes[toEvent] ?? Number.POSITIVE_INFINITY;
  return answer.pingTimes.filter((at) => at > from && at < to);
}

/**
 * Asks `model` once more in the same conversation and expects its whole reply: after a fault, the server still
 * serves and the conversation, partial reply and all, is still one a model can be asked about.
 */
export async function expectStillServing(
  parley: ParleyProcess,
  conversationId: string,
  model = "backup",
  reply = "Hello from ok@backup.",
): Promise<void> {
  const next = await ask(parley, model, "Still there?", { conversationId });
  expect(next.end).toMatchObject({ event: "run.end", data: { model, finishReason: "stop" } });
  expect(next.stored).toMatchObject({ status: "complete", content: reply });
}
