/** Reads a run's events from a timed stream and gathers what the benchmarks look at: text, timings, ends. */
import type { RunEventDataMap } from "../../src/core/run-event.js";
import type { TimedEvent, TimedEventStream } from "./timed-event-stream.js";

export type ReadReply = {
  events: TimedEvent[];
  text: string;
  /** Arrival of the first and last text.delta, as performance.now(). */
  firstDeltaAt: number | undefined;
  lastDeltaAt: number | undefined;
  start: RunEventDataMap["run.start"] | undefined;
  end: RunEventDataMap["run.end"] | undefined;
  error: RunEventDataMap["run.error"] | undefined;
};

/** Reads until the stream ends or, with `stopAfter`, until that many events came; closes the stream either way. */
export async function readReply(
  stream: TimedEventStream,
  options: { stopAfter?: number } = {},
): Promise<ReadReply> {
  const reply: ReadReply = {
    events: [],
    text: "",
    firstDeltaAt: undefined,
    lastDeltaAt: undefined,
    start: undefined,
    end: undefined,
    error: undefined,
  };
  try {
    for (let event = await stream.next(); event !== undefined; event = await stream.next()) {
      reply.events.push(event);
      if (event.event === "text.delta") {
        reply.firstDeltaAt ??= event.receivedAt;
        reply.lastDeltaAt = event.receivedAt;
        reply.text += (event.data as RunEventDataMap["text.delta"]).text;
      } else if (event.event === "run.start") {
        reply.start = event.data as RunEventDataMap["run.start"];
      } else if (event.event === "run.end") {
        reply.end = event.data as RunEventDataMap["run.end"];
      } else if (event.event === "run.error") {
        reply.error = event.data as RunEventDataMap["run.error"];
      }
      if (options.stopAfter !== undefined && reply.events.length >= options.stopAfter) break;
    }
  } finally {
    stream.close();
  }
  return reply;
}
