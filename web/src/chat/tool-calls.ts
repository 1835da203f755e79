/**
 * Tool calls in the thread (an exchange an API client had with tools: the model calls them, the client runs them
 * and sends their results back as `tool` messages): how a run's tool_call events build a reply's calls, and what
 * the page shows of calls and results.
 */
import type { RunEvent } from "../../../src/core/run-event.js";
import type { ToolCall } from "../../../src/core/tool-call.js";

/** A tool result longer than this many lines, or characters, is folded under its header until opened. */
export const LONG_TOOL_TEXT_LINES = 8;
export const LONG_TOOL_TEXT_CHARS = 600;
/** A folded header's one-line preview is cut to this many characters (arguments may hold a whole file). */
export const TOOL_PREVIEW_CHARS = 160;

/** The events of a run that change a reply's tool calls. */
export function isToolCallEvent(event: Pick<RunEvent, "event">): boolean {
  return event.event === "tool_call.start" || event.event === "tool_call.delta";
}

/**
 * A reply's calls after one more of its run's events: `tool_call.start` puts the call at its index, with no
 * arguments yet (so a stream replayed from its start, as a page that reattaches reads it, builds the same calls
 * again rather than doubling them); `tool_call.delta` adds to the arguments of the call at its index. Any other
 * event, and a delta for a call that never started, leave the calls as they are (the same array).
 */
export function withToolCallEvent(calls: ToolCall[], event: RunEvent): ToolCall[] {
  if (event.event === "tool_call.start") {
    const { index, id, name } = event.data;
    if (!Number.isSafeInteger(index) || index < 0) return calls;
    const next = [...calls];
    // Indexes count from 0 without gaps; should one be skipped, the calls keep their places all the same.
    while (next.length < index) next.push({ id: "", name: "", arguments: "" });
    next[index] = { id, name, arguments: "" };
    return next;
  }
  if (event.event === "tool_call.delta") {
    const call = calls[event.data.index];
    if (!call || event.data.arguments === "") return calls;
    const next = [...calls];
    next[event.data.index] = { ...call, arguments: call.arguments + event.data.arguments };
    return next;
  }
  return calls;
}

/** How to show a call's arguments or a tool's result: JSON objects and arrays pretty-printed, anything else as written. */
export type ToolText = {
  /** The text to show in full. */
  text: string;
  /** One line for a folded header: JSON written compactly, other text with its whitespace collapsed. */
  preview: string;
  /** It parsed as a JSON object or array. */
  json: boolean;
};

export function formatToolText(raw: string): ToolText {
  const parsed = parseJsonContainer(raw);
  if (parsed !== undefined) {
    return { text: JSON.stringify(parsed, null, 2), preview: previewOf(JSON.stringify(parsed)), json: true };
  }
  return { text: raw, preview: previewOf(raw.replace(/\s+/g, " ").trim()), json: false };
}

function previewOf(line: string): string {
  return line.length > TOOL_PREVIEW_CHARS ? `${line.slice(0, TOOL_PREVIEW_CHARS - 1)}…` : line;
}

function parseJsonContainer(raw: string): unknown {
  const trimmed = raw.trim();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return undefined;
  try {
    const parsed: unknown = JSON.parse(trimmed);
    return typeof parsed === "object" && parsed !== null ? parsed : undefined;
  } catch {
    // Still being written, or not JSON at all: shown as written.
    return undefined;
  }
}

/** A text too long to show in full before the user asks for it. */
export function isLongToolText(text: string): boolean {
  return text.length > LONG_TOOL_TEXT_CHARS || lineCount(text) > LONG_TOOL_TEXT_LINES;
}

/** Every call the thread's replies made, by id: a tool result names the tool of the call it answers. */
export function toolCallsById(
  thread: readonly { toolCalls?: readonly ToolCall[] | undefined }[],
): ReadonlyMap<string, ToolCall> {
  const byId = new Map<string, ToolCall>();
  for (const message of thread) {
    for (const call of message.toolCalls ?? []) {
      if (call.id !== "") byId.set(call.id, call);
    }
  }
  return byId;
}

/**
 * What a tool result's header names: the tool, when the call it answers is in the thread (`toolName`, found with
 * toolCallsById); else the call's id; null when the result names no call.
 */
export function toolResultSubject(
  toolCallId: string | undefined,
  toolName: string | undefined,
): { kind: "tool" | "call"; text: string } | null {
  if (toolName) return { kind: "tool", text: toolName };
  return toolCallId ? { kind: "call", text: toolCallId } : null;
}

/** How many lines a text has (a folded result says so). */
export function lineCount(text: string): number {
  let lines = 1;
  for (let at = text.indexOf("\n"); at !== -1; at = text.indexOf("\n", at + 1)) lines++;
  return lines;
}
