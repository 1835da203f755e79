/** The storage port: what runs and routes need from a database. `src/store` implements it (SQLite, PostgreSQL). */
import type { ApiKey, ApiKeyLimits } from "./api-key.js";
import type { Bot, BotDefinition, BotVersion, BotVisibility } from "./bot.js";
import type { Conversation } from "./conversation.js";
import type { KnowledgeDocument, KnowledgeSentence, RetrievedSentence } from "./knowledge.js";
import type { SentenceEmbedding, SimilarSentence } from "./knowledge-embedding.js";
import type { Attachment, Message, MessagePatch } from "./message.js";
import type { OwnedRun, Run, RunPatch } from "./run.js";
import type { RunEvent } from "./run-event.js";
import type { Session } from "./session.js";
import type { User } from "./user.js";

export type ConversationListOptions = {
  /** Only this user's conversations. */
  userId: string;
  /** Matches titles and message text, case-insensitively. */
  query?: string;
  limit?: number;
};

export interface ConversationRepository {
  create(conversation: Conversation): Promise<void>;
  get(id: string): Promise<Conversation | undefined>;
  /** Newest first (by `updatedAt`). */
  list(options: ConversationListOptions): Promise<Conversation[]>;
  update(id: string, patch: Partial<Pick<Conversation, "title" | "updatedAt">>): Promise<void>;
  /** Deletes the conversation with its messages, runs and run events; false when it did not exist. */
  delete(id: string): Promise<boolean>;
  /** Every conversation of the user, with what hangs on them; how many. */
  deleteByUser(userId: string): Promise<number>;
}

export interface MessageRepository {
  create(message: Message): Promise<void>;
  get(id: string): Promise<Message | undefined>;
  /** Every message of the conversation, oldest first. */
  listByConversation(conversationId: string): Promise<Message[]>;
  update(id: string, patch: MessagePatch): Promise<void>;
  /** Deletes the messages with their attachments; how many there were. */
  delete(ids: readonly string[]): Promise<number>;
}

export interface RunRepository {
  /** `instanceId`: the server instance that writes the run (see InstanceRepository); none leaves it unknown. */
  create(run: Run, instanceId?: string): Promise<void>;
  get(id: string): Promise<Run | undefined>;
  update(id: string, patch: RunPatch): Promise<void>;
  /** Deletes the run with its events; false when it did not exist. */
  delete(id: string): Promise<boolean>;
  /**
   * Ends a run that is still running, in one conditional update; false when it had already ended (another
   * instance recovered it while its own was paused), in which case that outcome stands.
   */
  end(id: string, outcome: { status: Exclude<Run["status"], "running">; endedAt: number }): Promise<boolean>;
  listByStatus(status: Run["status"]): Promise<Run[]>;
  /**
   * Running runs whose writer is gone, oldest first: its instance unseen for over `staleAfterMs` (by the
   * database's clock), forgotten (it shut down), or unknown (a run stored before instances were recorded).
   */
  listOrphaned(staleAfterMs: number): Promise<OwnedRun[]>;
  /**
   * Makes `to` the instance of a running run that `from` still has (null: no instance recorded), in one
   * conditional update; false when another instance took it first or the run has ended. Of several instances
   * recovering the same run, only the one this answers true for may write its outcome.
   */
  takeOver(id: string, from: string | null, to: string): Promise<boolean>;
}

/** A server process among those sharing the database, as it recorded itself. */
export type ServerInstance = {
  /** New at each start of the process. */
  id: string;
  /**
   * Names the table of processes `pid` is in (on Linux, the machine's boot and the PID namespace), null when
   * unknown. An instance in the same one can tell by `pid` whether the process still runs, without waiting for
   * its heartbeat to go stale.
   */
  pidNamespace: string | null;
  pid: number;
};

/**
 * The server instances sharing the database, each with a heartbeat, so that one can tell which runs another
 * has stopped writing.
 */
