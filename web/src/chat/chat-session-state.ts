/** What the chat page knows about one conversation, and how server answers and run events change it. */
import type { Citation } from "../../../src/core/citation-check.js";
import type { Attachment } from "../../../src/core/message.js";
import type { RunEvent, RunEventDataMap } from "../../../src/core/run-event.js";
import type { ConversationDetail, TreeMessage } from "../api/parley-api.js";
import type { ConnectionState } from "../api/run-stream-client.js";
import {
  addMessage,
  type BranchSelection,
  EMPTY_TREE,
  type MessageTree,
  parentKey,
  removeMessage,
  renameMessage,
  treeFrom,
  updateMessage,
} from "./message-tree.js";
import { withToolCallEvent } from "./tool-calls.js";

/** How `auto` chose a reply's model, as run.start tells it. */
export type RunRouting = NonNullable<RunEventDataMap["run.start"]["routing"]>;

export type ChatSessionState = {
  conversationId: string | null;
  /** The bot this conversation talks to (its id, or its slug for a new chat opened from a link); null for none. */
  botId: string | null;
  title: string;
  load: "new" | "loading" | "ready" | "missing" | "failed";
  loadError: string | null;
  tree: MessageTree;
  selection: BranchSelection;
  /** Replies whose stream is being resumed, by assistant message id. */
  reconnecting: Readonly<Record<string, true>>;
  /** How "auto" chose the model of a reply this page started, by assistant message id (the server keeps no record). */
  routing: Readonly<Record<string, RunRouting>>;
  /**
   * The checked citations of replies, by assistant message id, in the order the reply cites them: from the run's
   * events as it streams, or as the stored reply lists them. A reply not listed has none known yet.
   */
  citations: Readonly<Record<string, readonly Citation[]>>;
  /** The last failure to show above the composer. */
  notice: string | null;
  /** A message the server refused to start (a 4xx on its POST), given back to the composer to change and resend. */
  unsent: UnsentMessage | null;
};

/** What the composer held when it sent: its text and the images it carried. */
export type OutgoingMessage = { content: string; attachments: readonly Attachment[] };

export type UnsentMessage = OutgoingMessage & { temporaryId: string };

export type ChatSessionAction =
  | { type: "loading" }
  | { type: "loaded"; conversation: ConversationDetail; activeIds: ReadonlySet<string> }
  | { type: "loadFailed"; missing: boolean; message: string }
  | { type: "conversationCreated"; conversationId: string }
  | { type: "runQueued"; user: TreeMessage | null; assistant: TreeMessage }
  | {
      type: "runStarted";
      temporaryUserId: string | null;
      temporaryAssistantId: string;
      start: RunEventDataMap["run.start"];
    }
  | {
      type: "runNotStarted";
      temporaryUserId: string | null;
      temporaryAssistantId: string;
      /** A new message's text and images, for the composer to take back; null for an edit or a regenerate. */
      unsent?: OutgoingMessage | null;
    }
  | { type: "unsentTaken" }
  | { type: "runText"; messageId: string; text: string }
  | { type: "runEvent"; messageId: string; event: RunEvent }
  | { type: "connection"; messageId: string; state: ConnectionState }
  | { type: "select"; messageId: string }
  | { type: "notice"; message: string | null };

export function initialChatSession(
  conversationId: string | null,
  botId: string | null = null,
): ChatSessionState {
  return {
    conversationId,
    botId,
    title: "",
    load: conversationId ? "loading" : "new",
    loadError: null,
    tree: EMPTY_TREE,
    selection: {},
    reconnecting: {},
    routing: {},
    citations: {},
    notice: null,
    unsent: null,
  };
}

const TEMPORARY_PREFIX = "local-";
let temporaryCounter = 0;

