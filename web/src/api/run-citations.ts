/**
 * The citations of a finished reply. A stored message does not carry them (GET /api/conversations/:id has only
 * its text), but its run's event log does: the run is read again from its first event, keeping the citations.
 */
import type { RunEventDataMap } from "../../../src/core/run-event.js";
import { resumeRunStream } from "./run-stream-client.js";

export type Citation = RunEventDataMap["citation"];

export async function readRunCitations(runId: string): Promise<Citation[]> {
  const citations: Citation[] = [];
  const stream = resumeRunStream(runId, 0, {
    onEvent: (event) => {
      if (event.event === "citation") citations.push(event.data);
    },
  });
  const outcome = await stream.done;
  if (outcome.kind === "failed") throw outcome.error;
  return citations;
}
