/** The events of a run as protocol.md defines them: the SSE wire contract between server and clients. */

/** `tool_calls`: the model stopped to have the client run the tools it called (see tool-call.ts). */
export type FinishReason = "stop" | "length" | "stopped" | "tool_calls";

/**
 * What a reply used. `inputTokens` counts the whole prompt; of those, `cachedInputTokens` were read from the
 * provider's prompt cache and `cacheWriteInputTokens` were written to it (each absent when the provider does not say).
 */
export type Usage = {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens?: number;
  cacheWriteInputTokens?: number;
  /** Of `cacheWriteInputTokens`, those written to be kept an hour rather than five minutes (priced higher). */
  cacheWriteHourInputTokens?: number;
  costUsd?: number;
};

export type Timings = {
  /** Milliseconds from the run's start to its first text. */
  ttftMs: number | null;
  /** Output tokens per second, measured from the first token to the last. */
  tokensPerSecond: number | null;
};

export type RunEventDataMap = {
  "run.start": {
    runId: string;
    conversationId: string;
    userMessageId: string;
    assistantMessageId: string;
    model: string;
    botId?: string;
    /** How `auto` (or a tier) chose the model. */
    routing?: { requested: string; reason: string };
    /** The prompt as sent: its size, and how many of the oldest messages were left out to fit the window. */
    context?: { promptTokens: number; trimmedMessages: number };
  };
  "text.delta": { text: string };
  /** The model began a call of one of the tools the request offered; `index` counts the reply's calls from 0. */
  "tool_call.start": { index: number; id: string; name: string };
  /** More of the call's arguments (JSON text, in pieces as the model writes it). */
  "tool_call.delta": { index: number; arguments: string };
  /** The model's reasoning before its answer (extended thinking): a thinking block's text, in pieces. */
  "thinking.delta": { thinking: string };
  /** The signature that closes the thinking block under way. */
  "thinking.signature": { signature: string };
  /** A thinking block the model's API redacted, whole. */
  "thinking.redacted": { data: string };
  /** `citedText` is exactly the document's text from `start` to `end` (checked before it is sent). */
  citation: {
    documentId: string;
    title: string;
    start: number;
    end: number;
    citedText: string;
    /** The mark in the reply's text this citation belongs to, like `S3` for `[S3]`. */
    marker?: string;
  };
  usage: Usage;
  /** `model` is the model that answered: the one asked for, or the fallback that took over. */
  "run.end": {
    finishReason: FinishReason;
    usage: Usage;
    timings: Timings;
    model: string;
    /** For replies from a bot's knowledge: citations sent, and those dropped because they did not check out. */
    citations?: { sent: number; dropped: number };
  };
  "run.error": { code: string; message: string; retryable: boolean; model: string };
};

export type RunEventName = keyof RunEventDataMap;

/** One event of a run; `id` counts 1, 2, 3 ... within the run. */
export type RunEvent = {
  [Name in RunEventName]: { id: number; event: Name; data: RunEventDataMap[Name] };
}[RunEventName];

export const RUN_EVENT_NAMES: readonly RunEventName[] = [
  "run.start",
  "text.delta",
  "tool_call.start",
  "tool_call.delta",
  "thinking.delta",
  "thinking.signature",
  "thinking.redacted",
  "citation",
  "usage",
  "run.end",
  "run.error",
];

/** `run.end` or `run.error` is always a run's last event. */
export function isTerminalEvent(event: Pick<RunEvent, "event">): boolean {
  return event.event === "run.end" || event.event === "run.error";
}
