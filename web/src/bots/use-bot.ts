/** The bot a chat talks to, from GET /api/bots/:id (by id or slug); null while it loads or when there is none. */
import { useEffect, useState } from "react";
import { errorMessage } from "../api/error-message.js";
import { type BotListing, getBot } from "../api/parley-api.js";

export type BotState = { bot: BotListing | null; error: string | null };

export function useBot(idOrSlug: string | null): BotState {
  const [state, setState] = useState<BotState>({ bot: null, error: null });
  // A new chat names its bot by slug; once created, the conversation names it by id: the same bot, no refetch.
  const known = state.bot !== null && (state.bot.id === idOrSlug || state.bot.slug === idOrSlug);

  useEffect(() => {
    if (idOrSlug === null || known) return;
    const controller = new AbortController();
    getBot(idOrSlug, controller.signal).then(
      (bot) => setState({ bot, error: null }),
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ bot: null, error: errorMessage(error) });
      },
    );
    return () => controller.abort();
  }, [idOrSlug, known]);

  return idOrSlug === null ? { bot: null, error: null } : state;
}