export interface InstanceRepository {
  /** Records that the instance is alive now, by the database's clock; the first beat adds it. */
  beat(instance: ServerInstance): Promise<void>;
  /** Every instance recorded: those alive, and those that died without removing themselves. */
  list(): Promise<ServerInstance[]>;
  /** Forgets the instance (a clean shutdown): runs still marked as its own are orphaned at once. */
  remove(id: string): Promise<void>;
  /** Forgets instances unseen for over `staleAfterMs` that have no running run left; returns how many. */
  removeStale(staleAfterMs: number): Promise<number>;
}

export type StoredRunEvent = RunEvent & { runId: string };

/**
 * A run's consecutive text deltas as one entry: `id` is the last delta's, and each text keeps its own id (the first
 * is `id - texts.length + 1`). The event log appends a streaming reply this way, so a window's tokens cross to the
 * store's writer thread as one small array per run rather than an event object per token.
 */
export type StoredTextDeltas = { runId: string; id: number; event: "text.delta[]"; texts: string[] };

/** What a run's event log appends: events, and runs of text deltas folded into one entry. */
export type AppendedRunEvent = StoredRunEvent | StoredTextDeltas;

export interface RunEventRepository {
  /**
   * Appends events in one transaction. Ids must grow within a run (the event log, the one writer, sees to it);
   * a batch appended twice fails loudly on the stored ids.
   */
  append(events: readonly AppendedRunEvent[]): Promise<void>;
  /** Events of the run with an id greater than `afterId`, in order. */
  listAfter(runId: string, afterId: number): Promise<StoredRunEvent[]>;
  /** The highest event id stored for the run, 0 when none. */
  lastId(runId: string): Promise<number>;
}

/** Replies in [from, to), epoch milliseconds; one user's, or everyone's when `userId` is absent. */
export type UsageTotalsOptions = { from: number; to: number; userId?: string };

/** What one model's replies (or embeddings requests) used on one UTC day. */
export type UsageTotal = {
  /** YYYY-MM-DD, UTC. */
  day: string;
  model: string;
  replies: number;
  /** Requests to `POST /v1/embeddings`: their tokens are in the day's tokens, and they are no replies. */
  embeddingRequests: number;
  /** The whole prompts, what the prompt cache served and stored included. */
  inputTokens: number;
  outputTokens: number;
  /** Of `inputTokens`, those read from the provider's prompt cache (priced lower). */
  cacheReadTokens: number;
  /** Of `inputTokens`, those written to the provider's prompt cache, for five minutes or an hour. */
  cacheWriteTokens: number;
  costUsd: number;
};

export type UsageKind = "reply" | "embeddings";

/** What one reply (or embeddings request) used, charged to a user on the UTC day it ended. */
export type UsageEntry = {
  /** What used it: a reply unless said, or a request to `POST /v1/embeddings`; each kind is counted apart. */
  kind?: UsageKind;
  userId: string;
  /** The API key the reply was asked for with, if any: its own daily quota counts it too. */
  apiKeyId?: string;
  model: string;
  /** Epoch milliseconds: the UTC day it counts for. */
  at: number;
  inputTokens: number;
  outputTokens: number;
  /** Of `inputTokens`, those read from the prompt cache; 0 when absent. */
  cacheReadTokens?: number;
  /** Of `inputTokens`, those written to the prompt cache (five-minute and hour-long together); 0 when absent. */
  cacheWriteTokens?: number;
  costUsd: number;
};

/**
 * A ledger of what replies used, by user, UTC day and model: written when a reply ends (stored or not), and kept
 * when its conversation is deleted, so totals and quotas count everything that was used, and cost a lookup of a
 * few rows however many replies there were.
 */