/** A message shown at once, before the server has stored it and named it. */
export function temporaryMessage(
  role: "user" | "assistant",
  parentId: string | null,
  content: string,
  model: string | null,
  attachments: readonly Attachment[] = [],
): TreeMessage {
  const now = Date.now();
  return {
    id: `${TEMPORARY_PREFIX}${++temporaryCounter}`,
    conversationId: "",
    parentId,
    role,
    content,
    status: role === "assistant" ? "streaming" : "complete",
    model,
    runId: null,
    finishReason: null,
    usage: null,
    timings: null,
    error: null,
    createdAt: now,
    updatedAt: now,
    children: [],
    attachments: [...attachments],
  };
}

export function isTemporary(id: string): boolean {
  return id.startsWith(TEMPORARY_PREFIX);
}

export function chatSessionReducer(state: ChatSessionState, action: ChatSessionAction): ChatSessionState {
  switch (action.type) {
    case "loading":
      return { ...state, load: state.load === "ready" ? "ready" : "loading" };
    case "loaded":
      return {
        ...state,
        conversationId: action.conversation.id,
        botId: action.conversation.botId ?? null,
        title: action.conversation.title,
        load: "ready",
        loadError: null,
        tree: mergeServerTree(state.tree, action.conversation.messages, action.activeIds),
        citations: withStoredCitations(state.citations, action.conversation.messages, action.activeIds),
      };
    case "loadFailed":
      return { ...state, load: action.missing ? "missing" : "failed", loadError: action.message };
    case "conversationCreated":
      return { ...state, conversationId: action.conversationId, load: "ready" };
    case "runQueued": {
      let tree = state.tree;
      let selection = state.selection;
      if (action.user) {
        tree = addMessage(tree, action.user);
        selection = { ...selection, [parentKey(action.user)]: action.user.id };
      }
      tree = addMessage(tree, action.assistant);
      selection = { ...selection, [parentKey(action.assistant)]: action.assistant.id };
      return { ...state, tree, selection, notice: null };
    }
    case "runStarted": {
      const { start } = action;
      let tree = state.tree;
      let selection = state.selection;
      if (action.temporaryUserId) {
        tree = renameMessage(tree, action.temporaryUserId, start.userMessageId);
        selection = renameInSelection(selection, action.temporaryUserId, start.userMessageId);
      }
      tree = renameMessage(tree, action.temporaryAssistantId, start.assistantMessageId);
      selection = renameInSelection(selection, action.temporaryAssistantId, start.assistantMessageId);
      tree = updateMessage(tree, start.assistantMessageId, {
        runId: start.runId,
        model: start.model,
        conversationId: start.conversationId,
      });
      if (action.temporaryUserId) {
        tree = updateMessage(tree, start.userMessageId, { conversationId: start.conversationId });
      }
      const routing = start.routing
        ? { ...state.routing, [start.assistantMessageId]: start.routing }
        : state.routing;
      return { ...state, tree, selection, routing };
    }
    case "runNotStarted": {
      let tree = removeMessage(state.tree, action.temporaryAssistantId);
      if (action.temporaryUserId) tree = removeMessage(tree, action.temporaryUserId);
      const unsent =
        action.unsent && action.temporaryUserId
          ? { ...action.unsent, temporaryId: action.temporaryUserId }
          : state.unsent;
      return { ...state, tree, unsent };
    }
    case "unsentTaken":
      return state.unsent ? { ...state, unsent: null } : state;
    case "runText": {
      const message = state.tree.messages[action.messageId];
      if (!message) return state;
      // A resumed stream replays the reply from its start: the text already shown stays until the replay passes it.
      if (action.text.length < message.content.length && message.content.startsWith(action.text))
        return state;
      if (action.text === message.content) return state;
      return { ...state, tree: updateMessage(state.tree, action.messageId, { content: action.text }) };
    }
    case "runEvent":
      return {
        ...state,
        tree: applyRunEvent(state.tree, action.messageId, action.event),
        citations: withRunCitation(state.citations, action.messageId, action.event),
      };
    case "connection": {
      const reconnecting = { ...state.reconnecting };
      if (action.state === "reconnecting") reconnecting[action.messageId] = true;
      else delete reconnecting[action.messageId];
      return { ...state, reconnecting };
    }
    case "select": {
      const message = state.tree.messages[action.messageId];
      if (!message) return state;
      return { ...state, selection: { ...state.selection, [parentKey(message)]: message.id } };
    }
    case "notice":
      return { ...state, notice: action.message };
  }
}

