/** Who may use, list and change a bot: the visibility rules, in one place for routes and replies alike. */
import type { Bot } from "./bot.js";
import type { Principal } from "./principal.js";

/**
 * Chatting with and reading a bot: its owner always; anyone for `link` and `everyone` bots. A private built-in
 * bot is one an admin switched off, so nobody chats with it (admins still see and edit it).
 */
export function canUseBot(bot: Pick<Bot, "ownerId" | "visibility">, userId: string): boolean {
  return bot.ownerId === userId || bot.visibility !== "private";
}

/** Reading a bot's settings: whoever may use it, and admins for built-in bots. */
export function canReadBot(
  bot: Pick<Bot, "ownerId" | "visibility" | "builtIn">,
  principal: Principal,
): boolean {
  return canUseBot(bot, principal.userId) || canEditBot(bot, principal);
}

/** Saving a new version, reading instructions and versions: the owner, and admins for built-in bots. */
export function canEditBot(bot: Pick<Bot, "ownerId" | "builtIn">, principal: Principal): boolean {
  return bot.ownerId === principal.userId || (bot.builtIn !== null && principal.role === "admin");
}
