/** The bot editor's form as data: a bot's fields while they are being changed, and what a save sends. */
import type { BotDefinition } from "../../../src/core/bot.js";
import type { BotFields } from "../api/bot-api.js";
import type { BotListing } from "../api/parley-api.js";

/**
 * A bot's fields as the form holds them: the slug is empty for a new bot (the server derives it from the name), and
 * the conversation starters are as typed (empty lines are dropped when saved).
 */
export type BotDraft = BotDefinition;

/** The server's limit on conversation starters. */
export const MAX_STARTERS = 8;

/** A new bot starts private: nobody else sees it until its maker shares it. */
export const NEW_BOT_DRAFT: BotDraft = {
  name: "",
  slug: "",
  description: "",
  avatar: "🤖",
  instructions: "",
  conversationStarters: [""],
  model: null,
  tier: null,
  temperature: null,
  tools: [],
  visibility: "private",
};

export function draftOf(bot: BotListing): BotDraft {
  return {
    name: bot.name,
    slug: bot.slug,
    description: bot.description,
    avatar: bot.avatar,
    instructions: bot.instructions ?? "",
    conversationStarters: bot.conversationStarters.length > 0 ? [...bot.conversationStarters] : [""],
    model: bot.model,
    tier: bot.tier,
    temperature: bot.temperature,
    tools: [...bot.tools],
    visibility: bot.visibility,
  };
}

/** What a save sends: trimmed text, no empty starters, no slug for a new bot that leaves it to the server. */
export function fieldsOf(draft: BotDraft): BotFields & { name: string } {
  const slug = draft.slug.trim();
  return {
    name: draft.name.trim(),
    ...(slug !== "" && { slug }),
    description: draft.description.trim(),
    avatar: draft.avatar.trim(),
    instructions: draft.instructions,
    conversationStarters: draft.conversationStarters.map((starter) => starter.trim()).filter(Boolean),
    model: draft.model,
    tier: draft.tier,
    temperature: draft.temperature,
    tools: draft.tools,
    visibility: draft.visibility,
  };
}

/** Whether saving the draft would change the bot (what is typed, as it would be saved). */
export function isChanged(draft: BotDraft, saved: BotListing | null): boolean {
  if (saved === null) return true;
  return JSON.stringify(fieldsOf(draft)) !== JSON.stringify(fieldsOf(draftOf(saved)));
}
