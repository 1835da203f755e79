/**
 * What a bot adds to a reply: its instructions as the system prompt, its default model, tier and temperature,
 * its tools' work on the user's message (the article behind a link), and for the translator a long article
 * translated section by section. Runs call it while building a prompt.
 */
import { AppError, BadRequestError } from "../core/app-error.js";
import { type BotVersion, slugOfBotModel } from "../core/bot.js";
import { canUseBot } from "../core/bot-access.js";
import type { CitationSources } from "../core/citation-check.js";
import type { Conversation } from "../core/conversation.js";
import type { ParleyStore } from "../core/parley-store.js";
import type { Tier } from "../core/routing-policy.js";
import type { ChatCallOptions, ChatPrompt, ChatPromptMessage } from "../providers/chat-model.js";
import { articlePrompt } from "./article-prompt.js";
import { TECH_ARTICLE_TRANSLATOR } from "./built-in/tech-article-translator.js";
import { type FetchedArticle, fetchUrl } from "./fetch-url.js";
import { knowledgePrompt } from "./knowledge-prompt.js";
import type { KnowledgeSearch } from "./knowledge-search.js";
import { type SectionedReply, sectionedTranslation } from "./sectioned-translation.js";

export type { SectionedReply } from "./sectioned-translation.js";

/**
 * The longest article the translator fetches: it works section by section, so the window does not bound it, but
 * every section is a model call (about 60 of them for this many characters at a 2,048-token output budget).
 */
const MAX_TRANSLATED_ARTICLE_CHARACTERS = 250_000;

export type BotRepliesConfig = {
  store: ParleyStore;
  /** Whether the catalog serves a model: a bot's default model that is gone falls back to Parley's default. */
  hasModel: (modelId: string) => boolean;
  /** The `fetch_url` tool; by default it refuses every internal address. */
  fetchArticle?: (url: string) => Promise<FetchedArticle>;
  /** How questions find knowledge sentences; by their words alone unless an embedding model is configured. */
  knowledgeSearch?: KnowledgeSearch;
};

export type RequestedModel = { model?: string; tier?: Tier };

/** One reply's prompt, model choice and call settings, with the bot's part added. */
export type BotTurn = {
  prompt: ChatPrompt;
  requested: RequestedModel;
  call: Pick<ChatCallOptions, "temperature">;
  /** What the reply may cite, when the bot's knowledge gave it sentences to cite. */
  citations?: CitationSources;
  /** For the translator and a long article: routed by one section, answered section by section as one reply. */
  sectioned?: SectionedReply;
};

/** The bot of a conversation was deleted, or its owner stopped sharing it. */
export class BotUnavailableError extends AppError {
  constructor(botId: string) {
    super(
      "bot_unavailable",
      "The bot of this conversation was deleted or is no longer shared with you; start a new conversation.",
      { status: 409, details: { botId } },
    );
  }
}

export class BotReplies {
  readonly #config: BotRepliesConfig;
  readonly #fetchArticle: (url: string) => Promise<FetchedArticle>;

  constructor(config: BotRepliesConfig) {
    this.#config = config;
    this.#fetchArticle = config.fetchArticle ?? ((url) => fetchUrl(url));
  }

  /**
   * The bot version a conversation answers with: the one recorded when it began, so a later edit of the bot
   * never changes a conversation under way. Undefined for a conversation without a bot.
   */
  async forConversation(conversation: Conversation, userId: string): Promise<BotVersion | undefined> {
    if (conversation.botId === null) return undefined;
    const bot = await this.#config.store.bots.get(conversation.botId);
    if (!bot || !canUseBot(bot, userId)) throw new BotUnavailableError(conversation.botId);
    const version = await this.#config.store.bots.getVersion(bot.id, conversation.botVersion ?? bot.version);
    if (!version) throw new BotUnavailableError(conversation.botId);
    return version;
  }

  /** The current version of the bot a `bot:<slug>` model name asks for; undefined for any other model name. */
  async forModel(model: string | undefined, userId: string): Promise<BotVersion | undefined> {
    const slug = slugOfBotModel(model);
    if (slug === undefined) return undefined;
    const bot = await this.#config.store.bots.getBySlug(slug);
    // Someone else's private bot is as unknown as a slug nobody has.
    if (!bot || !canUseBot(bot, userId)) {
      throw new BadRequestError(
        `Unknown model ${JSON.stringify(model)}: no bot with the slug ${JSON.stringify(slug)} is shared with you.`,
        {
          code: "unknown_model",
        },
      );
    }
    const version = await this.#config.store.bots.getVersion(bot.id, bot.version);
    if (!version) throw new BotUnavailableError(bot.id);
    return version;
  }

  /**
   * The prompt with the bot's instructions first (and what its knowledge says about the question), the user's
   * link replaced by the article for a bot with `fetch_url`, and the model and settings the bot asks for.
   */
  async turn(bot: BotVersion, prompt: ChatPrompt, requested: RequestedModel): Promise<BotTurn> {
    let messages = [...prompt];
    const last = messages.at(-1);
    const translator = await this.#isTranslator(bot);
    const knowledge =
      last?.role === "user"
        ? await knowledgePrompt(this.#config.store, bot.botId, last.content, this.#config.knowledgeSearch)
        : undefined;
    if (bot.tools.includes("fetch_url") && last?.role === "user") {
      messages[messages.length - 1] = {
        ...last,
        content: translator
          ? await articlePrompt(last.content, this.#fetchArticle, MAX_TRANSLATED_ARTICLE_CHARACTERS)
          : await articlePrompt(last.content, this.#fetchArticle),
      };
    }
    const system = [bot.instructions.trim(), knowledge?.text ?? ""]
      .filter((part) => part !== "")
      .join("\n\n");
    messages = withInstructions(system, messages);
    const sectioned = translator ? sectionedTranslation(messages) : undefined;
    return {
      prompt: messages,
      requested: this.#requested(bot, requested),
      call: {
        ...(bot.temperature !== null && { temperature: bot.temperature }),
        // The passages found for this question change the prompt's beginning (the system prompt) at every turn.
        ...(knowledge && { cachePrompt: false }),
      },
      ...(knowledge && { citations: knowledge.sources }),
      ...(sectioned && { sectioned }),
    };
  }

  /** The built-in translator, however an admin has edited it, translates long articles section by section. */
  async #isTranslator(bot: BotVersion): Promise<boolean> {
    return (await this.#config.store.bots.get(bot.botId))?.builtIn === TECH_ARTICLE_TRANSLATOR.key;
  }

  /** A model or tier named in the request wins; otherwise the bot's, if the catalog still serves its model. */
  #requested(bot: BotVersion, requested: RequestedModel): RequestedModel {
    if (requested.model !== undefined || requested.tier !== undefined) return requested;
    const model =
      bot.model !== null && (bot.model === "auto" || this.#config.hasModel(bot.model))
        ? bot.model
        : undefined;
    return {
      ...(model !== undefined && { model }),
      ...(bot.tier !== null && { tier: bot.tier }),
    };
  }
}

/**
 * The bot's instructions as the first system message. A system message the caller sent (on the compatible APIs)
 * follows them in the same message: some chat templates take only one system message, at the start.
 */
function withInstructions(instructions: string, prompt: ChatPromptMessage[]): ChatPromptMessage[] {
  const text = instructions.trim();
  if (text === "") return prompt;
  const [first, ...rest] = prompt;
  if (first?.role === "system") return [{ role: "system", content: `${text}\n\n${first.content}` }, ...rest];
  return [{ role: "system", content: text }, ...prompt];
}
