/** The bots the user can chat with, for the sidebar's gallery; empty on a server without bots. */
import { useCallback, useEffect, useState } from "react";
import { type BotListing, listBots } from "../api/parley-api.js";

export type BotList = {
  bots: BotListing[];
  /** After a bot was created, saved or deleted. */
  reload: () => void;
};

export function useBotList(): BotList {
  const [bots, setBots] = useState<BotListing[]>([]);
  const [generation, setGeneration] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `generation` is the reason to list them again.
  useEffect(() => {
    const controller = new AbortController();
    listBots(controller.signal).then(
      (listed) => setBots(listed.filter(canChatWith)),
      () => {
        // No bots API, or it failed: the gallery stays empty and the chat works as before.
      },
    );
    return () => controller.abort();
  }, [generation]);
  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return { bots, reload };
}

/** A private built-in bot is one an admin switched off: listed for admins to edit, not to chat with. */
export function canChatWith(bot: BotListing): boolean {
  return !(bot.builtIn !== null && bot.visibility === "private");
}
