/** Starts, follows, stops and recovers runs: the server-owned life of every assistant reply. */
import type { BotReplies, BotTurn, RequestedModel } from "../bots/bot-replies.js";
import { AppError, BadRequestError, ModelUnavailableError, NotFoundError } from "../core/app-error.js";
import type { BotVersion } from "../core/bot.js";
import type { CitationSources } from "../core/citation-check.js";
import type { Conversation } from "../core/conversation.js";
import { newId } from "../core/ids.js";
import type { Message } from "../core/message.js";
import { threadTo } from "../core/message-thread.js";
import type { ParleyStore, StoredFile } from "../core/parley-store.js";
import { chooseModel, type Tier } from "../core/routing-policy.js";
import type { OwnedRun, Run } from "../core/run.js";
import { isTerminalEvent, type RunEvent } from "../core/run-event.js";
import { FileService } from "../files/file-service.js";
import { hasImages, withoutImages } from "../files/prompt-images.js";
import type { ChatCallOptions, ChatPrompt, ChatPromptMessage } from "../providers/chat-model.js";
import { BatchedWrites } from "./batched-writes.js";
import { EventLog } from "./event-log.js";
import { executeRun } from "./execute-run.js";
import { fitPrompt } from "./fit-prompt.js";
import { InstanceHeartbeat } from "./instance-heartbeat.js";
import { LiveRun } from "./live-run.js";
import { isRunningHere, localInstance } from "./local-process.js";
import { type CatalogEntry, type ModelCatalog, NO_MODEL_HINT } from "./model-catalog.js";
import { PeriodicTask } from "./periodic-task.js";
import { recoverRun } from "./recover-run.js";
import type { RedisConnection } from "./redis-connection.js";
import type { RedisEventStream } from "./redis-event-stream.js";
import { followRunElsewhere } from "./redis-run-follower.js";
import type { RedisRunStops } from "./redis-run-stops.js";
import type { RunMetrics } from "./run-metrics.js";
import { TokenCounter } from "./token-counter.js";

export type RunServiceConfig = {
  store: ParleyStore;
  catalog: ModelCatalog;
  metrics: RunMetrics;
  eventLogFlushMs: number;
  maxOutputTokens: number;
  onError: (error: unknown, context: string) => void;
  /** Bots: their instructions, defaults and tools in the replies of their conversations; none without it. */
  bots?: BotReplies;
  /** This server process among those sharing the database. */
  instance: RunInstanceConfig;
  /**
   * Redis shared with the other servers: live runs' events go to it as well, so that a run can be followed,
   * resumed and stopped from any server. Without it, only from the one writing it.
   */
  redis?: SharedRunsConfig;
};

export type SharedRunsConfig = {
  connection: RedisConnection;
  events: RedisEventStream;
  stops: RedisRunStops;
};

/**
 * How a server owns the runs it writes, and recovers those of servers that died: each run records the instance
 * that writes it, each instance beats in the database while it lives, and a run whose instance stopped beating
 * (or died on this machine, or left no trace) is ended as interrupted by whichever live instance sees it first.
 */
export type RunInstanceConfig = {
  /**
   * New at each start (newId("inst")): a restarted server is another instance, its earlier life a dead one
   * whose runs it recovers like any other's.
   */
  id: string;
  heartbeatMs: number;
  /** How long an instance may go without a heartbeat before its runs are recovered: a few heartbeats. */
  staleAfterMs: number;
  /** How often to look for runs to recover, besides at start. */
  recoveryIntervalMs: number;
  /** Told of the runs this instance ended for dead ones. */
  onRecovered?: (runs: OwnedRun[]) => void;
};

export type StartReplyOptions = {
  userId: string;
  conversationId: string;
  /** The new user message. */
  content: string;
  /** Ids of the user's uploaded files the message carries (images it shows the model). */
  attachments?: readonly string[];
  /**
   * Where the user message hangs in the tree: defaults to the newest message of the conversation; null makes
   * it a new root, a sibling of the first message (an edit of the first message).
   */
  parentId?: string | null;
  /** A catalog id, or `auto` to let the routing policy choose. */
  model?: string;
  /** With `auto` (or no model): the lowest tier to consider. */
  tier?: Tier;
};

