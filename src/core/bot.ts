/** A bot: instructions, conversation starters and defaults that shape a conversation; every save is a version. */
import type { IdPrefix } from "./ids.js";
import type { Tier } from "./routing-policy.js";

/** `private`: the owner only; `link`: anyone who has its id or slug, not listed; `everyone`: listed for all. */
export type BotVisibility = "private" | "link" | "everyone";

export const BOT_VISIBILITIES: readonly BotVisibility[] = ["private", "link", "everyone"];

/** Tools a bot may use; `fetch_url` reads a web page the user's message points to. */
export type BotTool = "fetch_url";

export const BOT_TOOLS: readonly BotTool[] = ["fetch_url"];

/** Everything a save sets. A version is a full copy of it, so any version can be read (or restored) alone. */
export type BotDefinition = {
  /** Lower-case letters, digits and hyphens; names the bot in links and as the model `bot:<slug>`. */
  slug: string;
  name: string;
  description: string;
  /** An emoji, or the id of an image the owner uploaded (POST /api/files): see `avatarFileIdOf`. */
  avatar: string;
  /** The system prompt of every conversation with the bot. */
  instructions: string;
  /** Suggested first messages, shown when a conversation starts. */
  conversationStarters: string[];
  /** A catalog model id, or `auto`, used when a message names no model; null for Parley's default. */
  model: string | null;
  /** With no model: the lowest tier `auto` may choose. */
  tier: Tier | null;
  /** Null leaves the model's own default. */
  temperature: number | null;
  tools: BotTool[];
  visibility: BotVisibility;
};

export type Bot = BotDefinition & {
  id: string;
  ownerId: string;
  /** The current version: 1 when created, one more with every save. */
  version: number;
  /** The key of a built-in bot (for example `tech-article-translator`); null for a bot a user made. */
  builtIn: string | null;
  /** Epoch milliseconds. */
  createdAt: number;
  updatedAt: number;
};

/** One saved state of a bot. */
export type BotVersion = BotDefinition & {
  botId: string;
  version: number;
  /** Who saved it: the owner, or an admin for a built-in bot. */
  savedBy: string;
  createdAt: number;
};

/** The owner of built-in bots: an id no account has, so nobody signs in as it. */
export const BUILT_IN_BOT_OWNER = "parley";

/** On the compatible APIs a bot answers as the model `bot:<slug>`. */
export const BOT_MODEL_PREFIX = "bot:";

export function botModelName(slug: string): string {
  return `${BOT_MODEL_PREFIX}${slug}`;
}

/** The slug a `bot:<slug>` model name asks for; undefined for any other model name. */
export function slugOfBotModel(model: string | undefined): string | undefined {
  return model?.startsWith(BOT_MODEL_PREFIX) ? model.slice(BOT_MODEL_PREFIX.length) : undefined;
}

/** What every file id starts with; no emoji does, so an avatar that starts so names an image. */
const FILE_ID_START = `${"file" satisfies IdPrefix}_`;

/**
 * The image an avatar names, or undefined for an emoji. The avatar stays one text rather than gaining an
 * `avatarFileId` beside it: the stored column, every saved version (which so keeps its avatar, image or emoji),
 * the built-in bots and the clients that set an emoji all stay as they are.
 */
export function avatarFileIdOf(avatar: string): string | undefined {
  return avatar.startsWith(FILE_ID_START) ? avatar : undefined;
}

/**
 * Where a bot's image avatar is read, for everyone who may see the bot; null for an emoji. The image's id rides
 * along so that a new image is a new address: a browser never shows the old one from its cache.
 */
export function botAvatarUrl(bot: Pick<Bot, "id" | "avatar">): string | null {
  const fileId = avatarFileIdOf(bot.avatar);
  return fileId === undefined
    ? null
    : `/api/bots/${encodeURIComponent(bot.id)}/avatar?v=${encodeURIComponent(fileId)}`;
}
