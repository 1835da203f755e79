/** Sends a run's events to one client as SSE on the request's own response, then ends it. */
import type { FastifyReply } from "fastify";
import type { RunEvent } from "../core/run-event.js";
import { SseWriter } from "./sse-writer.js";

export type RunEventSource = (signal: AbortSignal) => AsyncIterable<RunEvent> | Iterable<RunEvent>;

/**
 * The client may leave at any time; that ends this response only, never the run, which the server owns.
 * Errors before this point were answered as JSON; from here on the run itself reports failures as events.
 */
export async function streamRunEvents(
  reply: FastifyReply,
  source: RunEventSource,
  pingIntervalMs: number,
): Promise<void> {
  reply.hijack();
  const sse = new SseWriter(reply.raw, { pingIntervalMs });
  try {
    for await (const event of source(sse.closedSignal)) {
      if (sse.closed) break;
      await sse.write(
        { id: event.id, event: event.event, data: JSON.stringify(event.data) },
        { immediate: event.event === "run.start" },
      );
    }
  } catch (error) {
    reply.log.error({ err: error }, "streaming run events failed");
  } finally {
    sse.end();
  }
}
