/** Starts, follows, stops and recovers runs: the server-owned life of every assistant reply. */
import type { BotReplies, BotTurn, RequestedModel } from "../bots/bot-replies.js";
import { BadRequestError, ConflictError, ModelUnavailableError, NotFoundError } from "../core/app-error.js";
import { type BotVersion, botModelName } from "../core/bot.js";
import type { Conversation } from "../core/conversation.js";
import { newId } from "../core/ids.js";
import { assertKeyMayUse } from "../core/key-models.js";
import type { Message } from "../core/message.js";
import { exchangeToDelete } from "../core/message-thread.js";
import { newMessage } from "../core/new-message.js";
import type { ParleyStore, StoredFile } from "../core/parley-store.js";
import type { Tier } from "../core/routing-policy.js";
import type { Run } from "../core/run.js";
import type { RunEvent } from "../core/run-event.js";
import type { WriteBatchExecutor } from "../core/write-command.js";
import { FileService } from "../files/file-service.js";
import type { ChatPrompt } from "../providers/chat-model.js";
import { assertWithinRun } from "./assert-within-run.js";
import { conversationPrompt } from "./conversation-prompt.js";
import { conversationTitle } from "./conversation-title.js";
import { countedPrompt } from "./counted-prompt.js";
import { inlineFiles } from "./inline-files.js";
import { InstanceLifecycle, type RunInstanceConfig } from "./instance-lifecycle.js";
import type { LiveRun } from "./live-run.js";
import type { ModelCatalog } from "./model-catalog.js";
import { RedisRunsElsewhere, type SharedRunsConfig } from "./redis-runs-elsewhere.js";
import { RunLauncher } from "./run-launcher.js";
import type { RunMetrics } from "./run-metrics.js";
import type { RunCallOptions, RunPersistence } from "./run-plan.js";
import { RunRouter } from "./run-router.js";
import { TokenCounter } from "./token-counter.js";
import { userMessageParent } from "./user-message-parent.js";

export type { RunInstanceConfig } from "./instance-lifecycle.js";
export type { SharedRunsConfig } from "./redis-runs-elsewhere.js";
export type { RunCallOptions } from "./run-plan.js";

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
  /** Where the runs' batched writes are written (a writer thread's connection); on `store` without it. */
  writeBatches?: WriteBatchExecutor;
  /**
   * Redis shared with the other servers: live runs' events go to it as well, so that a run can be followed,
   * resumed and stopped from any server. Without it, only from the one writing it.
   */
  redis?: SharedRunsConfig;
};

export type StartReplyOptions = {
  userId: string;
  /** The API key the request came with, if any. */
  apiKeyId?: string;
  /** With a key held to some models: the model ids it may use (core/key-models.ts); absent: every model. */
  keyModels?: readonly string[];
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
  /** The API key the request came with, if any. */
  apiKeyId?: string;
  /** With a key held to some models: the model ids it may use (core/key-models.ts); absent: every model. */
  keyModels?: readonly string[];
  messages: ChatPrompt;
  model?: string;
  call: RunCallOptions;
  /** False answers without writing the exchange down. */
  store: boolean;
  /** The stored reply the exchange goes on from (see earlierThread); absent: it begins a conversation. */
  earlier?: EarlierThread;
};

/**
 * A stored reply an exchange goes on from (the Responses API's `previous_response_id`): the thread that led to it and
 * the reply itself, as the model sees them, and where the exchange's messages go in that reply's conversation.
 */
export type EarlierThread = { conversationId: string; replyMessageId: string; prompt: ChatPrompt };

export type RegenerateOptions = {
  userId: string;
  /** The API key the request came with, if any. */
  apiKeyId?: string;
  /** With a key held to some models: the model ids it may use (core/key-models.ts); absent: every model. */
  keyModels?: readonly string[];
  conversationId: string;
  /** An assistant message (the new reply becomes its sibling) or a user message (the reply becomes its child). */
  messageId: string;
  model?: string;
  tier?: Tier;
};

export class RunService {
  readonly #config: RunServiceConfig;
  readonly #files: FileService;
  readonly #router: RunRouter;
  readonly #tokens: TokenCounter;
  readonly #launcher: RunLauncher;
  readonly #instance: InstanceLifecycle;
  readonly #elsewhere: RedisRunsElsewhere | undefined;
  #closing = false;

