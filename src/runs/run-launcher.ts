/** Launches runs and writes them down, and keeps the runs live on this server until they are fully written. */
import { newId } from "../core/ids.js";
import type { Message } from "../core/message.js";
import { newMessage } from "../core/new-message.js";
import type { ParleyStore, StoredRunEvent } from "../core/parley-store.js";
import type { Run } from "../core/run.js";
import { type WriteBatchExecutor, writeCommand } from "../core/write-command.js";
import { BatchedWrites } from "./batched-writes.js";
import { EventLog } from "./event-log.js";
import { executeRun } from "./execute-run.js";
import { LiveRun } from "./live-run.js";
import type { ModelCatalog } from "./model-catalog.js";
import type { RedisEventStream } from "./redis-event-stream.js";
import type { RunMetrics } from "./run-metrics.js";
import type { RunPersistence, RunPlan } from "./run-plan.js";
import type { TokenCounter } from "./token-counter.js";

export type RunLauncherConfig = {
  store: ParleyStore;
  catalog: ModelCatalog;
  metrics: RunMetrics;
  tokens: TokenCounter;
  eventLogFlushMs: number;
  maxOutputTokens: number;
  /** The instance the runs are recorded as written by. */
  instanceId: string;
  /** Where batches of writes are written; on `store` without it. */
  writeBatches?: WriteBatchExecutor;
  /** Where stored runs' events also go, for other servers to follow; none without Redis. */
  sharedEvents?: RedisEventStream;
  onError: (error: unknown, context: string) => void;
};

/**
 * The longest a new run's rows wait for its upstream to begin answering before they are written anyway. The
 * request that started the run waits for them, so this bounds what an upstream slow to answer adds to it.
 */
const WRITE_DELAY_LIMIT_MS = 20;

export class RunLauncher {
  readonly #config: RunLauncherConfig;
  readonly #live = new Map<string, LiveRun>();
  readonly #finished = new Map<string, Promise<void>>();
  readonly #eventLog: EventLog;
  readonly #writes: BatchedWrites;