export type StartExchangeOptions = {
  userId: string;
  messages: ChatPrompt;
  model?: string;
  call: RunCallOptions;
  /** False answers without writing the exchange down. */
  store: boolean;
};

/** Per-request settings of the model call; anything unset takes the model's and Parley's defaults. */
export type RunCallOptions = Pick<
  ChatCallOptions,
  "maxOutputTokens" | "temperature" | "topP" | "stopSequences" | "seed"
>;

/** Everything a run needs to start, and what to write down with it (nothing for an unstored exchange). */
type RunPlan = {
  userId: string;
  conversationId: string;
  userMessageId: string;
  prompt: ChatPrompt;
  entry: CatalogEntry;
  routing?: { requested: string; reason: string };
  context: { promptTokens: number; trimmedMessages: number };
  call: RunCallOptions;
  persist:
    | false
    | {
        conversation?: Conversation;
        messages: Message[];
        title?: string;
        /** Files sent inline (on the compatible APIs), kept like uploads so the stored exchange keeps its images. */
        files?: { file: StoredFile; bytes: Uint8Array }[];
        /** Which files each new message carries. */
        attachments?: { messageId: string; fileIds: string[] }[];
      };
  /** The bot the reply speaks as. */
  botId?: string;
  citations?: CitationSources;
};

export type RegenerateOptions = {
  userId: string;
  conversationId: string;
  /** An assistant message (the new reply becomes its sibling) or a user message (the reply becomes its child). */
  messageId: string;
  model?: string;
  tier?: Tier;
};

const TITLE_LENGTH = 80;
/** The longest a stop asked of another server waits for the run to end before it answers with the run as it is. */
const STOP_ELSEWHERE_WAIT_MS = 30_000;
/**
 * The longest a new run's rows wait for its upstream to begin answering before they are written anyway. The
 * request that started the run waits for them, so this bounds what an upstream slow to answer adds to it.
 */
const WRITE_DELAY_LIMIT_MS = 20;

export class RunService {
  readonly #config: RunServiceConfig;
  readonly #live = new Map<string, LiveRun>();
  readonly #tokens = new TokenCounter();
  readonly #eventLog: EventLog;
  readonly #writes: BatchedWrites;
  readonly #files: FileService;

  readonly #finished = new Map<string, Promise<void>>();
  #closing = false;
  readonly #heartbeat: InstanceHeartbeat;
  readonly #recovery: PeriodicTask;