  constructor(config: RunServiceConfig) {
    this.#config = config;
    this.#tokens = new TokenCounter();
    const published = config.redis?.events;
    this.#instance = new InstanceLifecycle({
      store: config.store,
      instance: config.instance,
      onError: config.onError,
      ...(published && { publishedEvents: (runId: string) => published.all(runId) }),
    });
    this.#files = new FileService({ store: config.store });
    this.#router = new RunRouter({
      catalog: config.catalog,
      tokens: this.#tokens,
      maxOutputTokens: config.maxOutputTokens,
    });
    this.#launcher = new RunLauncher({
      store: config.store,
      catalog: config.catalog,
      metrics: config.metrics,
      tokens: this.#tokens,
      eventLogFlushMs: config.eventLogFlushMs,
      maxOutputTokens: config.maxOutputTokens,
      instanceId: config.instance.id,
      ...(config.writeBatches && { writeBatches: config.writeBatches }),
      ...(config.redis && { sharedEvents: config.redis.events }),
      onError: config.onError,
    });
    this.#elsewhere =
      config.redis &&
      new RedisRunsElsewhere({ store: config.store, redis: config.redis, onError: config.onError });
  }

  /** Runs still generating; one whose end was announced and is only being written down no longer counts. */
  get activeRuns(): number {
    return this.#launcher.activeRuns;
  }

  /**
   * Records this instance and starts its heartbeat, ends the runs dead instances left in flight, and goes on
   * looking for such runs while it serves. Returns how many it ended now. Call once, before taking requests.
   */
  async start(): Promise<number> {
    await this.#instance.join();
    // Stops asked of other servers for the runs this one writes.
    await this.#config.redis?.stops.listen((runId) => this.#launcher.live(runId)?.requestEnd("stopped"));
    return this.#instance.watch();
  }

  /**
   * Ends as `interrupted`, keeping the text their event log holds, the runs that servers which died (a crash,
   * SIGKILL, a lost machine) left in flight; the replies live instances are writing are left alone. Returns how
   * many this instance ended: of several instances looking at once, each run is ended by one.
   */
  recoverInterrupted(): Promise<number> {
    return this.#instance.recoverInterrupted();
  }

  /** Stores the user's message and starts the assistant's reply to it. */
  async startReply(options: StartReplyOptions): Promise<LiveRun> {
    const { store } = this.#config;
    this.#assertOpen();
    const conversation = await this.#ownConversation(options.userId, options.conversationId);
    const messages = await store.messages.listByConversation(conversation.id);
    const parentId = userMessageParent(messages, conversation.id, options.parentId);
    const attached = await this.#files.attachable(options.userId, options.attachments ?? []);
    const userMessage = newMessage(conversation.id, parentId, "user", options.content, Date.now());
    const bot = await this.#config.bots?.forConversation(conversation, options.userId);
    const prompt = await conversationPrompt(
      { store, files: this.#files },
      conversation.id,
      [...messages, userMessage],
      userMessage.id,
      attached,
    );
    const allowed = keyAllowance(options.keyModels, bot, options.model);
    const turn = await this.#botTurn(bot, options, prompt, {});
    return this.#launcher.begin({
      userId: options.userId,
      ...(options.apiKeyId && { apiKeyId: options.apiKeyId }),
      conversationId: conversation.id,
      userMessageId: userMessage.id,
      ...(await this.#route(turn, allowed, options.keyModels)),
      persist: () => ({
        messages: [userMessage],
        ...(conversation.title === "" && {
          title: conversationTitle(userMessage.content || attached.map((file) => file.name).join(", ")),
        }),
        attachments: [{ messageId: userMessage.id, fileIds: attached.map((file) => file.id) }],
      }),
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
    // A reply answers a user message, or a tool's result (an exchange with tools, stored from a compatible API).
    const answers = (message: Message) => message.role === "user" || message.role === "tool";
    const userMessage = answers(target)
      ? target
      : messages.find((message) => message.id === target.parentId && answers(message));
    if (!userMessage) {
      throw new BadRequestError(
        `Message ${options.messageId} does not answer a user message, so there is nothing to regenerate.`,
      );
    }
    // By default the same model answers again, while the catalog still has it.
    const model = options.model ?? (target.model && catalog.has(target.model) ? target.model : undefined);
    const bot = await this.#config.bots?.forConversation(conversation, options.userId);
    const requested = { ...(model !== undefined && { model }), ...(options.tier && { tier: options.tier }) };
    const allowed = keyAllowance(options.keyModels, bot, options.model);
    const turn = await this.#botTurn(
      bot,
      requested,
      await conversationPrompt({ store, files: this.#files }, conversation.id, messages, userMessage.id),
      {},
    );
    return this.#launcher.begin({
      userId: options.userId,
      ...(options.apiKeyId && { apiKeyId: options.apiKeyId }),
      conversationId: conversation.id,
      userMessageId: userMessage.id,
      ...(await this.#route(turn, allowed, options.keyModels)),
      persist: () => ({ messages: [] }),
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
    if (last?.role !== "user" && last?.role !== "tool") {
      throw new BadRequestError(
        "The last message must be a user message, or a tool's result, for Parley to answer it.",
        { code: "invalid_messages" },
      );
    }
    // A model named `bot:<slug>` is that bot answering with its own model.
    const bot = await this.#config.bots?.forModel(options.model, options.userId);
    const allowed = keyAllowance(options.keyModels, bot, bot ? undefined : options.model);
    const now = Date.now();
    const { earlier } = options;
    const conversationId = earlier?.conversationId ?? newId("conv");
    // Made now, in order, so that the messages sort as they were sent; the rows are made once the model has been called.
    const messageIds = options.messages.map(() => newId("msg"));
    const prompt = earlier ? afterEarlierThread(earlier.prompt, options.messages) : options.messages;
    const turn = await this.#botTurn(bot, bot ? {} : options, prompt, options.call);
    return this.#launcher.begin({
      userId: options.userId,
      ...(options.apiKeyId && { apiKeyId: options.apiKeyId }),
      conversationId,
      userMessageId: messageIds.at(-1) as string,
      ...(await this.#route(turn, allowed, options.keyModels)),
      persist:
        options.store &&
        (() =>
          exchangeRows(
            options.userId,
            conversationId,
            messageIds,
            options.messages,
            bot,
            now,
            earlier?.replyMessageId,
          )),
      ...(bot && { botId: bot.botId }),
      ...(turn.citations && { citations: turn.citations }),
    });
  }

  /**
   * The tokens the prompt takes for the model that would answer it, as that model counts them (its own tokenizer,
   * or an estimate from what its upstream reported): a bot's model with the bot's instructions and knowledge.
   */
  async countPromptTokens(options: {
    model: string;
    messages: ChatPrompt;
    userId: string;
    /** The tools the request would offer: their definitions take tokens too. */
    tools?: RunCallOptions["tools"];
    /** With a key held to some models: the model ids it may use. */
    keyModels?: readonly string[];
    /** The stored reply the messages go on from (see earlierThread). */
    earlier?: EarlierThread | undefined;
  }): Promise<number> {
    const bot = await this.#config.bots?.forModel(options.model, options.userId);
    const allowed = keyAllowance(options.keyModels, bot, bot ? undefined : options.model);
    const call = options.tools?.length ? { tools: options.tools } : {};
    const { earlier } = options;
    const prompt = earlier ? afterEarlierThread(earlier.prompt, options.messages) : options.messages;
    const turn = await this.#botTurn(bot, bot ? {} : { model: options.model }, prompt, call);
    const { entry, context } = await this.#route(turn, allowed, options.keyModels);
    // Routing counted the prompt to fit it; it counts again only if it had to leave turns out.
    return context.trimmedMessages === 0 && !turn.sectioned
      ? context.promptTokens
      : this.#tokens.count(entry, countedPrompt(turn.prompt, entry.info.toolCalls ? call.tools : undefined));
  }

  /**
   * The thread of the user's stored reply that `runId` wrote, for an exchange to go on from. Its system messages are
   * left out: each exchange brings its own instructions, as the Responses API has it. A reply still being written
   * cannot be gone on from (its end is not known yet); an exchange that was not stored left nothing to go on from.
   */
  async earlierThread(runId: string, userId: string): Promise<EarlierThread> {
    const run = await this.getRun(runId, userId);
    if (run.status === "running") {
      throw new ConflictError(
        `The reply of run ${JSON.stringify(runId)} is still being written; go on from it once it has ended.`,
      );
    }
    const { store } = this.#config;
    const messages = await store.messages.listByConversation(run.conversationId);
    if (!messages.some((message) => message.id === run.assistantMessageId))
      throw new NotFoundError("Run", runId);
    const thread = await conversationPrompt(
      { store, files: this.#files },
      run.conversationId,
      messages,
      run.assistantMessageId,
    );
    return {
      conversationId: run.conversationId,
      replyMessageId: run.assistantMessageId,
      prompt: thread.filter((message) => message.role !== "system"),
    };
  }

  /** The live run, if it is still going or has not yet been fully written down. */
  live(runId: string): LiveRun | undefined {
    return this.#launcher.live(runId);
  }

  /** The run, if it is the user's; someone else's run is "not found", so its existence is not confirmed. */
  async getRun(runId: string, userId: string): Promise<Run> {
    const run = this.#launcher.live(runId)?.record ?? (await this.#config.store.runs.get(runId));
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
    const live = this.#launcher.live(runId);
    if (live) {
      assertWithinRun(afterId, live.lastEventId, live.ended);
      return afterId === live.lastEventId && live.ended ? null : live.read(afterId, signal);
    }
    const lastId = await this.#config.store.runEvents.lastId(runId);
    if (this.#elsewhere) {
      const elsewhere = await this.#elsewhere.read(run, afterId, lastId, signal);
      if (elsewhere !== undefined) return elsewhere;
    }
    assertWithinRun(afterId, lastId, true);
    if (afterId === lastId) return null;
    return this.#config.store.runEvents.listAfter(runId, afterId);
  }

  async stop(runId: string, userId: string): Promise<Run> {
    const run = await this.getRun(runId, userId);
    const live = this.#launcher.live(runId);
    if (live) {
      live.requestEnd("stopped");
      await this.#launcher.finished(runId);
    } else if (this.#elsewhere && run.status === "running") {
      await this.#elsewhere.stop(run);
    }
    return this.getRun(runId, userId);
  }

  /**
   * Deletes the user's reply that `runId` wrote, with its run and the rest of its exchange (see exchangeToDelete),
   * and its conversation when nothing else is left of it; a reply still being written is stopped first. The usage
   * ledger keeps what it used. ConflictError when later turns follow the reply: they would lose their thread.
   */
  async deleteReply(runId: string, userId: string): Promise<void> {
    const run = await this.stop(runId, userId);
    await this.#config.store.transaction(async (store) => {
      const messages = await store.messages.listByConversation(run.conversationId);
      const deleted = exchangeToDelete(messages, run.assistantMessageId);
      if (!deleted) {
        throw new ConflictError(
          "Later turns follow this reply: delete those first, or the whole conversation.",
          { details: { runId } },
        );
      }
      if (deleted.length === messages.length) {
        await store.conversations.delete(run.conversationId);
        return;
      }
      await store.runs.delete(run.id);
      await store.messages.delete(deleted);
    });
  }

  /**
   * Stops every reply of the user (an account being deleted), on this server and, with Redis, on the others; settles
   * once each is written down.
   */
  async stopAllOf(userId: string): Promise<void> {
    const here = this.#launcher.stopAllOf(userId);
    const elsewhere = this.#elsewhere;
    if (!elsewhere) return here;
    // Rare enough that reading every running run, rather than indexing runs by user for it, is the better trade.
    const running = await this.#config.store.runs.listByStatus("running");
    await Promise.all([
      here,
      ...running
        .filter((run) => run.userId === userId && !this.#launcher.live(run.id))
        .map((run) => elsewhere.stop(run)),
    ]);
  }

  /** Takes no new runs, lets running ones finish within `graceMs`, then ends the rest as interrupted. */
  async shutdown(graceMs: number): Promise<void> {
    this.#closing = true;
    // A server on its way out takes on no other's runs; it keeps beating while its own still run.
    const watchingStopped = this.#instance.stopWatching();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), graceMs);
    });
    const outcome = await Promise.race([this.#launcher.allFinished(), deadline]);
    clearTimeout(timer);
    if (outcome === "late") {
      this.#launcher.interruptAll();
      await this.#launcher.allFinished();
    }
    try {
      await watchingStopped;
      await this.#instance.leave();
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

  /**
   * The model that answers the turn, and the prompt and settings it is sent: among `allowed` (a key's models, unless
   * the key's bot answers), with a refusal naming only `offered` (the key's models).
   */
  #route(turn: RoutableTurn, allowed?: readonly string[], offered?: readonly string[]) {
    return this.#router.route(turn.requested, turn.prompt, turn.call, turn.sectioned, allowed, offered);
  }

  /** The bot's part of a reply (bots/bot-replies.ts); settings the request gave win over the bot's defaults. */
  async #botTurn(
    bot: BotVersion | undefined,
    requested: RequestedModel,
    prompt: ChatPrompt,
    call: RunCallOptions,
  ): Promise<RoutableTurn> {
    const bots = this.#config.bots;
    if (!bot || !bots) return { requested, prompt, call };
    const turn = await bots.turn(bot, prompt, requested);
    return { ...turn, call: { ...turn.call, ...call } };
  }

  #assertOpen(): void {
    if (this.#closing) throw new ModelUnavailableError("Parley is shutting down and takes no new replies.");
  }
}

/** A turn as routing takes it: a bot's part of it made, settings the request gave winning over the bot's. */
type RoutableTurn = Omit<BotTurn, "call"> & { call: RunCallOptions };

/**
 * What the router may choose among for a key held to some models (undefined: any model). Checked before the bot's
 * part of the reply is made (its knowledge searched, a page fetched): a bot must be on the key's list, and then
 * answers with its own model (its owner's choice, as fallbacks are the admin's); a model the request names, and a
 * model chosen for it, must be on the list too.
 */
function keyAllowance(
  keyModels: readonly string[] | undefined,
  bot: BotVersion | undefined,
  requestedModel: string | undefined,
): readonly string[] | undefined {
  if (keyModels === undefined) return undefined;
  if (bot) {
    assertKeyMayUse(keyModels, botModelName(bot.slug));
    if (requestedModel === undefined) return undefined;
  }
  return keyModels;
}

/**
 * The exchange's own instructions (its leading system messages) come first, then the earlier thread, then the rest
 * of the exchange: the turns after the earlier reply.
 */
function afterEarlierThread(earlier: ChatPrompt, messages: ChatPrompt): ChatPrompt {
  const turns = messages.findIndex((message) => message.role !== "system");
  return [...messages.slice(0, turns), ...earlier, ...messages.slice(turns)];
}

/**
 * The rows an exchange sent whole adds: its messages in a chain, and their inline images; and a new conversation,
 * unless the exchange goes on from the earlier reply `after` (the chain then hangs from it, in its conversation).
 */
function exchangeRows(
  userId: string,
  conversationId: string,
  messageIds: readonly string[],
  messages: ChatPrompt,
  bot: BotVersion | undefined,
  now: number,
  after?: string,
): RunPersistence {
  // Named for what the user asked last (an exchange that ends with a tool's result is still about that).
  const asked = messages.findLast((message) => message.role === "user");
  const conversation: Conversation | undefined =
    after === undefined
      ? {
          id: conversationId,
          userId,
          title: conversationTitle(asked?.content || (asked?.images?.length ? "Image" : "")),
          botId: bot?.botId ?? null,
          botVersion: bot?.version ?? null,
          createdAt: now,
          updatedAt: now,
        }
      : undefined;
  const chain: Message[] = [];
  const files: { file: StoredFile; bytes: Uint8Array }[] = [];
  const attachments: { messageId: string; fileIds: string[] }[] = [];
  messages.forEach((message, index) => {
    const parentId = chain.at(-1)?.id ?? after ?? null;
    const stored = newMessage(
      conversationId,
      parentId,
      message.role,
      message.content,
      now,
      messageIds[index],
    );
    if (message.toolCalls?.length) stored.toolCalls = [...message.toolCalls];
    if (message.toolCallId !== undefined) stored.toolCallId = message.toolCallId;
    chain.push(stored);
    const inline = inlineFiles(userId, message, now);
    files.push(...inline);
    if (inline.length > 0)
      attachments.push({ messageId: stored.id, fileIds: inline.map(({ file }) => file.id) });
  });
  return { ...(conversation && { conversation }), messages: chain, files, attachments };
}
