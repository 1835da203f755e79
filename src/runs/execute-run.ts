/** Drives one run: calls the model, turns its stream into run events, and writes the outcome down. */
import { AppError, ProviderError } from "../core/app-error.js";
import type { CitationSources } from "../core/citation-check.js";
import type { MessagePatch } from "../core/message.js";
import type { FinishReason, RunEventDataMap, Timings, Usage } from "../core/run-event.js";
import { costOf } from "../core/usage-cost.js";
import { writeCommand } from "../core/write-command.js";
import type { ChatCallOptions, ChatPrompt, ChatStreamPart } from "../providers/chat-model.js";
import { streamInto } from "../providers/stream-into.js";
import type { BatchedWrites } from "./batched-writes.js";
import { CitationTracker } from "./citation-tracker.js";
import type { EventLog } from "./event-log.js";
import type { LiveRun } from "./live-run.js";
import type { CatalogEntry, ModelCatalog } from "./model-catalog.js";
import { INTERRUPTED_MESSAGE } from "./recover-run.js";
import type { RunMetrics, RunOutcome } from "./run-metrics.js";
import type { TokenCounter } from "./token-counter.js";

export type ExecuteRunConfig = {
  live: LiveRun;
  entry: CatalogEntry;
  prompt: ChatPrompt;
  call: Omit<ChatCallOptions, "prompt" | "signal">;
  /**
   * Where the run's events and outcome are written; absent for an exchange that is not stored. `written`
   * settles once the run's own rows are stored (they are written while the model starts), and rejects if
   * they could not be: then there is nothing to update.
   */
  persistence: { eventLog: EventLog; written: Promise<void> } | undefined;
  /** Where the run's usage is charged (for every run, stored or not) and its outcome written. */
  writes: BatchedWrites;
  catalog: ModelCatalog;
  metrics: RunMetrics;
  tokenCounter: TokenCounter;
  routing?: RunEventDataMap["run.start"]["routing"];
  /** The bot the reply speaks as, announced in `run.start`. */
  botId?: string;
  /** The API key the run was asked for with: its usage also counts toward the key's own quota. */
  apiKeyId?: string;
  /** What the reply may cite from its bot's knowledge; its marks become checked `citation` events. */
  citations?: CitationSources;
  context: RunEventDataMap["run.start"]["context"];
  /** Called once the upstream has begun to answer (see ChatCallOptions.onResponseStart). */
  onResponseStart?: () => void;
};

type Outcome =
  | { kind: "end"; finishReason: FinishReason }
  | { kind: "error"; code: string; message: string; retryable: boolean };

