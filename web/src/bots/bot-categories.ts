/**
 * The gallery's categories and search. Bots have no category of their own, so the gallery sorts them by where
 * they come from: Parley's built-in bots, the user's own, and those others share with everyone.
 */
import type { BotListing } from "../api/parley-api.js";

export type BotCategory = "built-in" | "mine" | "shared";

export const BOT_CATEGORIES: readonly BotCategory[] = ["built-in", "mine", "shared"];

export function botCategoryOf(bot: Pick<BotListing, "builtIn" | "ownerId">, userId: string): BotCategory {
  if (bot.builtIn !== null) return "built-in";
  return bot.ownerId === userId ? "mine" : "shared";
}

/** The bots of a category (all for null) whose name, description or slug has every word of the query. */
export function filterBots(
  bots: readonly BotListing[],
  query: string,
  category: BotCategory | null,
  userId: string,
): BotListing[] {
  const words = query.toLocaleLowerCase().split(/\s+/).filter(Boolean);
  return bots.filter((bot) => {
    if (category !== null && botCategoryOf(bot, userId) !== category) return false;
    const text = `${bot.name}\n${bot.description}\n${bot.slug}`.toLocaleLowerCase();
    return words.every((word) => text.includes(word));
  });
}
