/** The chat page's hook for one conversation: its state, the thread on screen, and what the user can do. */
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from "react";
import type { TreeMessage } from "../api/parley-api.js";
import { useTranslation } from "../i18n/translation.js";
import { ChatSessionController } from "./chat-session-controller.js";
import { type ChatSessionState, chatSessionReducer, initialChatSession } from "./chat-session-state.js";
import { visibleThread } from "./message-tree.js";

export type ChatSessionConfig = {
  conversationId: string | null;
  /** For a new chat with a bot: the bot's id or slug. */
  botId: string | null;
  /** A model id, or "auto". */
  model: string;
  onConversationCreated: (conversationId: string) => void;
  onConversationsChanged: () => void;
  onRunEnded: () => void;
};

export type ChatSession = {
  state: ChatSessionState;
  thread: TreeMessage[];
  /** A reply in the shown thread is being written. */
  streaming: boolean;
  controller: ChatSessionController;
  select: (messageId: string) => void;
  dismissNotice: () => void;
  /** The composer took back the message the server refused (`state.unsent`). */
  unsentTaken: () => void;
};

export function useChatSession(config: ChatSessionConfig): ChatSession {
  const { t } = useTranslation();
  const [state, dispatch] = useReducer(chatSessionReducer, config, (initial) =>
    initialChatSession(initial.conversationId, initial.botId),
  );
  // The controller outlives renders; it reads the latest state and settings through these refs.
  const latest = useRef({ state, config, t });
  latest.current = { state, config, t };

  const [controller] = useState(
    () =>
      new ChatSessionController({
        dispatch,
        getState: () => latest.current.state,
        getModel: () => latest.current.config.model,
        translate: () => latest.current.t,
        onConversationCreated: (id) => latest.current.config.onConversationCreated(id),
        onConversationsChanged: () => latest.current.config.onConversationsChanged(),
        onRunEnded: () => latest.current.config.onRunEnded(),
      }),
  );

  useEffect(() => {
    controller.activate();
    if (latest.current.state.conversationId) void controller.refresh();
    return () => controller.dispose();
  }, [controller]);

  const thread = useMemo(() => visibleThread(state.tree, state.selection), [state.tree, state.selection]);
  const streaming = thread.some((message) => message.status === "streaming");
  // Stable, so that messages which did not change skip rendering while a reply streams.
  const select = useCallback((messageId: string) => dispatch({ type: "select", messageId }), []);
  const dismissNotice = useCallback(() => dispatch({ type: "notice", message: null }), []);
  const unsentTaken = useCallback(() => dispatch({ type: "unsentTaken" }), []);

  return { state, thread, streaming, controller, select, dismissNotice, unsentTaken };
}
