// The bots gallery's categories (where a bot comes from) and search, and the bot pages' addresses.
import { describe, expect, it } from "vitest";
import type { BotListing } from "../../web/src/api/parley-api.js";
import { botCategoryOf, filterBots } from "../../web/src/bots/bot-categories.js";
import { botPageFrom, botPagePath } from "../../web/src/bots/bot-page-route.js";

function bot(name: string, description: string, ownerId: string, builtIn: string | null = null) {
  return {
    id: `bot_${name}`,
    slug: name.toLowerCase().replace(/\s+/g, "-"),
    name,
    description,
    ownerId,
    builtIn,
  } as BotListing;
}

const BOTS = [
  bot("Code tutor", "Hints step by step.", "parley", "code-tutor"),
  bot("Trip planner", "Plans short trips.", "me"),
  bot("Recipe helper", "Cooks with what you have.", "someone"),
  bot("翻译助手", "把文章翻译成中文。", "me"),
];

describe("the bots gallery", () => {
  it("sorts bots into built-in, the user's own, and shared by others", () => {
    expect(BOTS.map((each) => botCategoryOf(each, "me"))).toEqual(["built-in", "mine", "shared", "mine"]);
  });

  it("finds bots whose name, description or slug has every word searched, within a category", () => {
    const names = (query: string, category: Parameters<typeof filterBots>[2] = null) =>
      filterBots(BOTS, query, category, "me").map((each) => each.name);
    expect(names("")).toEqual(["Code tutor", "Trip planner", "Recipe helper", "翻译助手"]);
    expect(names("  TRIPS  short ")).toEqual(["Trip planner"]);
    expect(names("code-tutor")).toEqual(["Code tutor"]);
    expect(names("翻译")).toEqual(["翻译助手"]);
    expect(names("", "mine")).toEqual(["Trip planner", "翻译助手"]);
    expect(names("trip", "shared")).toEqual([]);
  });

  it("reads and writes the gallery's and the editor's addresses", () => {
    expect(botPageFrom("/bots/")).toEqual({ kind: "gallery" });
    expect(botPageFrom("/bots/new")).toEqual({ kind: "editor", botId: null });
    expect(botPageFrom("/bots/bot_1/edit")).toEqual({ kind: "editor", botId: "bot_1" });
    expect(botPageFrom("/b/code-tutor")).toBeNull();
    expect(botPagePath({ kind: "editor", botId: "bot_1" })).toBe("/bots/bot_1/edit");
  });
});
