/** Ends a run that a crashed or killed server left in flight, from what its event log kept. */
import type { Citation } from "../core/citation-check.js";
import type { ParleyStore } from "../core/parley-store.js";
import type { Run } from "../core/run.js";

export const INTERRUPTED_MESSAGE =
  "Parley stopped while this reply was being written; the text so far is kept.";

export async function recoverRun(store: ParleyStore, run: Run): Promise<void> {
  const events = await store.runEvents.listAfter(run.id, 0);
  let text = "";
  const citations: Citation[] = [];
  for (const event of events) {
    if (event.event === "text.delta") text += event.data.text;
    else if (event.event === "citation") citations.push(event.data);
  }
  const last = events.at(-1);
  const endedAt = Date.now();

  await store.transaction(async (transaction) => {
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
      updatedAt: endedAt,
    });
    await transaction.runs.update(run.id, { status: interrupted ? "interrupted" : "failed", endedAt });
  });
}