  constructor(config: RunLauncherConfig) {
    this.#config = config;
    this.#writes = new BatchedWrites(config.store, {
      ...(config.writeBatches && { execute: config.writeBatches }),
    });
    this.#eventLog = new EventLog({
      writes: this.#writes,
      flushMs: config.eventLogFlushMs,
      onError: (error) => config.onError(error, "writing the event log"),
    });
  }

  /** Runs still generating; one whose end was announced and is only being written down no longer counts. */
  get activeRuns(): number {
    let active = 0;
    for (const live of this.#live.values()) if (!live.ended) active++;
    return active;
  }

  /** The live run, if it is still going or has not yet been fully written down. */
  live(runId: string): LiveRun | undefined {
    return this.#live.get(runId);
  }

  /** Settles once the live run has ended and been written down; undefined if it is not live here. */
  finished(runId: string): Promise<void> | undefined {
    return this.#finished.get(runId);
  }

  /** Settles once every run live now has ended and been written down. */
  async allFinished(): Promise<void> {
    await Promise.all(this.#finished.values());
  }

  /** Stops every live run of the user; settles once each has ended and been written down. */
  async stopAllOf(userId: string): Promise<void> {
    const stopping: Promise<void>[] = [];
    for (const live of this.#live.values()) {
      if (live.record.userId !== userId) continue;
      live.requestEnd("stopped");
      const finished = this.#finished.get(live.id);
      if (finished) stopping.push(finished);
    }
    await Promise.all(stopping);
  }

  /** Ends every live run as interrupted (the server is going away). */
  interruptAll(): void {
    for (const run of this.#live.values()) run.requestEnd("interrupted");
  }

  /** Starts the run; resolves once its rows are written (at once for an exchange not stored). */
  async begin(plan: RunPlan): Promise<LiveRun> {
    const { catalog } = this.#config;
    const now = Date.now();
    const run: Run = {
      id: newId("run"),
      userId: plan.userId,
      conversationId: plan.conversationId,
      userMessageId: plan.userMessageId,
      assistantMessageId: newId("msg"),
      model: plan.entry.info.id,
      status: "running",
      createdAt: now,
      endedAt: null,
    };

    const eventLog = plan.persist ? this.#eventLog : undefined;
    // Events of a run wait here until its rows exist, then go to the event log as they come.
    let waiting: StoredRunEvent[] | undefined = [];
    // A stored run's events also go to Redis at once, for other servers to follow; an unstored exchange stays here.
    const shared = plan.persist ? this.#config.sharedEvents : undefined;
    const live = new LiveRun(run, (event) => {
      shared?.append(run.id, event);
      if (waiting) waiting.push(event);
      else eventLog?.add(event);
    });
    this.#live.set(run.id, live);
    // The model is called first, and the run written down once the upstream has the request (its response
    // began, or WRITE_DELAY_LIMIT_MS passed): the database's work then delays neither the request nor, on a
    // busy machine, the upstream reading it, and storing the exchange adds nothing to the time to first token.
    const { persist } = plan;
    let upstreamAnswering: () => void = () => {};
    const written = persist
      ? new Promise<void>((resolve) => {
          const limit = setTimeout(resolve, WRITE_DELAY_LIMIT_MS);
          upstreamAnswering = () => {
            clearTimeout(limit);
            resolve();
          };
        })
          .then(() => this.#write(persist(), run, now))
          .then(() => {
            for (const event of waiting ?? []) eventLog?.add(event);
            waiting = undefined;
          })
      : undefined;
    if (!written) waiting = undefined;
    const finished = executeRun({
      live,
      entry: plan.entry,
      prompt: plan.prompt,
      call: { maxOutputTokens: this.#config.maxOutputTokens, ...plan.call },
      persistence: eventLog && written && { eventLog, written },
      writes: this.#writes,
      tokenCounter: this.#config.tokens,
      ...(plan.routing && { routing: plan.routing }),
      ...(plan.botId && { botId: plan.botId }),
      ...(plan.apiKeyId && { apiKeyId: plan.apiKeyId }),
      ...(plan.citations && { citations: plan.citations }),
      context: plan.context,
      catalog,
      metrics: this.#config.metrics,
      onResponseStart: () => {
        upstreamAnswering();
        live.markAnswering();
      },
    })
      .catch((error) => this.#config.onError(error, `finishing run ${run.id}`))
      .finally(() => {
        this.#live.delete(run.id);
        this.#finished.delete(run.id);
      });
    this.#finished.set(run.id, finished);
    if (written) {
      try {
        await written;
      } catch (error) {
        // Nothing was stored and no one follows the run yet: cancel the model call and report the failure.
        live.requestEnd("stopped");
        throw error;
      }
    }
    return live;
  }

  /** Stores what a run adds: the exchange's new messages (and conversation, files), the reply and the run. */
  async #write(persist: RunPersistence, run: Run, now: number): Promise<void> {
    const assistantMessage: Message = {
      ...newMessage(run.conversationId, run.userMessageId, "assistant", "", now),
      id: run.assistantMessageId,
      status: "streaming",
      model: run.model,
      runId: run.id,
    };
    // The request that started the run waits for these rows before its stream begins: never spaced.
    await this.#writes.write(
      [
        ...(persist.conversation ? [writeCommand("conversations", "create", persist.conversation)] : []),
        ...(persist.files ?? []).map(({ file, bytes }) => writeCommand("files", "create", file, bytes)),
        ...persist.messages.map((message) => writeCommand("messages", "create", message)),
        ...(persist.attachments ?? []).map(({ messageId, fileIds }) =>
          writeCommand("files", "attach", messageId, fileIds),
        ),
        writeCommand("messages", "create", assistantMessage),
        writeCommand("runs", "create", run, this.#config.instanceId),
        // A conversation made just now already says so; an older one is touched, and titled if it had none.
        ...(persist.conversation
          ? []
          : [
              writeCommand("conversations", "update", run.conversationId, {
                updatedAt: now,
                ...(persist.title !== undefined && { title: persist.title }),
              }),
            ]),
      ],
      { promptly: true },
    );
  }
}