  constructor(config: RunServiceConfig) {
    this.#config = config;
    this.#heartbeat = new InstanceHeartbeat({
      store: config.store,
      instance: localInstance(config.instance.id),
      intervalMs: config.instance.heartbeatMs,
      onError: (error) => config.onError(error, "recording this instance's heartbeat"),
    });
    this.#recovery = new PeriodicTask({
      intervalMs: config.instance.recoveryIntervalMs,
      task: async () => {
        await this.recoverInterrupted();
      },
      onError: (error) => config.onError(error, "recovering runs of dead instances"),
    });
    this.#files = new FileService({ store: config.store });
    this.#writes = new BatchedWrites(config.store);
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

  /**
   * Records this instance and starts its heartbeat, ends the runs dead instances left in flight, and goes on
   * looking for such runs while it serves. Returns how many it ended now. Call once, before taking requests.
   */
  async start(): Promise<number> {
    await this.#heartbeat.start();
    // Stops asked of other servers for the runs this one writes.
    await this.#config.redis?.stops.listen((runId) => this.#live.get(runId)?.requestEnd("stopped"));
    const recovered = await this.recoverInterrupted();
    this.#recovery.start();
    return recovered;
  }

  /**
   * Ends as `interrupted`, keeping the text their event log holds, the runs that servers which died (a crash,
   * SIGKILL, a lost machine) left in flight; the replies live instances are writing are left alone. Returns how
   * many this instance ended: of several instances looking at once, each run is ended by one.
   */
  async recoverInterrupted(): Promise<number> {
    const { store, instance } = this.#config;
    // An instance of this machine whose process is gone is known dead without waiting for its heartbeat to go
    // stale (a server restarted after a crash; the one server of a SQLite file): forgotten, its runs are orphans.
    for (const other of await store.instances.list()) {
      if (other.id !== instance.id && isRunningHere(other) === false) await store.instances.remove(other.id);
    }
    const recovered: OwnedRun[] = [];
    for (const run of await store.runs.listOrphaned(instance.staleAfterMs)) {
      // Never this instance's own: they are live here, even if its heartbeat lagged behind a slow database.
      if (run.instanceId === instance.id) continue;
      try {
        if (await recoverRun(store, run, instance.id)) recovered.push(run);
      } catch (error) {
        // The others are still recovered; this one is tried again at the next look.
        this.#config.onError(error, `recovering run ${run.id}`);
      }
    }
    await store.instances.removeStale(instance.staleAfterMs);
    if (recovered.length > 0) instance.onRecovered?.(recovered);
    return recovered.length;
  }

  /** Stores the user's message and starts the assistant's reply to it. */
  async startReply(options: StartReplyOptions): Promise<LiveRun> {
    const { store } = this.#config;
    this.#assertOpen();
    const conversation = await this.#ownConversation(options.userId, options.conversationId);
    const messages = await store.messages.listByConversation(conversation.id);
    const parentId = this.#parentFor(messages, conversation.id, options.parentId);
    const attached = await this.#files.attachable(options.userId, options.attachments ?? []);
    const userMessage = newMessage(conversation.id, parentId, "user", options.content, Date.now());
    const bot = await this.#config.bots?.forConversation(conversation, options.userId);
    const prompt = await this.#promptFor(
      conversation.id,
      [...messages, userMessage],
      userMessage.id,
      attached,
    );
    const turn = await this.#botTurn(bot, options, prompt, {});
    return this.#begin({
      userId: options.userId,
      conversationId: conversation.id,
      userMessageId: userMessage.id,
      ...(await this.#route(turn.requested, turn.prompt, turn.call, turn.sectioned)),
      call: turn.call,
      persist: {
        messages: [userMessage],
        ...(conversation.title === "" && {
          title: titleFrom(userMessage.content || attached.map((file) => file.name).join(", ")),
        }),
        attachments: [{ messageId: userMessage.id, fileIds: attached.map((file) => file.id) }],
      },
      ...(bot && { botId: bot.botId }),
      ...(turn.citations && { citations: turn.citations }),
    });
  }

  /** Writes a new reply to the same user message: a sibling branch of an earlier answer. */
  async regenerate(options: RegenerateOptions): Promise<LiveRun> {
    const { store, catalog } = this.#config;
    this.#assertOpen();
    const conversation = await this.#ownConversation(options.userId, options.conversationId);
    const messages = await store.messages.listByConversation(conversation.id);
    const target = messages.find((message) => message.id === options.messageId);
    if (!target) throw new NotFoundError("Message", options.messageId);
    const userMessage =
      target.role === "user"
        ? target
        : messages.find((message) => message.id === target.parentId && message.role === "user");
    if (!userMessage) {
      throw new BadRequestError(
        `Message ${options.messageId} does not answer a user message, so there is nothing to regenerate.`,
      );
    }
    // By default the same model answers again, while the catalog still has it.
    const model = options.model ?? (target.model && catalog.has(target.model) ? target.model : undefined);
    const bot = await this.#config.bots?.forConversation(conversation, options.userId);
    const requested = { ...(model !== undefined && { model }), ...(options.tier && { tier: options.tier }) };
    const turn = await this.#botTurn(
      bot,
      requested,
      await this.#promptFor(conversation.id, messages, userMessage.id),
      {},
    );
    return this.#begin({
      userId: options.userId,
      conversationId: conversation.id,
      userMessageId: userMessage.id,
      ...(await this.#route(turn.requested, turn.prompt, turn.call, turn.sectioned)),
      call: turn.call,
      persist: { messages: [] },
      ...(bot && { botId: bot.botId }),
      ...(turn.citations && { citations: turn.citations }),
    });
  }

  /**
   * Answers a whole exchange sent at once, as the OpenAI and Anthropic APIs do: the messages become a new
   * conversation (unless `store` is false) and the reply to the last one is a run like any other.
   */
  async startExchange(options: StartExchangeOptions): Promise<LiveRun> {
    this.#assertOpen();
    const last = options.messages.at(-1);
    if (last?.role !== "user") {
      throw new BadRequestError("The last message must be a user message for Parley to answer it.", {
        code: "invalid_messages",
      });
    }
    // A model named `bot:<slug>` is that bot answering with its own model.
    const bot = await this.#config.bots?.forModel(options.model, options.userId);
    const now = Date.now();
    const conversation: Conversation = {
      id: newId("conv"),
      userId: options.userId,
      title: titleFrom(last.content || (last.images?.length ? "Image" : "")),
      botId: bot?.botId ?? null,
      botVersion: bot?.version ?? null,
      createdAt: now,
      updatedAt: now,
    };
    const chain: Message[] = [];
    const files: { file: StoredFile; bytes: Uint8Array }[] = [];
    const attachments: { messageId: string; fileIds: string[] }[] = [];
    for (const message of options.messages) {
      const parentId = chain.at(-1)?.id ?? null;
      const stored = newMessage(conversation.id, parentId, message.role, message.content, now);
      chain.push(stored);
      const inline = inlineFiles(options.userId, message, now);
      files.push(...inline);
      if (inline.length > 0) {
        attachments.push({ messageId: stored.id, fileIds: inline.map(({ file }) => file.id) });
      }
    }
    const userMessage = chain.at(-1) as Message;
    const turn = await this.#botTurn(bot, bot ? {} : options, options.messages, options.call);
    return this.#begin({
      userId: options.userId,
      conversationId: conversation.id,
      userMessageId: userMessage.id,
      ...(await this.#route(turn.requested, turn.prompt, turn.call, turn.sectioned)),
      call: turn.call,
      persist: options.store ? { conversation, messages: chain, files, attachments } : false,
      ...(bot && { botId: bot.botId }),
      ...(turn.citations && { citations: turn.citations }),
    });
  }

  /** The live run, if it is still going or has not yet been fully written down. */
  live(runId: string): LiveRun | undefined {
    return this.#live.get(runId);
  }

  /** The run, if it is the user's; someone else's run is "not found", so its existence is not confirmed. */
  async getRun(runId: string, userId: string): Promise<Run> {
    const run = this.#live.get(runId)?.record ?? (await this.#config.store.runs.get(runId));
    if (!run || run.userId !== userId) throw new NotFoundError("Run", runId);
    return run;
  }

  /**
   * The run's events after `afterId`: replayed from memory or the event log, then followed live until the run
   * ends. Null when nothing is left to send.
   */
  async readEvents(
    runId: string,
    afterId: number,
    userId: string,
    signal?: AbortSignal,
  ): Promise<AsyncIterable<RunEvent> | Iterable<RunEvent> | null> {
    const run = await this.getRun(runId, userId);
    const live = this.#live.get(runId);
    if (live) {
      this.#assertWithin(afterId, live.lastEventId, live.ended);
      return afterId === live.lastEventId && live.ended ? null : live.read(afterId, signal);
    }
    const lastId = await this.#config.store.runEvents.lastId(runId);
    const { redis } = this.#config;
    if (redis) {
      const elsewhere = await this.#readElsewhere(redis, run, afterId, lastId, signal);
      if (elsewhere !== undefined) return elsewhere;
    }
    this.#assertWithin(afterId, lastId, true);
    if (afterId === lastId) return null;
    return this.#config.store.runEvents.listAfter(runId, afterId);
  }

  async stop(runId: string, userId: string): Promise<Run> {
    const run = await this.getRun(runId, userId);
    const live = this.#live.get(runId);
    if (live) {
      live.requestEnd("stopped");
      await this.#finished.get(runId);
    } else if (this.#config.redis && run.status === "running") {
      await this.#stopElsewhere(this.#config.redis, run);
    }
    return this.getRun(runId, userId);
  }

  /**
   * A run another server writes (running in the database), or one it has just ended whose last events are on Redis
   * before they are in the database: followed from both. Undefined when the database's log alone has it all.
   */
  async #readElsewhere(
    redis: SharedRunsConfig,
    run: Run,
    afterId: number,
    storedLastId: number,
    signal: AbortSignal | undefined,
  ): Promise<AsyncIterable<RunEvent> | null | undefined> {
    const running = run.status === "running";
    // Redis away: a running run is still followed, from the database's log.
    const newest = await redis.events.last(run.id).catch((error: unknown) => {
      this.#config.onError(error, `reading run ${run.id} from Redis`);
      return undefined;
    });
    const lastId = Math.max(storedLastId, newest?.id ?? 0);
    if (!running && lastId === storedLastId) return undefined;
    // Ended, and the log has its end: the log is the record. (Its writer died with events on Redis that never
    // reached the log, and recovery ended it after the last one that had.)
    if (!running && (await this.#storedEnd(run.id, storedLastId))) return undefined;
    this.#assertWithin(afterId, lastId, !running);
    if (afterId === lastId && newest && isTerminalEvent(newest)) return null;
    return followRunElsewhere({
      store: this.#config.store,
      events: redis.events,
      connection: redis.connection,
      runId: run.id,
      afterId,
      ...(signal && { signal }),
    });
  }

  /** Whether the run's stored log ends with its last event. */
  async #storedEnd(runId: string, storedLastId: number): Promise<boolean> {
    if (storedLastId === 0) return false;
    const [last] = await this.#config.store.runEvents.listAfter(runId, storedLastId - 1);
    return last !== undefined && isTerminalEvent(last);
  }

  /** Asks the server writing the run to stop it, and waits (a while) for its end, as a stop here does. */
  async #stopElsewhere(redis: SharedRunsConfig, run: Run): Promise<void> {
    const [storedLastId, newest] = await Promise.all([
      this.#config.store.runEvents.lastId(run.id),
      redis.events.last(run.id).catch(() => undefined),
    ]);
    if (newest && isTerminalEvent(newest)) return;
    try {
      await redis.stops.request(run.id);
    } catch (error) {
      throw new AppError(
        "stop_unavailable",
        "This reply is being written by another server, and the stop could not be passed on to it (Redis did not answer). Try again in a moment.",
        { status: 503, cause: error },
      );
    }
    // Its end is the stop done: the server writing it records the outcome before it sends the last event.
    const events = followRunElsewhere({
      store: this.#config.store,
      events: redis.events,
      connection: redis.connection,
      runId: run.id,
      afterId: Math.max(storedLastId, newest?.id ?? 0),
      signal: AbortSignal.timeout(STOP_ELSEWHERE_WAIT_MS),
    });
    for await (const _event of events) {
      // Only the end matters here.
    }
  }

  /** Takes no new runs, lets running ones finish within `graceMs`, then ends the rest as interrupted. */
  async shutdown(graceMs: number): Promise<void> {
    this.#closing = true;
    // A server on its way out takes on no other's runs; it keeps beating while its own still run.
    const recoveryStopped = this.#recovery.stop();
    const all = () => Promise.all(this.#finished.values());
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), graceMs);
    });
    const outcome = await Promise.race([all(), deadline]);
    clearTimeout(timer);
    if (outcome === "late") {
      for (const run of this.#live.values()) run.requestEnd("interrupted");
      await all();
    }
    try {
      await recoveryStopped;
      await this.#heartbeat.stop();
    } catch (error) {
      // Left in the table, the instance is taken for dead once its heartbeat is stale; shutting down goes on.
      this.#config.onError(error, "removing this instance from the database");
    }
  }

  async #ownConversation(userId: string, conversationId: string): Promise<Conversation> {
    const conversation = await this.#config.store.conversations.get(conversationId);
    if (!conversation || conversation.userId !== userId)
      throw new NotFoundError("Conversation", conversationId);
    return conversation;
  }

  /** The bot's part of a reply (bots/bot-replies.ts); settings the request gave win over the bot's defaults. */
  async #botTurn(
    bot: BotVersion | undefined,
    requested: RequestedModel,
    prompt: ChatPrompt,
    call: RunCallOptions,
  ): Promise<Omit<BotTurn, "call"> & { call: RunCallOptions }> {
    const bots = this.#config.bots;
    if (!bot || !bots) return { requested, prompt, call };
    const turn = await bots.turn(bot, prompt, requested);
    return { ...turn, call: { ...turn.call, ...call } };
  }

  #assertOpen(): void {
    if (this.#closing) throw new ModelUnavailableError("Parley is shutting down and takes no new replies.");
  }

  /**
   * Picks the model (the one asked for, or by policy for `auto` or a tier) and fits the prompt into its
   * context window, leaving out the oldest turns if it must; a prompt that cannot fit is refused here,
   * before anything is sent, rather than failing upstream.
   *
   * Images need a model that reads them: without a model asked for, the policy picks the cheapest that does; a
   * model asked for that cannot is refused when the new message has images, and is sent the conversation's
   * earlier images as a note that they were there.
   */
  async #route(
    requested: { model?: string; tier?: Tier },
    prompt: ChatPrompt,
    call: RunCallOptions,
    sectioned?: BotTurn["sectioned"],
  ): Promise<Pick<RunPlan, "entry" | "prompt" | "routing" | "context">> {
    if (sectioned) {
      // A long article is routed by one section's prompt, then answered section by section (bots/).
      const routed = await this.#route(requested, sectioned.routingPrompt, call);
      const { entry } = routed;
      const budget = {
        contextWindow: entry.info.contextWindow,
        countTokens: (p: ChatPrompt) => this.#tokens.count(entry, p),
      };
      return { ...routed, entry: { ...entry, chatModel: sectioned.wrap(entry.chatModel, budget) }, prompt };
    }
    const { catalog } = this.#config;
    const reserveFor = (window: number) =>
      call.maxOutputTokens ?? Math.min(this.#config.maxOutputTokens, Math.floor(window / 4));
    const needsImage = hasImages(prompt);
    const auto =
      requested.model === "auto" ||
      (requested.model === undefined && (requested.tier !== undefined || needsImage));
    let entry: CatalogEntry;
    let routing: RunPlan["routing"];
    if (auto) {
      const listed = catalog.list();
      if (listed.length === 0) throw new ModelUnavailableError(NO_MODEL_HINT);
      const candidates = await Promise.all(
        listed.map(async (model) => ({
          // With its live availability: the policy passes over a model whose breakers are open or engine is down.
          ...model,
          // A model that cannot see the images is out anyway; its tokenizer is not sent them.
          promptTokens:
            needsImage && !model.modalities.includes("image")
              ? 0
              : await this.#tokens.count(catalog.entry(model.id) as CatalogEntry, prompt),
        })),
      );
      const decision = chooseModel(candidates, {
        reserveTokens: Math.min(...candidates.map((candidate) => reserveFor(candidate.contextWindow))),
        needsImage,
        ...(requested.tier && { minimumTier: requested.tier }),
      });
      if (decision.modelId === null) {
        // Models that fit but cannot answer now: the request is fine and only needs to wait, so a 503 rather
        // than a request doomed to fail upstream (or a 400 telling the user to change what was right).
        if (decision.unavailable.length > 0) {
          throw new ModelUnavailableError(
            `No model can take this request right now: ${decision.reason}, its upstream failing or its engine not ready. Try again in a little while.`,
            { details: { models: decision.unavailable } },
          );
        }
        throw new BadRequestError(`No model can take this request: ${decision.reason}.`, {
          code: "no_model_fits",
        });
      }
      entry = catalog.resolve(decision.modelId);
      routing = { requested: requested.tier ? `tier:${requested.tier}` : "auto", reason: decision.reason };
    } else {
      entry = catalog.resolve(requested.model);
    }
    let sent = prompt;
    if (needsImage && !entry.info.modalities.includes("image")) {
      if (hasImages(prompt.slice(-1))) throw this.#cannotSeeImages(entry);
      sent = withoutImages(prompt);
    }

    const window = entry.info.contextWindow;
    const fitted = await fitPrompt(sent, window - reserveFor(window), (candidate) =>
      this.#tokens.count(entry, candidate),
    );
    if (!fitted) {
      const longer = catalog
        .list()
        .filter((model) => model.contextWindow > window && model.availability !== "unavailable")
        .map((model) => `${model.id} (${model.contextWindow} tokens)`);
      throw new BadRequestError(
        `This message is too long for ${entry.info.id}: with the system prompt it does not fit the ${window}-token context window, leaving room for the reply. Shorten it${longer.length > 0 ? `, or choose a model with a longer context: ${longer.join(", ")}` : ""}.`,
        { code: "context_length_exceeded" },
      );
    }
    return {
      entry,
      prompt: fitted.prompt,
      ...(routing && { routing }),
      context: { promptTokens: fitted.promptTokens, trimmedMessages: fitted.trimmedMessages },
    };
  }

  #cannotSeeImages(entry: CatalogEntry): BadRequestError {
    const seeing = this.#config.catalog
      .list()
      .filter((model) => model.modalities.includes("image"))
      .map((model) => JSON.stringify(model.id));
    return new BadRequestError(
      `Model ${JSON.stringify(entry.info.id)} cannot see images, and this message has some. ${
        seeing.length > 0
          ? `Models that can: ${seeing.join(", ")}; or send "model": "auto" to let Parley choose one.`
          : "No model of this server reads images; send the message without them."
      }`,
      { code: "model_cannot_see_images", details: { model: entry.info.id } },
    );
  }

  /**
   * The thread up to the user message, as the model sees it, each message with the images of the files it
   * carries; empty replies (failed before any text) are left out. `newFiles` are those of the user message
   * when it is new, not yet stored.
   */
  async #promptFor(
    conversationId: string,
    messages: readonly Message[],
    userMessageId: string,
    newFiles: readonly StoredFile[] = [],
  ): Promise<ChatPrompt> {
    const attached = await this.#config.store.files.listAttached(conversationId);
    if (newFiles.length > 0) attached.set(userMessageId, [...newFiles]);
    const thread = threadTo(messages, userMessageId);
    const prompt: ChatPromptMessage[] = [];
    for (const message of thread) {
      const files = attached.get(message.id) ?? [];
      if (message.content === "" && files.length === 0) continue;
      const images = files.length > 0 ? await this.#files.promptImages(files) : [];
      prompt.push({ role: message.role, content: message.content, ...(images.length > 0 && { images }) });
    }
    return prompt;
  }

  #parentFor(
    messages: readonly Message[],
    conversationId: string,
    parentId: string | null | undefined,
  ): string | null {
    if (parentId === undefined) return messages.at(-1)?.id ?? null;
    if (parentId === null) return null;
    if (!messages.some((message) => message.id === parentId)) {
      throw new BadRequestError(
        `parentId ${JSON.stringify(parentId)} is not a message of conversation ${conversationId}.`,
        {
          code: "invalid_parent",
        },
      );
    }
    return parentId;
  }

  async #begin(plan: RunPlan): Promise<LiveRun> {
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
    let waiting: RunEvent[] | undefined = [];
    // A stored run's events also go to Redis at once, for other servers to follow; an unstored exchange stays here.
    const shared = plan.persist ? this.#config.redis?.events : undefined;
    const live = new LiveRun(run, (event) => {
      shared?.append(run.id, event);
      if (waiting) waiting.push(event);
      else eventLog?.add(run.id, event);
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
          .then(() => this.#write(persist, run, now))
          .then(() => {
            for (const event of waiting ?? []) eventLog?.add(run.id, event);
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
      tokenCounter: this.#tokens,
      ...(plan.routing && { routing: plan.routing }),
      ...(plan.botId && { botId: plan.botId }),
      ...(plan.citations && { citations: plan.citations }),
      context: plan.context,
      catalog,
      metrics: this.#config.metrics,
      onResponseStart: () => upstreamAnswering(),
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
  async #write(persist: Exclude<RunPlan["persist"], false>, run: Run, now: number): Promise<void> {
    const assistantMessage: Message = {
      ...newMessage(run.conversationId, run.userMessageId, "assistant", "", now),
      id: run.assistantMessageId,
      status: "streaming",
      model: run.model,
      runId: run.id,
    };
    await this.#writes.write(async (transaction) => {
      if (persist.conversation) await transaction.conversations.create(persist.conversation);
      for (const { file, bytes } of persist.files ?? []) await transaction.files.create(file, bytes);
      for (const message of persist.messages) await transaction.messages.create(message);
      for (const { messageId, fileIds } of persist.attachments ?? []) {
        await transaction.files.attach(messageId, fileIds);
      }
      await transaction.messages.create(assistantMessage);
      await transaction.runs.create(run, this.#config.instance.id);
      // A conversation made just now already says so; an older one is touched, and titled if it had none.
      if (!persist.conversation) {
        await transaction.conversations.update(run.conversationId, {
          updatedAt: now,
          ...(persist.title !== undefined && { title: persist.title }),
        });
      }
    });
  }

  #assertWithin(afterId: number, lastId: number, ended: boolean): void {
    if (afterId > lastId) {
      throw new BadRequestError(
        `Last-Event-ID ${afterId} is beyond the end of this run: its last event so far is ${lastId}${ended ? " and it has ended" : ""}.`,
        { code: "invalid_last_event_id" },
      );
    }
  }
}

function newMessage(
  conversationId: string,
  parentId: string | null,
  role: Message["role"],
  content: string,
  now: number,
): Message {
  return {
    id: newId("msg"),
    conversationId,
    parentId,
    role,
    content,
    status: "complete",
    model: null,
    runId: null,
    finishReason: null,
    usage: null,
    timings: null,
    error: null,
    createdAt: now,
    updatedAt: now,
  };
}

/** The images a message sent on a compatible API carried, as files of the user's, so the stored exchange keeps them. */
function inlineFiles(userId: string, message: ChatPromptMessage, now: number) {
  return (message.images ?? []).map((image, index) => {
    const bytes = Buffer.from(image.data, "base64");
    const file: StoredFile = {
      id: newId("file"),
      userId,
      name: `image-${index + 1}.${image.mediaType.slice("image/".length).replace("jpeg", "jpg")}`,
      mediaType: image.mediaType,
      bytes: bytes.length,
      ...(image.width !== undefined && { width: image.width }),
      ...(image.height !== undefined && { height: image.height }),
      createdAt: now,
    };
    return { file, bytes };
  });
}

function titleFrom(content: string): string {
  const line = content.trim().replace(/\s+/g, " ");
  return line.length <= TITLE_LENGTH ? line : `${line.slice(0, TITLE_LENGTH - 1)}…`;
}
