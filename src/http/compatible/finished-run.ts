/** Waits for a run to end and sums up its outcome, for responses that are not streamed. */
import type { FinishReason, RunEventDataMap, Usage } from "../../core/run-event.js";
import type { LiveRun } from "../../runs/live-run.js";

export type FinishedRun =
  | { ok: true; text: string; finishReason: FinishReason; usage: Usage }
  | { ok: false; text: string; error: RunEventDataMap["run.error"] };

export async function finishedRun(live: LiveRun, signal: AbortSignal): Promise<FinishedRun> {
  let outcome: FinishedRun | undefined;
  for await (const event of live.read(0, signal)) {
    if (event.event === "run.end") {
      outcome = { ok: true, text: live.text, finishReason: event.data.finishReason, usage: event.data.usage };
    } else if (event.event === "run.error") {
      outcome = { ok: false, text: live.text, error: event.data };
    }
  }
  return (
    outcome ?? {
      ok: false,
      text: live.text,
      error: {
        code: "client_closed",
        message: "The client went away.",
        retryable: true,
        model: live.record.model,
      },
    }
  );
}

/** A client that leaves a compatible-API request ends its run: nobody can come back for it there. */
export function stopRunWhenClientLeaves(
  live: LiveRun,
  response: NodeJS.EventEmitter & { writableFinished: boolean },
) {
  const leave = new AbortController();
  response.on("close", () => {
    if (!response.writableFinished) {
      live.requestEnd("stopped");
      leave.abort();
    }
  });
  return leave.signal;
}