export interface UsageRepository {
  record(entry: UsageEntry): Promise<void>;
  /** Totals by day and model, oldest day first; `from` and `to` are rounded to whole UTC days. */
  totals(options: UsageTotalsOptions): Promise<UsageTotal[]>;
  /** Input and output tokens the user used on the UTC day of `at`. */
  tokensOnDay(userId: string, at: number): Promise<number>;
  /** The user's ledger, and their keys' (call while the keys still exist). */
  deleteByUser(userId: string): Promise<void>;
  /** Input and output tokens of the replies asked for with this API key on the UTC day of `at`. */
  keyTokensOnDay(apiKeyId: string, at: number): Promise<number>;
}

export interface UserRepository {
  /** Throws ConflictError when the email is taken. */
  create(user: User): Promise<void>;
  get(id: string): Promise<User | undefined>;
  getByEmail(email: string): Promise<User | undefined>;
  list(): Promise<User[]>;
  count(): Promise<number>;
  update(
    id: string,
    patch: Partial<Pick<User, "role" | "passwordHash" | "requestsPerMinute" | "tokensPerDay" | "disabledAt">>,
  ): Promise<void>;
  /** The account, with its sessions and API keys; false when there is no such account. */
  delete(id: string): Promise<boolean>;
}

export interface SessionRepository {
  create(session: Session): Promise<void>;
  get(tokenHash: string): Promise<Session | undefined>;
  /** The user's sessions not yet expired at `now`, newest first. */
  listByUser(userId: string, now: number): Promise<Session[]>;
  delete(tokenHash: string): Promise<void>;
  /** Ends the session if it is the user's; false when the user has no such session. */
  deleteOfUser(userId: string, tokenHash: string): Promise<boolean>;
  /** Ends every session of the user but `exceptTokenHash` (an account disabled, a password changed); how many. */
  deleteByUser(userId: string, exceptTokenHash?: string): Promise<number>;
  deleteExpired(now: number): Promise<number>;
  /** Notes the session's latest use; nothing for a session that has ended. */
  touch(tokenHash: string, at: number): Promise<void>;
}

export interface ApiKeyRepository {
  create(key: ApiKey): Promise<void>;
  getByHash(keyHash: string): Promise<ApiKey | undefined>;
  listByUser(userId: string): Promise<ApiKey[]>;
  /** False when the user has no such key. */
  revoke(userId: string, id: string, at: number): Promise<boolean>;
  /** Sets the limits of the user's key that is not revoked; the key as it is now, undefined when there is none. */
  setLimits(userId: string, id: string, limits: Partial<ApiKeyLimits>): Promise<ApiKey | undefined>;
  touch(id: string, at: number): Promise<void>;
}

export type BotListOptions = {
  /** Bots this user owns, and bots shared with everyone. */
  visibleTo: string;
  /** Also every built-in bot, whatever its visibility (for admins, who edit them). */
  includeBuiltIn?: boolean;
  /** Matches name, description and slug, case-insensitively. */
  query?: string;
};

export type SaveBotVersionOptions = {
  /** The version the save was based on; a save that lost a race with another fails rather than overwrite it. */
  expectedVersion: number;
  savedBy: string;
  /** Epoch milliseconds. */
  at: number;
};

export interface BotRepository {
  /** Stores the bot as its version 1; ConflictError when its slug (or built-in key) is taken. */
  create(bot: Bot, savedBy: string): Promise<void>;
  get(id: string): Promise<Bot | undefined>;
  getBySlug(slug: string): Promise<Bot | undefined>;
  getBuiltIn(key: string): Promise<Bot | undefined>;
  /** Built-in bots first, then by name. */
  list(options: BotListOptions): Promise<Bot[]>;
  /**
   * Saves `definition` as the next version and returns the bot as it now is. ConflictError when the bot is
   * no longer at `expectedVersion` or the new slug is taken; NotFoundError when the bot is gone.
   */
  saveVersion(id: string, definition: BotDefinition, options: SaveBotVersionOptions): Promise<Bot>;
  getVersion(id: string, version: number): Promise<BotVersion | undefined>;
  /** Newest first. */
  listVersions(id: string): Promise<BotVersion[]>;
  /** Deletes the bot with its versions; false when it did not exist. Its conversations stay. */
  delete(id: string): Promise<boolean>;
  /** Gives the owner's bots of these visibilities to another owner; how many. */
  reassign(fromOwnerId: string, toOwnerId: string, visibilities: readonly BotVisibility[]): Promise<number>;
  /** Every bot the owner still has, with their versions and knowledge; how many. */
  deleteByOwner(ownerId: string): Promise<number>;
}

