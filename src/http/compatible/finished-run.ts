/**
 * What the compatible APIs wait for before they answer: a run's end and outcome for a response that is not streamed;
 * for one that is, its first answer, so that a run failing before any text is a real HTTP error.
 */
import type { FinishReason, RunEventDataMap, Usage } from "../../core/run-event.js";
import type { ToolCall } from "../../core/tool-call.js";
import type { LiveRun } from "../../runs/live-run.js";

/**
 * How long a streamed response waits for its run's first answer before it sends its headers anyway: longer than a
 * remote model usually takes to begin, retries and failover included, and far inside the minute that clients and
 * proxies commonly wait for headers.
 */
export const FIRST_ANSWER_WAIT_MS = 10_000;

export type FinishedRun =
  | { ok: true; text: string; toolCalls: ToolCall[]; finishReason: FinishReason; usage: Usage }
  | { ok: false; text: string; error: RunEventDataMap["run.error"] };

export async function finishedRun(live: LiveRun, signal: AbortSignal): Promise<FinishedRun> {
  let outcome: FinishedRun | undefined;
  for await (const event of live.read(0, signal)) {
    if (event.event === "run.end") {
      outcome = {
        ok: true,
        text: live.text,
        toolCalls: live.toolCalls,
        finishReason: event.data.finishReason,
        usage: event.data.usage,
      };
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

/**
 * Resolves once the model's server has taken the request, or the run has more to say than its start (its first
 * text, its end or its error), or after `maxWaitMs`, or when `signal` aborts: with the error, if the run failed
 * before any of that. A streamed response commits to 200 with its first byte; waiting for this makes an upstream
 * that refused the request, or a model that cannot answer now, a status the client and its SDK act on (retry a 503,
 * raise a 400) rather than a 200 with an error inside. It waits for the server's answer, not the first token, so
 * that the stream's headers still go out long before its first text (a client reads them off the critical path).
 */
export function failureBeforeAnswer(
  live: LiveRun,
  signal: AbortSignal,
  maxWaitMs: number,
): Promise<RunEventDataMap["run.error"] | undefined> {
  // Usual for a stored exchange: its rows are written once the server has taken the request, before it is handed over.
  if (live.answering) return Promise.resolve(undefined);
  const answered = new AbortController();
  const stop = () => answered.abort();
  signal.addEventListener("abort", stop, { once: true });
  const timer = setTimeout(stop, maxWaitMs);
  const cancelAnswering = live.onAnswering(stop);
  let failure: RunEventDataMap["run.error"] | undefined;
  return live
    .follow(
      0,
      (event) => {
        if (event.event === "run.start") return undefined;
        if (event.event === "run.error") failure = event.data;
        answered.abort();
        return undefined;
      },
      answered.signal,
    )
    .then(() => {
      clearTimeout(timer);
      cancelAnswering();
      signal.removeEventListener("abort", stop);
      return failure;
    });
}

type ClientResponse = NodeJS.EventEmitter & { writableFinished: boolean };

/**
 * A client that leaves a compatible-API request ends its run: nobody can come back for it there (but for a
 * background response, see whenClientLeaves).
 */
export function stopRunWhenClientLeaves(live: LiveRun, response: ClientResponse) {
  return whenClientLeaves(response, () => live.requestEnd("stopped"));
}

/** Aborted when the client goes away before its response has been sent whole, after `onLeave` is called. */
export function whenClientLeaves(response: ClientResponse, onLeave?: () => void): AbortSignal {
  const leave = new AbortController();
  response.on("close", () => {
    if (response.writableFinished) return;
    onLeave?.();
    leave.abort();
  });
  return leave.signal;
}
