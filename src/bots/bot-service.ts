/** Bots on behalf of a user: create, list, read, save (a new version each time) and delete, with the sharing rules. */
import { AppError, BadRequestError, ConflictError, NotFoundError } from "../core/app-error.js";
import { avatarFileIdOf, type Bot, type BotDefinition, type BotVersion } from "../core/bot.js";
import { canEditBot, canReadBot, canUseBot } from "../core/bot-access.js";
import { BOT_SLUG_RULE, isBotSlug, slugFromName } from "../core/bot-slug.js";
import { newId } from "../core/ids.js";
import type { ParleyStore } from "../core/parley-store.js";
import type { Principal } from "../core/principal.js";

export type NewBot = Partial<BotDefinition> & Pick<BotDefinition, "name">;

export type BotChanges = Partial<BotDefinition> & {
  /** The version the changes were made to; a save based on an older one is refused rather than lost. */
  expectedVersion?: number;
};

export type BotListOptions = { query?: string };

/** A bot's image avatar, ready to send. */
export type BotAvatarImage = { fileId: string; mediaType: string; bytes: Uint8Array };

const DEFAULTS: Omit<BotDefinition, "name" | "slug"> = {
  description: "",
  avatar: "🤖",
  instructions: "",
  conversationStarters: [],
  model: null,
  tier: null,
  temperature: null,
  tools: [],
  visibility: "private",
};

/** A bot someone may see but not change: 403, unlike a bot they may not see at all (404). */
export class BotForbiddenError extends AppError {
  constructor(message: string) {
    super("forbidden", message, { status: 403 });
  }
}

export class BotService {
  readonly #store: ParleyStore;

  constructor(config: { store: ParleyStore }) {
    this.#store = config.store;
  }

  async create(principal: Principal, input: NewBot): Promise<Bot> {
    const now = Date.now();
    const definition: BotDefinition = { ...DEFAULTS, ...input, slug: input.slug ?? "" };
    await this.#checkAvatar(principal, definition.avatar);
    const bot = (slug: string): Bot => ({
      ...definition,
      slug,
      id: newId("bot"),
      ownerId: principal.userId,
      version: 1,
      builtIn: null,
      createdAt: now,
      updatedAt: now,
    });
    if (input.slug !== undefined) {
      assertSlug(input.slug);
      const created = bot(input.slug);
      await this.#store.bots.create(created, principal.userId);
      return created;
    }
    // A slug derived from the name gets a number when taken, so creating "Code tutor" twice just works.
    const base = slugFromName(input.name) || "bot";
    for (const slug of slugCandidates(base)) {
      const created = bot(slug);
      try {
        await this.#store.bots.create(created, principal.userId);
        return created;
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
      }
    }
    throw new ConflictError(`No free slug was found for ${JSON.stringify(input.name)}; give one.`);
  }