export async function executeRun(config: ExecuteRunConfig): Promise<void> {
  const { live, entry, prompt } = config;
  const startedAt = performance.now();
  let firstTokenAt: number | undefined;
  let lastTokenAt: number | undefined;
  let deltas = 0;
  let toolCalls = 0;
  let usage: Usage | undefined;
  let outcome: Outcome | undefined;
  const citations = config.citations && new CitationTracker(config.citations);
  const interTokenGap = config.metrics.interTokenGaps(entry.info.id);
  let started = false;
  /**
   * The run's first event. It is pushed once the model has been called (the request is on its way upstream), or
   * before the model's first part if that comes sooner: nothing a reader sees needs it earlier, and what the time
   * to first token waits for is the upstream.
   */
  const start = () => {
    if (started) return;
    started = true;
    live.push("run.start", {
      runId: live.id,
      conversationId: live.record.conversationId,
      userMessageId: live.record.userMessageId,
      assistantMessageId: live.record.assistantMessageId,
      model: entry.info.id,
      ...(config.botId && { botId: config.botId }),
      ...(config.routing && { routing: config.routing }),
      ...(config.context && { context: config.context }),
    });
  };

  // The model that answered: the requested one, unless failover continued on a fallback.
  let answeredBy = entry.info;
  /** What the run itself threw while taking a part: a defect, which ends the run as failed, not the model's fault. */
  let failure: { error: unknown } | undefined;
  const take = (part: ChatStreamPart) => {
    if (failure) return;
    try {
      start();
      if (part.type === "model.start") {
        answeredBy = config.catalog.info(part.candidateId) ?? answeredBy;
      } else if (part.type === "text.delta") {
        // (The run's own field, not its signal's `aborted`: this is read for every token.)
        if (live.endRequest) return;
        const now = performance.now();
        if (lastTokenAt !== undefined) interTokenGap((now - lastTokenAt) / 1000);
        firstTokenAt ??= now;
        lastTokenAt = now;
        deltas++;
        live.push("text.delta", { text: part.text });
        for (const citation of citations?.push(part.text) ?? []) live.push("citation", citation);
      } else if (part.type === "tool_call.start") {
        if (live.endRequest) return;
        firstTokenAt ??= performance.now();
        toolCalls++;
        live.push("tool_call.start", { index: part.index, id: part.id, name: part.name });
      } else if (part.type === "tool_call.delta") {
        if (live.endRequest) return;
        live.push("tool_call.delta", { index: part.index, arguments: part.arguments });
      } else if (part.type === "thinking.delta") {
        if (live.endRequest) return;
        live.push("thinking.delta", { thinking: part.thinking });
      } else if (part.type === "thinking.signature") {
        if (live.endRequest) return;
        live.push("thinking.signature", { signature: part.signature });
      } else if (part.type === "thinking.redacted") {
        if (live.endRequest) return;
        live.push("thinking.redacted", { data: part.data });
      } else if (part.type === "usage") {
        usage = {
          inputTokens: part.inputTokens,
          outputTokens: part.outputTokens,
          ...(part.cachedInputTokens !== undefined && { cachedInputTokens: part.cachedInputTokens }),
          ...(part.cacheWriteInputTokens !== undefined && {
            cacheWriteInputTokens: part.cacheWriteInputTokens,
          }),
          ...(part.cacheWriteHourInputTokens !== undefined && {
            cacheWriteHourInputTokens: part.cacheWriteHourInputTokens,
          }),
        };
        // The reported input describes this prompt only when the catalog's own model took it whole: not a
        // fallback's, nor a wrapper's that sent it in parts (a long article, section by section).
        // Nor when it also holds the tools' definitions, which the prompt's count leaves out.
        if (
          !config.call.tools?.length &&
          answeredBy.id === entry.info.id &&
          config.catalog.entry(entry.info.id)?.chatModel === entry.chatModel
        )
          config.tokenCounter.calibrate(entry.info.id, prompt, part.inputTokens);
      } else if (part.type === "finish") {
        outcome = { kind: "end", finishReason: part.reason };
      } else if (part.type === "error") {
        outcome = errorOutcome(part.error);
      }
    } catch (error) {
      failure = { error };
    }
  };
  try {
    const options = { ...config.call, prompt, signal: live.signal, onResponseStart: config.onResponseStart };
    const streamed = streamInto(entry.chatModel, options, take);
    start();
    await streamed;
  } catch (error) {
    // Providers report failures as parts; a throw here is a defect, but the run must still end cleanly.
    failure ??= { error };
  }
  if (failure) outcome = errorOutcome(failure.error);

  // An early end asked for by a user or by shutdown wins over whatever the aborted stream said.
  if (live.endRequest === "stopped") outcome = { kind: "end", finishReason: "stopped" };
  if (live.endRequest === "interrupted") outcome = interruptedOutcome();
  outcome ??= errorOutcome(
    new ProviderError("The model's stream ended without saying how.", { isRetryable: true }),
  );

  // Without a report from the model (a stopped or cut stream), each streamed delta is about one token.
  const counted = usage ?? { inputTokens: 0, outputTokens: deltas };
  const finalUsage: Usage = { ...counted, costUsd: costOf(counted, answeredBy.pricing) };
  const timings: Timings = {
    ttftMs: firstTokenAt === undefined ? null : round(firstTokenAt - startedAt),
    tokensPerSecond:
      firstTokenAt !== undefined &&
      lastTokenAt !== undefined &&
      lastTokenAt > firstTokenAt &&
      finalUsage.outputTokens > 1
        ? round(((finalUsage.outputTokens - 1) * 1000) / (lastTokenAt - firstTokenAt))
        : null,
  };

  let messagePatch: MessagePatch;
  let runStatus: RunOutcome;
  let announce: () => void;
  const endedAt = Date.now();
  if (outcome.kind === "end") {
    const { finishReason } = outcome;
    announce = () => {
      live.push("usage", finalUsage);
      live.push("run.end", {
        finishReason,
        usage: finalUsage,
        timings,
        model: answeredBy.id,
        ...(citations && { citations: citations.counts }),
      });
    };
    messagePatch = { status: finishReason === "stopped" ? "stopped" : "complete", finishReason };
    runStatus = finishReason === "stopped" ? "stopped" : "completed";
    if (finishReason !== "stopped") config.catalog.recordSpeed(answeredBy.id, timings);
  } else {
    const { code, message, retryable } = outcome;
    announce = () => live.push("run.error", { code, message, retryable, model: answeredBy.id });
    const interrupted = code === "interrupted";
    messagePatch = { status: interrupted ? "interrupted" : "incomplete", error: { code, message } };
    runStatus = interrupted ? "interrupted" : "failed";
  }

  config.metrics.runEnded({
    model: answeredBy.id,
    outcome: runStatus,
    ttftMs: timings.ttftMs,
    inputTokens: finalUsage.inputTokens,
    outputTokens: finalUsage.outputTokens,
    cacheReadTokens: finalUsage.cachedInputTokens ?? 0,
    cacheWriteTokens: finalUsage.cacheWriteInputTokens ?? 0,
    costUsd: finalUsage.costUsd ?? 0,
  });

  const { writes, persistence } = config;
  // What the reply used counts against its user's quota whether or not the exchange is stored, and stays
  // counted if its conversation is deleted.
  const charged = writes.write([
    writeCommand("usage", "record", {
      userId: live.record.userId,
      ...(config.apiKeyId && { apiKeyId: config.apiKeyId }),
      model: answeredBy.id,
      at: endedAt,
      inputTokens: finalUsage.inputTokens,
      outputTokens: finalUsage.outputTokens,
      cacheReadTokens: finalUsage.cachedInputTokens ?? 0,
      // The five-minute and hour-long writes together (cacheWriteHourInputTokens is a part of them).
      cacheWriteTokens: finalUsage.cacheWriteInputTokens ?? 0,
      costUsd: finalUsage.costUsd ?? 0,
    }),
  ]);
  // The reply is written down as finished (and charged) before its readers hear that it is: a client that asks
  // for the conversation, or sends the next request, the moment the stream ends finds the whole reply counted.
  const writing = [charged];
  if (persistence && (await settled(persistence.written))) {
    // Its last events go in the same commit.
    const lastEvents = persistence.eventLog.take(live.id);
    writing.push(
      writes.write([
        writeCommand("runEvents", "append", lastEvents),
        writeCommand("messages", "update", live.record.assistantMessageId, {
          ...messagePatch,
          content: live.text,
          model: answeredBy.id,
          usage: finalUsage,
          timings,
          // Kept with the message (also for a stopped or cut reply): a reload shows them without replaying the run.
          ...(citations && { citations: citations.accepted }),
          ...(toolCalls > 0 && { toolCalls: live.toolCalls }),
          updatedAt: endedAt,
        }),
        // Only while it is still running: if other instances took this server for dead and recovered the run
        // (it was paused), their outcome stands, and this write is undone whole.
        {
          ...writeCommand("runs", "end", live.id, { status: runStatus, endedAt }),
          expect: {
            result: true,
            conflict: `Run ${live.id} was already ended by another server's recovery.`,
          },
        },
      ]),
    );
  }
  const outcomes = await Promise.allSettled(writing);
  const failed = outcomes.find((outcome) => outcome.status === "rejected");
  // A failed write stored no outcome of this server's (another server's recovery may have): none is claimed here.
  if (!failed) live.recordOutcome({ status: runStatus, endedAt });
  announce();
  if (persistence) await persistence.eventLog.flushRun(live.id);
  if (failed) throw failed.reason;
}

/** True once the promise resolved, false if it rejected. */
function settled(promise: Promise<void>): Promise<boolean> {
  return promise.then(
    () => true,
    () => false,
  );
}

function errorOutcome(error: unknown): Outcome {
  if (error instanceof ProviderError) {
    return { kind: "error", code: error.code, message: error.message, retryable: error.isRetryable };
  }
  if (error instanceof AppError)
    return { kind: "error", code: error.code, message: error.message, retryable: false };
  const message = error instanceof Error ? error.message : String(error);
  return { kind: "error", code: "internal", message: `The reply failed: ${message}`, retryable: true };
}

function interruptedOutcome(): Outcome {
  return { kind: "error", code: "interrupted", message: INTERRUPTED_MESSAGE, retryable: true };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
