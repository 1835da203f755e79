/**
 * A run streamed as the Responses API's typed events: the response's creation, each output item opened, filled and
 * done (a message's text, a function call's arguments), then the whole response as it ended. The events are made
 * from the run's events alone, so a run read again from its first event makes the same events with the same
 * `sequence_number`s: how a stream that was cut is resumed (`starting_after`).
 */
import type { RunEvent } from "../../core/run-event.js";
import type { LiveRun } from "../../runs/live-run.js";
import type { SseWriter } from "../sse-writer.js";
import {
  type FunctionCallItem,
  functionCallItem,
  type MessageItem,
  messageItem,
  type OutputItem,
  outputText,
  type ResponseRun,
  responseObject,
  statusOf,
} from "./openai-responses-object.js";
import type { ResponseEcho } from "./openai-responses-request.js";

/** The live run's events as they come, until its end or `leave`. */
export async function streamResponseEvents(
  live: LiveRun,
  echo: ResponseEcho,
  sse: SseWriter,
  leave: AbortSignal,
) {
  try {
    await live.follow(0, responseEventWriter(live.record, echo, sse), leave);
  } finally {
    sse.end();
  }
}

/**
 * The run's events, read from its first (replayed, then followed while it goes on), as the typed events after
 * `startingAfter`: a stream resumed, or read again whole.
 */
export async function replayResponseEvents(
  run: ResponseRun,
  echo: ResponseEcho,
  events: AsyncIterable<RunEvent> | Iterable<RunEvent>,
  sse: SseWriter,
  startingAfter?: number,
) {
  const write = responseEventWriter(run, echo, sse, startingAfter);
  try {
    for await (const event of events) {
      if (sse.closed) break;
      await write(event);
    }
  } finally {
    sse.end();
  }
}

/**
 * Writes each of a run's events, from its first, as its typed events; returns a promise when the client must drain
 * first. Those numbered up to `startingAfter` are counted, not sent.
 */
function responseEventWriter(
  run: ResponseRun,
  echo: ResponseEcho,
  sse: SseWriter,
  startingAfter = -1,
): (event: RunEvent) => Promise<void> | undefined {
  let sequence = 0;
  // Every event names its type twice, in the `event:` line and in the data, and counts itself in `sequence_number`.
  const send = (
    type: string,
    data: Record<string, unknown>,
    options?: { immediate?: boolean; withNext?: boolean },
  ) => {
    const number = sequence++;
    if (number <= startingAfter) return undefined;
    return sse.write(
      { event: type, data: JSON.stringify({ type, sequence_number: number, ...data }) },
      options,
    );
  };
  /** The items so far, each as it stands: the response's `output`. One is open at a time, as the format has it. */
  const output: OutputItem[] = [];
  let message: { item: MessageItem; text: string } | undefined;
  let call: { item: FunctionCallItem; index: number } | undefined;
  const at = (item: OutputItem) => output.indexOf(item);

  const closeMessage = (status: "completed" | "incomplete" = "completed") => {
    if (!message) return;
    const { item, text } = message;
    const where = { item_id: item.id, output_index: at(item), content_index: 0 };
    send("response.output_text.done", { ...where, text, logprobs: [] });
    item.content = [outputText(text)];
    send("response.content_part.done", { ...where, part: item.content[0] });
    item.status = status;
    send("response.output_item.done", { output_index: at(item), item });
    message = undefined;
  };
  const closeCall = () => {
    if (!call) return;
    const { item } = call;
    send("response.function_call_arguments.done", {
      item_id: item.id,
      output_index: at(item),
      name: item.name,
      arguments: item.arguments,
    });
    item.status = "completed";
    send("response.output_item.done", { output_index: at(item), item });
    call = undefined;
  };
  // An item's opening events go out with what follows them (its first text or piece): sent alone, they would open
  // the writer's coalescing window, and the first text would wait for that window to close.
  const openMessage = () => {
    closeCall();
    const item = messageItem(run, undefined, "in_progress", output.length);
    output.push(item);
    send("response.output_item.added", { output_index: at(item), item }, { withNext: true });
    send(
      "response.content_part.added",
      { item_id: item.id, output_index: at(item), content_index: 0, part: outputText("") },
      { withNext: true },
    );
    // The streamed item has its text in the deltas; the done events carry it whole.
    message = { item, text: "" };
    return message;
  };

  return (event) => {
    if (event.event === "run.start") {
      const response = responseObject(run, echo, { status: "in_progress", output: [] });
      send("response.created", { response });
      // The opening events go out at once, so the first token after them is not held back.
      return send("response.in_progress", { response }, { immediate: true });
    }
    if (event.event === "text.delta") {
      const open = message ?? openMessage();
      open.text += event.data.text;
      return send("response.output_text.delta", {
        item_id: open.item.id,
        output_index: at(open.item),
        content_index: 0,
        delta: event.data.text,
        logprobs: [],
      });
    }
    if (event.event === "tool_call.start") {
      closeMessage();
      closeCall();
      const { index, id, name } = event.data;
      const item = functionCallItem(run, index, { id, name, arguments: "" }, "in_progress");
      call = { item, index };
      output.push(item);
      return send("response.output_item.added", { output_index: at(item), item }, { withNext: true });
    }
    if (event.event === "tool_call.delta") {
      // Calls come one after another (ChatStreamPart): a piece is always the open call's.
      if (!call || call.index !== event.data.index) return undefined;
      call.item.arguments += event.data.arguments;
      return send("response.function_call_arguments.delta", {
        item_id: call.item.id,
        output_index: at(call.item),
        delta: event.data.arguments,
      });
    }
    if (event.event === "run.end") {
      const status = statusOf(event.data.finishReason);
      // Cut at the token limit or cancelled, the message ends incomplete.
      closeMessage(status === "completed" ? "completed" : "incomplete");
      closeCall();
      const response = responseObject(run, echo, { status, output, usage: event.data.usage });
      // The format has no event for a cancelled response: it ends as a completed one, its status saying why,
      // the response the official clients take as the stream's last.
      return send(status === "incomplete" ? "response.incomplete" : "response.completed", { response });
    }
    if (event.event === "run.error") {
      // After streaming began, a failure is the response's end, with what went wrong and the output so far.
      if (message) message.item.content = [outputText(message.text)];
      for (const item of output) if (item.status === "in_progress") item.status = "incomplete";
      const { code, message: text } = event.data;
      const response = responseObject(run, echo, {
        status: "failed",
        output,
        error: { code, message: text },
      });
      return send("response.failed", { response });
    }
    return undefined;
  };
}
