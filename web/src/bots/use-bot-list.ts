/** The bots the user can chat with, for the sidebar's gallery; empty on a server without bots. */
import { useEffect, useState } from "react";
import { type BotListing, listBots } from "../api/parley-api.js";

export function useBotList(): BotListing[] {
  const [bots, setBots] = useState<BotListing[]>([]);
  useEffect(() => {
    const controller = new AbortController();
    listBots(controller.signal).then(
      // A private built-in bot is one an admin switched off: listed for admins to edit, not to chat with.
      (listed) => setBots(listed.filter((bot) => !(bot.builtIn !== null && bot.visibility === "private"))),
      () => {
        // No bots API, or it failed: the gallery stays empty and the chat works as before.
      },
    );
    return () => controller.abort();
  }, []);
  return bots;
}
