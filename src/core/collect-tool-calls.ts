/** A reply's tool calls, put together from its `tool_call.start` and `tool_call.delta` events. */
import type { RunEventDataMap } from "./run-event.js";
import type { ToolCall } from "./tool-call.js";

type ToolCallEvent =
  | { event: "tool_call.start"; data: RunEventDataMap["tool_call.start"] }
  | { event: "tool_call.delta"; data: RunEventDataMap["tool_call.delta"] }
  | { event: string; data: unknown };

/** The calls in the order they began; other events are passed over, and so is a delta of a call never begun. */
export function collectToolCalls(events: Iterable<ToolCallEvent>): ToolCall[] {
  const calls: ToolCall[] = [];
  for (const event of events) {
    if (event.event === "tool_call.start") {
      const { index, id, name } = event.data as RunEventDataMap["tool_call.start"];
      calls[index] = { id, name, arguments: "" };
    } else if (event.event === "tool_call.delta") {
      const { index, arguments: piece } = event.data as RunEventDataMap["tool_call.delta"];
      const call = calls[index];
      if (call) call.arguments += piece;
    }
  }
  return calls.filter((call) => call !== undefined);
}