  /** The caller's bots and those shared with everyone (admins also see every built-in bot). */
  async list(principal: Principal, options: BotListOptions = {}): Promise<Bot[]> {
    return this.#store.bots.list({
      visibleTo: principal.userId,
      includeBuiltIn: principal.role === "admin",
      ...(options.query !== undefined && { query: options.query }),
    });
  }

  /** By id (`bot_...`) or by slug; a bot the caller may not see is "not found", never "forbidden". */
  async get(principal: Principal, idOrSlug: string): Promise<Bot> {
    const bot = idOrSlug.startsWith("bot_")
      ? await this.#store.bots.get(idOrSlug)
      : await this.#store.bots.getBySlug(idOrSlug);
    if (!bot || !canReadBot(bot, principal)) throw new NotFoundError("Bot", idOrSlug);
    return bot;
  }

  /** Saves the bot with `changes` as its next version. */
  async update(principal: Principal, idOrSlug: string, changes: BotChanges): Promise<Bot> {
    const bot = await this.editable(principal, idOrSlug);
    const { expectedVersion, ...fields } = changes;
    if (fields.slug !== undefined) assertSlug(fields.slug);
    // An avatar kept as it was is not checked again: it was the saver's image when set.
    if (fields.avatar !== undefined && fields.avatar !== bot.avatar) {
      await this.#checkAvatar(principal, fields.avatar);
    }
    const definition: BotDefinition = { ...definitionOf(bot), ...fields };
    return this.#store.bots.saveVersion(bot.id, definition, {
      expectedVersion: expectedVersion ?? bot.version,
      savedBy: principal.userId,
      at: Math.max(Date.now(), bot.updatedAt),
    });
  }

  async delete(principal: Principal, idOrSlug: string): Promise<void> {
    const bot = await this.editable(principal, idOrSlug);
    if (bot.builtIn !== null) {
      throw new ConflictError(
        "Built-in bots cannot be deleted; an admin can make one private to switch it off for everyone.",
      );
    }
    if (!(await this.#store.bots.delete(bot.id))) throw new NotFoundError("Bot", idOrSlug);
  }

  /** Every version, newest first: for those who may edit the bot, since versions hold its instructions. */
  async versions(principal: Principal, idOrSlug: string): Promise<BotVersion[]> {
    const bot = await this.editable(principal, idOrSlug);
    return this.#store.bots.listVersions(bot.id);
  }

  async version(principal: Principal, idOrSlug: string, version: number): Promise<BotVersion> {
    const bot = await this.editable(principal, idOrSlug);
    const found = await this.#store.bots.getVersion(bot.id, version);
    if (!found) throw new NotFoundError("Bot version", `${bot.id}@${version}`);
    return found;
  }

  /**
   * The image of the bot's avatar, for whoever may see the bot. An emoji avatar, a bot the caller may not see
   * and an image gone from the store are all "not found".
   */
  async avatarImage(principal: Principal, idOrSlug: string): Promise<BotAvatarImage> {
    const bot = await this.get(principal, idOrSlug);
    const fileId = avatarFileIdOf(bot.avatar);
    const file = fileId === undefined ? undefined : await this.#store.files.get(fileId);
    const bytes = file === undefined ? undefined : await this.#store.files.bytes(file.id);
    if (!file || !bytes) {
      throw new AppError("not_found", `Bot ${JSON.stringify(idOrSlug)} has no image avatar.`, {
        status: 404,
        details: { id: idOrSlug },
      });
    }
    return { fileId: file.id, mediaType: file.mediaType, bytes };
  }

  /**
   * An image avatar must be an image the saver uploaded: for a user's bot that is its owner (nobody else saves
   * it); for a built-in bot, the admin saving it. So nobody shows another user's private file by naming its id.
   * An unknown id and someone else's are refused alike, so the answer never says whether the file exists.
   */
  async #checkAvatar(principal: Principal, avatar: string): Promise<void> {
    const fileId = avatarFileIdOf(avatar);
    if (fileId === undefined) return;
    const file = await this.#store.files.get(fileId);
    // Every upload is checked to be an image; the type is checked again so that no other kind of file slips in.
    if (!file || file.userId !== principal.userId || !file.mediaType.startsWith("image/")) {
      throw new BadRequestError(
        `\`avatar\`: file ${JSON.stringify(fileId)} is not among your images. Upload the image with POST /api/files and save the id it returns, or use an emoji.`,
        { code: "invalid_avatar", details: { fileId } },
      );
    }
  }

  /** The bot (by id or slug) a new conversation of the user's will answer with. */
  async forConversation(userId: string, idOrSlug: string): Promise<Bot> {
    const bot = idOrSlug.startsWith("bot_")
      ? await this.#store.bots.get(idOrSlug)
      : await this.#store.bots.getBySlug(idOrSlug);
    if (!bot || !canUseBot(bot, userId)) throw new NotFoundError("Bot", idOrSlug);
    return bot;
  }

  /** The bot, if the caller may change it: 404 when they may not see it, 403 when they may only see it. */
  async editable(principal: Principal, idOrSlug: string): Promise<Bot> {
    const bot = await this.get(principal, idOrSlug);
    if (!canEditBot(bot, principal)) {
      throw new BotForbiddenError(
        bot.builtIn === null
          ? "Only the bot's owner can change it or see its versions."
          : "Only an admin can change a built-in bot or see its versions.",
      );
    }
    return bot;
  }
}

/** The fields of a bot that a version holds. */
export function definitionOf(bot: BotDefinition): BotDefinition {
  return {
    slug: bot.slug,
    name: bot.name,
    description: bot.description,
    avatar: bot.avatar,
    instructions: bot.instructions,
    conversationStarters: bot.conversationStarters,
    model: bot.model,
    tier: bot.tier,
    temperature: bot.temperature,
    tools: bot.tools,
    visibility: bot.visibility,
  };
}

function assertSlug(slug: string): void {
  if (!isBotSlug(slug)) {
    throw new BadRequestError(`The slug ${JSON.stringify(slug)} is not valid: use ${BOT_SLUG_RULE}.`, {
      code: "invalid_slug",
    });
  }
}

function* slugCandidates(base: string): Generator<string> {
  yield base;
  for (let number = 2; number <= 20; number++) yield `${base.slice(0, 60)}-${number}`;
  for (let attempt = 0; attempt < 5; attempt++) {
    yield `${base.slice(0, 55)}-${Math.random().toString(36).slice(2, 8)}`;
  }
}
