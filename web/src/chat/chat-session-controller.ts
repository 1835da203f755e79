/**
 * The side of a chat session that talks to the server: sends messages, regenerates, edits, stops, and keeps
 * every reply in flight attached to its run, including runs already going when the page opened. It changes the
 * page only by dispatching actions to the session reducer.
 */
import type { Attachment } from "../../../src/core/message.js";
import type { RunEvent } from "../../../src/core/run-event.js";
import { ApiError } from "../api/api-error.js";
import { errorMessage } from "../api/error-message.js";
import { localizedErrorMessage } from "../api/localized-error-message.js";
import {
  type ConversationDetail,
  createConversation,
  getConversation,
  stopRun,
  type TreeMessage,
} from "../api/parley-api.js";
import {
  type RunStream,
  type RunStreamHandlers,
  type RunStreamOutcome,
  resumeRunStream,
  startRunStream,
} from "../api/run-stream-client.js";
import type { Translate } from "../i18n/translate.js";
import {
  type ChatSessionAction,
  type ChatSessionState,
  isTemporary,
  type OutgoingMessage,
  temporaryMessage,
} from "./chat-session-state.js";
import { visibleThread } from "./message-tree.js";

export type ChatSessionControllerConfig = {
  dispatch: (action: ChatSessionAction) => void;
  /** The state as last rendered. */
  getState: () => ChatSessionState;
  /** The model to ask: an id, or "auto" for the server's routing policy. */
  getModel: () => string;
  translate: () => Translate;
  /** A new chat got its id (on its first message). */
  onConversationCreated: (conversationId: string) => void;
  /** Titles, order or the set of conversations may have changed. */
  onConversationsChanged: () => void;
  /** A reply ended; model speeds may have changed. */
  onRunEnded: () => void;
};

/** A run this page follows; `assistantId` becomes the server's id once `run.start` arrives. */
type RunFollower = {
  assistantId: string;
  temporaryUserId: string | null;
  runId: string | null;
  text: string;
  /** Tool call events not yet given to the page: taken with the text, once per frame (arguments stream like text). */
  toolCallEvents: RunEvent[];
  stopRequested: boolean;
  stream: RunStream | null;
  /** A new message's text and images: back to the composer if the server refuses to start its run. */
  unsent: OutgoingMessage | null;
};

/**
 * Text and tool calls' arguments arrive token by token; the page takes them at most once per frame, or every 100 ms
 * in a hidden tab.
 */
const HIDDEN_TAB_FLUSH_MS = 100;

export class ChatSessionController {
  readonly #config: ChatSessionControllerConfig;
  readonly #followers = new Set<RunFollower>();
  /** Runs whose last event this page saw: for a moment after, the server may still call them streaming. */
  readonly #endedRunIds = new Set<string>();
  readonly #pendingText = new Set<RunFollower>();
  /**
   * A conversation loaded while a message of this page was on its way: the server may already list that message's
   * run under ids this page does not know yet, so what to follow is decided once every such run has started.
   */
  #deferredLoad: ConversationDetail | null = null;
  #flushFrame: number | null = null;
  #flushTimer: ReturnType<typeof setTimeout> | null = null;
  #disposed = false;

  constructor(config: ChatSessionControllerConfig) {
    this.#config = config;
  }

