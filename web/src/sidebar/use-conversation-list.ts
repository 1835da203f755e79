/** The sidebar's conversations from GET /api/conversations, searched as the user types. */
import { useCallback, useEffect, useRef, useState } from "react";
import type { Conversation } from "../../../src/core/conversation.js";
import { errorMessage } from "../api/error-message.js";
import { listConversations } from "../api/parley-api.js";

const SEARCH_DELAY_MS = 200;

export type ConversationList = {
  conversations: Conversation[];
  query: string;
  setQuery: (query: string) => void;
  loaded: boolean;
  error: string | null;
  reload: () => void;
  /** Shows a change at once, before the server's list confirms it. */
  patch: (id: string, change: Partial<Conversation> | null) => void;
};

export function useConversationList(): ConversationList {
  const [conversations, setConversations] = useState<Conversation[]>([]);
  const [query, setQuery] = useState("");
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const request = useRef<AbortController>(undefined);
  const queryRef = useRef(query);
  queryRef.current = query;

  const reload = useCallback(() => {
    request.current?.abort();
    const controller = new AbortController();
    request.current = controller;
    listConversations(queryRef.current, controller.signal).then(
      (list) => {
        setConversations(list);
        setLoaded(true);
        setError(null);
      },
      (failure: unknown) => {
        if (controller.signal.aborted) return;
        setLoaded(true);
        setError(errorMessage(failure));
      },
    );
  }, []);

  useEffect(() => {
    const timer = setTimeout(reload, query === "" ? 0 : SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [query, reload]);

  useEffect(() => () => request.current?.abort(), []);

  const patch = useCallback((id: string, change: Partial<Conversation> | null) => {
    setConversations((current) =>
      change === null
        ? current.filter((conversation) => conversation.id !== id)
        : current.map((conversation) =>
            conversation.id === id ? { ...conversation, ...change } : conversation,
          ),
    );
  }, []);

  return { conversations, query, setQuery, loaded, error, reload, patch };
}
