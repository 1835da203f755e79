/** What a run needs to start, and what to write down with it: made by RunService, carried out by RunLauncher. */
import type { CitationSources } from "../core/citation-check.js";
import type { Conversation } from "../core/conversation.js";
import type { Message } from "../core/message.js";
import type { StoredFile } from "../core/parley-store.js";
import type { ChatCallOptions, ChatPrompt } from "../providers/chat-model.js";
import type { CatalogEntry } from "./model-catalog.js";

/** Per-request settings of the model call; anything unset takes the model's and Parley's defaults. */
export type RunCallOptions = Pick<
  ChatCallOptions,
  | "maxOutputTokens"
  | "temperature"
  | "topP"
  | "topK"
  | "stopSequences"
  | "seed"
  | "presencePenalty"
  | "frequencyPenalty"
  | "reasoningEffort"
  | "thinking"
  | "cachePrompt"
  | "responseFormat"
  | "tools"
  | "toolChoice"
  | "parallelToolCalls"
>;

/** Everything a run needs to start, and what to write down with it (nothing for an unstored exchange). */
export type RunPlan = {
  userId: string;
  /** The API key the run is asked for with, if any: it is charged to the key's quota too. */
  apiKeyId?: string;
  conversationId: string;
  userMessageId: string;
  prompt: ChatPrompt;
  entry: CatalogEntry;
  routing?: { requested: string; reason: string };
  context: { promptTokens: number; trimmedMessages: number };
  call: RunCallOptions;
  /**
   * What to write down with the run, made when it is written (once the model has been called, so that making it
   * does not delay the call); false for an exchange that is not stored.
   */
  persist: false | (() => RunPersistence);
  /** The bot the reply speaks as. */
  botId?: string;
  citations?: CitationSources;
};

/** The rows a stored run adds besides its own. */
export type RunPersistence = {
  conversation?: Conversation;
  messages: Message[];
  title?: string;
  /** Files sent inline (on the compatible APIs), kept like uploads so the stored exchange keeps its images. */
  files?: { file: StoredFile; bytes: Uint8Array }[];
  /** Which files each new message carries. */
  attachments?: { messageId: string; fileIds: string[] }[];
};