  /** Loads the conversation and attaches to every reply it has in flight. */
  async refresh(): Promise<void> {
    const { dispatch, getState } = this.#config;
    const conversationId = getState().conversationId;
    if (!conversationId) return;
    dispatch({ type: "loading" });
    let conversation: ConversationDetail;
    try {
      conversation = await getConversation(conversationId);
    } catch (error) {
      if (this.#disposed) return;
      const missing = error instanceof ApiError && error.status === 404;
      dispatch({ type: "loadFailed", missing, message: errorMessage(error) });
      return;
    }
    if (this.#disposed) return;
    if (this.#hasUnstartedRun()) this.#deferredLoad = conversation;
    else this.#applyLoad(conversation);
  }

  /**
   * Resolves false when the message could not be sent, so the composer keeps it; a refusal of its POST comes
   * later and gives it back through the state's `unsent`. `attachments` are uploaded images, shown in order.
   */
  async send(content: string, attachments: readonly Attachment[] = []): Promise<boolean> {
    const { dispatch, getState, translate } = this.#config;
    let conversationId = getState().conversationId;
    if (!conversationId) {
      try {
        conversationId = (await createConversation(getState().botId ?? undefined)).id;
      } catch (error) {
        dispatch({ type: "notice", message: sendFailure(translate(), error) });
        return false;
      }
      if (this.#disposed) return false;
      dispatch({ type: "conversationCreated", conversationId });
      this.#config.onConversationCreated(conversationId);
    }
    const state = getState();
    const parent = visibleThread(state.tree, state.selection).at(-1) ?? null;
    const user = temporaryMessage("user", parent?.id ?? null, content, null, attachments);
    const assistant = temporaryMessage("assistant", user.id, "", null);
    this.#start(
      conversationId,
      "/messages",
      {
        content,
        ...(attachments.length > 0 && { attachments: attachments.map((file) => file.id) }),
        ...(parent && { parentId: parent.id }),
        ...this.#modelBody(),
      },
      user,
      assistant,
      { content, attachments },
    );
    return true;
  }

  /**
   * Sends a changed copy of a user message as its new sibling: the original and its replies stay, one arrow away.
   * The copy carries the original's images unless `attachments` says which of them to keep.
   */
  edit(messageId: string, content: string, attachments?: readonly Attachment[]): void {
    const { conversationId, tree } = this.#config.getState();
    const original = tree.messages[messageId];
    if (!conversationId || !original) return;
    const kept = attachments ?? original.attachments ?? [];
    const user = temporaryMessage("user", original.parentId, content, null, kept);
    const assistant = temporaryMessage("assistant", user.id, "", null);
    this.#start(
      conversationId,
      "/messages",
      {
        content,
        ...(kept.length > 0 && { attachments: kept.map((file) => file.id) }),
        parentId: original.parentId,
        ...this.#modelBody(),
      },
      user,
      assistant,
    );
  }

  /** Asks for another answer to the same user message: a new sibling of `assistantMessageId`. */
  regenerate(assistantMessageId: string): void {
    const { conversationId, tree } = this.#config.getState();
    const original = tree.messages[assistantMessageId];
    if (!conversationId || !original || original.parentId === null) return;
    const assistant = temporaryMessage("assistant", original.parentId, "", null);
    this.#start(
      conversationId,
      `/messages/${encodeURIComponent(assistantMessageId)}/regenerate`,
      this.#modelBody(),
      null,
      assistant,
    );
  }

  /** Stops every reply being written in the shown thread; each keeps its text and ends as stopped. */
  stop(): void {
    const { tree, selection } = this.#config.getState();
    for (const message of visibleThread(tree, selection)) {
      if (message.status !== "streaming") continue;
      const follower = [...this.#followers].find((candidate) => candidate.assistantId === message.id);
      if (follower) void this.#stop(follower);
      else if (message.runId) void this.#stop(newFollower(message.id, null, message.runId));
    }
  }

  /** Called when the page shows the session (again: React may mount it twice in development). */
  activate(): void {
    this.#disposed = false;
  }

  /** Leaves the page: closes the streams (the runs go on at the server). */
  dispose(): void {
    this.#disposed = true;
    for (const follower of this.#followers) follower.stream?.close();
    this.#followers.clear();
    this.#deferredLoad = null;
    this.#cancelFlush();
  }

  /** Shows a loaded conversation and follows each of its runs in flight that no stream of this page follows yet. */
  #applyLoad(conversation: ConversationDetail): void {
    this.#deferredLoad = null;
    const activeIds = new Set([...this.#followers].map((follower) => follower.assistantId));
    const followedRunIds = new Set([...this.#followers].map((follower) => follower.runId));
    this.#config.dispatch({ type: "loaded", conversation, activeIds });
    for (const message of conversation.messages) {
      const runId = message.runId;
      if (message.status !== "streaming" || !runId) continue;
      if (this.#endedRunIds.has(runId) || followedRunIds.has(runId) || activeIds.has(message.id)) continue;
      followedRunIds.add(runId);
      // From the first event: the text shown so far stays until the replay has passed it, so none is doubled.
      this.#follow(newFollower(message.id, null, runId), (handlers) => resumeRunStream(runId, 0, handlers));
    }
  }

  /** A message sent from this page whose run has not said its id yet (no run.start, no failure). */
  #hasUnstartedRun(): boolean {
    return [...this.#followers].some((follower) => follower.runId === null);
  }

  /** Applies a load held back by sends in flight, once all of them have started (or failed). */
  #applyDeferredLoad(): void {
    if (this.#deferredLoad && !this.#disposed && !this.#hasUnstartedRun())
      this.#applyLoad(this.#deferredLoad);
  }

  #modelBody(): Record<string, string> {
    // A bot's conversation names no model, so the bot's own choice answers (bots/bot-replies.ts).
    if (this.#config.getState().botId !== null) return {};
    return { model: this.#config.getModel() };
  }

  #start(
    conversationId: string,
    path: string,
    body: Record<string, unknown>,
    user: TreeMessage | null,
    assistant: TreeMessage,
    unsent: OutgoingMessage | null = null,
  ): void {
    this.#config.dispatch({ type: "runQueued", user, assistant });
    this.#follow(newFollower(assistant.id, user?.id ?? null, null, unsent), (handlers) =>
      startRunStream(`/api/conversations/${encodeURIComponent(conversationId)}${path}`, body, handlers),
    );
  }

  #follow(follower: RunFollower, open: (handlers: RunStreamHandlers) => RunStream): void {
    this.#followers.add(follower);
    const stream = open({
      onEvent: (event) => this.#onEvent(follower, event),
      onConnectionChange: (connection) =>
        this.#config.dispatch({ type: "connection", messageId: follower.assistantId, state: connection }),
    });
    follower.stream = stream;
    void stream.done.then((outcome) => this.#onDone(follower, outcome));
  }

  #onEvent(follower: RunFollower, event: RunEvent): void {
    const { dispatch } = this.#config;
    switch (event.event) {
      case "run.start":
        follower.runId = event.data.runId;
        if (isTemporary(follower.assistantId)) {
          dispatch({
            type: "runStarted",
            temporaryUserId: follower.temporaryUserId,
            temporaryAssistantId: follower.assistantId,
            start: event.data,
          });
          follower.assistantId = event.data.assistantMessageId;
          follower.temporaryUserId = null;
          // The first message gives a conversation its title.
          this.#config.onConversationsChanged();
        }
        this.#applyDeferredLoad();
        if (follower.stopRequested) void this.#stop(follower);
        return;
      case "text.delta":
        follower.text += event.data.text;
        this.#scheduleText(follower);
        return;
      case "tool_call.start":
      case "tool_call.delta":
        follower.toolCallEvents.push(event);
        this.#scheduleText(follower);
        return;
      case "citation":
        dispatch({ type: "runEvent", messageId: follower.assistantId, event });
        return;
      case "usage":
      case "run.end":
      case "run.error":
        if (event.event !== "usage" && follower.runId) this.#endedRunIds.add(follower.runId);
        this.#pendingText.add(follower);
        this.#flushText();
        dispatch({ type: "runEvent", messageId: follower.assistantId, event });
        return;
      default:
        return;
    }
  }

  #onDone(follower: RunFollower, outcome: RunStreamOutcome): void {
    this.#followers.delete(follower);
    if (this.#pendingText.has(follower)) this.#flushText();
    this.#applyDeferredLoad();
    if (this.#disposed || outcome.kind === "closed") return;
    const { dispatch, translate } = this.#config;
    dispatch({ type: "connection", messageId: follower.assistantId, state: "open" });
    if (outcome.kind === "failed" && !outcome.runStarted) {
      dispatch({
        type: "runNotStarted",
        temporaryUserId: follower.temporaryUserId,
        temporaryAssistantId: follower.assistantId,
        unsent: follower.unsent,
      });
      dispatch({ type: "notice", message: sendFailure(translate(), outcome.error) });
    } else if (outcome.kind === "failed" && !isExplainedByStoredState(outcome.error)) {
      dispatch({
        type: "notice",
        message: translate()("message.streamFailed", { message: outcome.error.message }),
      });
    }
    // The stored conversation is the truth: final usage, and any run a lost POST may still have started.
    void this.refresh();
    this.#config.onConversationsChanged();
    this.#config.onRunEnded();
  }

  async #stop(follower: RunFollower): Promise<void> {
    if (!follower.runId) {
      follower.stopRequested = true;
      return;
    }
    try {
      await stopRun(follower.runId);
    } catch (error) {
      if (this.#disposed) return;
      this.#config.dispatch({
        type: "notice",
        message: this.#config.translate()("message.stopFailed", { message: errorMessage(error) }),
      });
    }
  }

  #scheduleText(follower: RunFollower): void {
    this.#pendingText.add(follower);
    if (this.#flushFrame !== null) return;
    this.#flushFrame = requestAnimationFrame(() => this.#flushText());
    this.#flushTimer = setTimeout(() => this.#flushText(), HIDDEN_TAB_FLUSH_MS);
  }

  #flushText(): void {
    this.#cancelFlush();
    for (const follower of this.#pendingText) {
      this.#config.dispatch({ type: "runText", messageId: follower.assistantId, text: follower.text });
      const events = follower.toolCallEvents.splice(0);
      for (const event of events) {
        this.#config.dispatch({ type: "runEvent", messageId: follower.assistantId, event });
      }
    }
    this.#pendingText.clear();
  }

  #cancelFlush(): void {
    if (this.#flushFrame !== null) cancelAnimationFrame(this.#flushFrame);
    if (this.#flushTimer !== null) clearTimeout(this.#flushTimer);
    this.#flushFrame = null;
    this.#flushTimer = null;
  }
}

function newFollower(
  assistantId: string,
  temporaryUserId: string | null,
  runId: string | null,
  unsent: OutgoingMessage | null = null,
): RunFollower {
  return {
    assistantId,
    temporaryUserId,
    runId,
    text: "",
    toolCallEvents: [],
    stopRequested: false,
    stream: null,
    unsent,
  };
}

/**
 * A server that restarted may have kept fewer events than this page saw (it answers the resume with
 * invalid_last_event_id), or the conversation was deleted: the stored state says what happened.
 */
function isExplainedByStoredState(error: Error): boolean {
  return error instanceof ApiError && (error.code === "invalid_last_event_id" || error.status === 404);
}

function sendFailure(t: Translate, error: unknown): string {
  // fetch rejects with a TypeError when the network is down; the server's own refusals are ApiErrors.
  return error instanceof TypeError
    ? t("message.sendFailedOffline")
    : t("message.sendFailed", { message: localizedErrorMessage(t, error) });
}