/** What a run's event changes in its reply; an event the page has no use for (or does not know) changes nothing. */
function applyRunEvent(tree: MessageTree, messageId: string, event: RunEvent): MessageTree {
  switch (event.event) {
    case "tool_call.start":
    case "tool_call.delta": {
      const message = tree.messages[messageId];
      if (!message) return tree;
      const known = message.toolCalls ?? [];
      const toolCalls = withToolCallEvent(known, event);
      return toolCalls === known ? tree : updateMessage(tree, messageId, { toolCalls });
    }
    case "usage":
      return updateMessage(tree, messageId, { usage: event.data });
    case "run.end":
      return updateMessage(tree, messageId, {
        // After a failover, another model than the one that started may have answered.
        ...(event.data.model && { model: event.data.model }),
        status: event.data.finishReason === "stopped" ? "stopped" : "complete",
        finishReason: event.data.finishReason,
        usage: event.data.usage,
        timings: event.data.timings,
      });
    case "run.error":
      return updateMessage(tree, messageId, {
        ...(event.data.model && { model: event.data.model }),
        status: event.data.code === "interrupted" ? "interrupted" : "incomplete",
        error: { code: event.data.code, message: event.data.message },
      });
    default:
      return tree;
  }
}

/**
 * A `citation` event adds to its reply's citations (once per mark: a resumed stream replays them); the run's end
 * says the reply's citations are all known, even when it has none.
 */
function withRunCitation(
  citations: ChatSessionState["citations"],
  messageId: string,
  event: RunEvent,
): ChatSessionState["citations"] {
  const known = citations[messageId];
  if (event.event === "citation") {
    if (known?.some((citation) => citation.marker === event.data.marker)) return citations;
    return { ...citations, [messageId]: [...(known ?? []), event.data] };
  }
  if ((event.event === "run.end" || event.event === "run.error") && !known)
    return { ...citations, [messageId]: [] };
  return citations;
}

/**
 * The citations a loaded conversation's replies are stored with (or, for one still being written, those sent so
 * far), except for replies this page is streaming itself: their own events say. A list the page holds already
 * stays when it is at least as long as the stored one (each mark is cited once, in the same order), so the marks
 * on screen do not render again.
 */
function withStoredCitations(
  citations: ChatSessionState["citations"],
  serverMessages: readonly TreeMessage[],
  activeIds: ReadonlySet<string>,
): ChatSessionState["citations"] {
  let merged: Record<string, readonly Citation[]> | null = null;
  for (const message of serverMessages) {
    const stored = message.citations;
    if (!stored || activeIds.has(message.id)) continue;
    const known = citations[message.id];
    if (known && known.length >= stored.length) continue;
    merged ??= { ...citations };
    merged[message.id] = stored;
  }
  return merged ?? citations;
}

/**
 * The server's tree, except where this page knows better: replies it is streaming itself, replies whose end it
 * has already seen (the server may not have written that end down yet), and messages still being sent.
 */
function mergeServerTree(
  local: MessageTree,
  serverMessages: readonly TreeMessage[],
  activeIds: ReadonlySet<string>,
): MessageTree {
  let tree = treeFrom(
    serverMessages.map((message) => {
      const known = local.messages[message.id];
      if (!known) return message;
      const keepLocal =
        activeIds.has(message.id) || (message.status === "streaming" && known.status !== "streaming");
      return keepLocal ? { ...known, children: message.children } : message;
    }),
  );
  for (const message of Object.values(local.messages)) {
    if (isTemporary(message.id) && !tree.messages[message.id])
      tree = addMessage(tree, { ...message, children: [] });
  }
  return tree;
}

function renameInSelection(selection: BranchSelection, fromId: string, toId: string): BranchSelection {
  const renamed: Record<string, string> = {};
  for (const [key, value] of Object.entries(selection)) {
    renamed[key === fromId ? toId : key] = value === fromId ? toId : value;
  }
  return renamed;
}