export interface KnowledgeRepository {
  /** Stores the document with its sentences, indexed for search, all together or not at all. */
  add(document: KnowledgeDocument, sentences: readonly KnowledgeSentence[]): Promise<void>;
  get(id: string): Promise<KnowledgeDocument | undefined>;
  /** The bot's documents, oldest first. */
  listByBot(botId: string): Promise<KnowledgeDocument[]>;
  /** False when it did not exist. A deleted bot's documents go with it. */
  delete(id: string): Promise<boolean>;
  /** The sentences of the bot's documents that best match the words of `query` (BM25), best first. */
  search(botId: string, query: string, limit: number): Promise<RetrievedSentence[]>;
  /**
   * Stores the vectors made in the vector space `model` (an embedder's `vectorSpace`) for sentences of the document,
   * replacing any it had in that space. An empty vector records a sentence the model refuses to embed: it is listed
   * as unembedded no more, and never compared.
   */
  addEmbeddings(documentId: string, model: string, embeddings: readonly SentenceEmbedding[]): Promise<void>;
  /** Whether any of the bot's sentences has a vector in `model`: a question is embedded only if so. */
  hasEmbeddings(botId: string, model: string): Promise<boolean>;
  /** The bot's sentences with a vector in `model`, the most similar to `vector` (cosine) first. */
  searchSimilar(
    botId: string,
    model: string,
    vector: Float32Array,
    limit: number,
  ): Promise<SimilarSentence[]>;
  /** Up to `limit` sentences, of any bot, that have no vector in `model` yet: oldest document first, in order. */
  listUnembedded(model: string, limit: number): Promise<KnowledgeSentence[]>;
  /** Deletes the vectors of every space but `model`, the one in use; how many. */
  deleteOtherEmbeddings(model: string): Promise<number>;
}

/** An uploaded file as stored: the attachment, whose it is, and when it came. */
export type StoredFile = Attachment & { userId: string; createdAt: number };

export interface FileRepository {
  /** Stores the file's record and its bytes together. */
  create(file: StoredFile, bytes: Uint8Array): Promise<void>;
  /** The record only, without reading the bytes. */
  get(id: string): Promise<StoredFile | undefined>;
  bytes(id: string): Promise<Uint8Array | undefined>;
  /** Records that the message carries these files, in this order; NotFoundError for an unknown message or file. */
  attach(messageId: string, fileIds: readonly string[]): Promise<void>;
  /** The files the conversation's messages carry, by message id, each list in the order it was attached. */
  listAttached(conversationId: string): Promise<Map<string, StoredFile[]>>;
  /** Every file the user uploaded, and any attachment of them left; how many files. */
  deleteByUser(userId: string): Promise<number>;
}

export interface ParleyStore {
  readonly conversations: ConversationRepository;
  readonly messages: MessageRepository;
  readonly runs: RunRepository;
  readonly runEvents: RunEventRepository;
  readonly instances: InstanceRepository;
  readonly usage: UsageRepository;
  readonly users: UserRepository;
  readonly sessions: SessionRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly bots: BotRepository;
  readonly knowledge: KnowledgeRepository;
  readonly files: FileRepository;
  /** Runs `work` in one database transaction. */
  transaction<T>(work: (store: ParleyStore) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The store's repositories, without what the store does as a whole. */
export type ParleyRepositories = Omit<ParleyStore, "transaction" | "close">;
