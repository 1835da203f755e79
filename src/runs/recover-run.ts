/** Ends a run that a crashed or killed server left in flight, from what its event log kept. */

import type { Citation } from "../core/citation-check.js";
import { collectToolCalls } from "../core/collect-tool-calls.js";
import type { ParleyStore } from "../core/parley-store.js";
import type { OwnedRun, Run } from "../core/run.js";
import type { RunEvent } from "../core/run-event.js";

export const INTERRUPTED_MESSAGE =
  "Parley stopped while this reply was being written; the text so far is kept.";

/**
 * Takes the run over from the instance it was listed with (`run.instanceId`; none for a plain `Run`) for the
 * instance `recoveredBy`, then ends it, all in one transaction. False, with nothing written, when another
 * instance recovering at the same time took it first or the run has ended meanwhile.
 */
export async function recoverRun(
  store: ParleyStore,
  run: Run | OwnedRun,
  recoveredBy: string,
  published: readonly RunEvent[] = [],
): Promise<boolean> {
  return store.transaction(async (transaction) => {
    const from = "instanceId" in run ? run.instanceId : null;
    if (!(await transaction.runs.takeOver(run.id, from, recoveredBy))) return false;
    // What the dead server had already sent to other servers' readers (through Redis) but not yet stored joins
    // the log first: the reply keeps that text, and the closing event comes after every id a reader has seen.
    const storedLastId = await transaction.runEvents.lastId(run.id);
    const unsaved = published.filter((event) => event.id > storedLastId);
    if (unsaved.length > 0) {
      await transaction.runEvents.append(unsaved.map((event) => ({ ...event, runId: run.id })));
    }
    await endRun(transaction, run);
    return true;
  });
}

/** Writes the run's outcome from what its event log kept. */
async function endRun(transaction: ParleyStore, run: Run): Promise<void> {
  // Read after the take-over, in its transaction: an event its writer appended meanwhile has its id taken by
  // the run.error below, and whichever of the two is second fails on the key rather than both being stored.
  const events = await transaction.runEvents.listAfter(run.id, 0);
  let text = "";
  const citations: Citation[] = [];
  for (const event of events) {
    if (event.event === "text.delta") text += event.data.text;
    else if (event.event === "citation") citations.push(event.data);
  }
  // A reply that had called tools keeps its calls too: the one that ended is what its client runs.
  const toolCalls = collectToolCalls(events);
  const last = events.at(-1);
  const endedAt = Date.now();

  if (last?.event === "run.end") {
    // The server died after the reply ended but before it stored the outcome: finish the bookkeeping.
    const stopped = last.data.finishReason === "stopped";
    await transaction.messages.update(run.assistantMessageId, {
      content: text,
      status: stopped ? "stopped" : "complete",
      finishReason: last.data.finishReason,
      usage: last.data.usage,
      timings: last.data.timings,
      ...(citations.length > 0 && { citations }),
      ...(toolCalls.length > 0 && { toolCalls }),
      updatedAt: endedAt,
    });
    await transaction.runs.update(run.id, { status: stopped ? "stopped" : "completed", endedAt });
    return;
  }
  if (last?.event !== "run.error") {
    await transaction.runEvents.append([
      {
        runId: run.id,
        id: (last?.id ?? 0) + 1,
        event: "run.error",
        data: { code: "interrupted", message: INTERRUPTED_MESSAGE, retryable: true, model: run.model },
      },
    ]);
  }
  const error =
    last?.event === "run.error" ? last.data : { code: "interrupted", message: INTERRUPTED_MESSAGE };
  const interrupted = error.code === "interrupted";
  await transaction.messages.update(run.assistantMessageId, {
    content: text,
    status: interrupted ? "interrupted" : "incomplete",
    error: { code: error.code, message: error.message },
    ...(citations.length > 0 && { citations }),
    ...(toolCalls.length > 0 && { toolCalls }),
    updatedAt: endedAt,
  });
  await transaction.runs.update(run.id, { status: interrupted ? "interrupted" : "failed", endedAt });
}
