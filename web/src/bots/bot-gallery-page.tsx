/**
 * The bots gallery (/bots): every bot the user may chat with, as cards to open a chat with, found by search and by
 * category; the way to make a bot, and to edit one's own. Loaded on demand, with its styles.
 */
import { useEffect, useState } from "react";
import { errorMessage } from "../api/error-message.js";
import { type BotListing, listBots } from "../api/parley-api.js";
import { useTranslation } from "../i18n/translation.js";
import { AppLink } from "../ui/app-link.js";
import { BusyStatus } from "../ui/busy-status.js";
import { EditIcon, SearchIcon } from "../ui/icons.js";
import { PageHeader } from "../ui/page-header.js";
import { BotAvatar } from "./bot-avatar.js";
import { BOT_CATEGORIES, type BotCategory, botCategoryOf, filterBots } from "./bot-categories.js";
import type { BotPage } from "./bot-page-route.js";
import { canChatWith } from "./use-bot-list.js";
import "./bot-pages.css";

type BotGalleryPageProps = {
  /** The signed-in user: their own bots are a category. */
  userId: string;
  sidebarOpen: boolean;
  onOpenSidebar: () => void;
  onChatWithBot: (bot: BotListing) => void;
  onOpenBotPage: (page: BotPage) => void;
};

type Listing =
  | { kind: "loading" }
  | { kind: "ready"; bots: BotListing[] }
  | { kind: "failed"; message: string };

export default function BotGalleryPage(props: BotGalleryPageProps) {
  const { userId } = props;
  const { t } = useTranslation();
  const [listing, setListing] = useState<Listing>({ kind: "loading" });
  const [query, setQuery] = useState("");
  const [category, setCategory] = useState<BotCategory | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    listBots(controller.signal).then(
      // Admins also see built-in bots they switched off: shown, to be edited, not chatted with.
      (bots) => setListing({ kind: "ready", bots: bots.filter((bot) => canChatWith(bot) || bot.editable) }),
      (error: unknown) => {
        if (!controller.signal.aborted) setListing({ kind: "failed", message: errorMessage(error) });
      },
    );
    return () => controller.abort();
  }, []);

  const bots = listing.kind === "ready" ? listing.bots : [];
  const shown = filterBots(bots, query, category, userId);
  const counts = new Map<BotCategory, number>();
  for (const bot of bots) {
    const of = botCategoryOf(bot, userId);
    counts.set(of, (counts.get(of) ?? 0) + 1);
  }

  return (
    <main className="bot-page" aria-labelledby="bot-gallery-page-title">
      <PageHeader sidebarOpen={props.sidebarOpen} onOpenSidebar={props.onOpenSidebar}>
        <div className="chat-header-end">
          <AppLink
            className="button primary"
            href="/bots/new"
            onOpen={() => props.onOpenBotPage({ kind: "editor", botId: null })}
          >
            {t("botGallery.create")}
          </AppLink>
        </div>
      </PageHeader>
      <div className="bot-page-scroller">
        <div className="bot-gallery-column">
          <h1 id="bot-gallery-page-title">{t("botGallery.title")}</h1>
          <p className="bot-editor-hint">{t("botGallery.intro")}</p>
          <search className="bot-gallery-search">
            <SearchIcon />
            <input
              type="search"
              aria-label={t("botGallery.search")}
              placeholder={t("botGallery.search")}
              value={query}
              onChange={(event) => setQuery(event.target.value)}
            />
          </search>
          <fieldset className="bot-categories">
            <legend className="visually-hidden">{t("botGallery.categories")}</legend>
            <button
              type="button"
              className="bot-category"
              aria-pressed={category === null}
              onClick={() => setCategory(null)}
            >
              {t("botGallery.all")}
              <span className="bot-category-count">{bots.length}</span>
            </button>
            {BOT_CATEGORIES.filter((each) => (counts.get(each) ?? 0) > 0).map((each) => (
              <button
                key={each}
                type="button"
                className="bot-category"
                aria-pressed={category === each}
                onClick={() => setCategory(each)}
              >
                {t(`botGallery.category.${each}`)}
                <span className="bot-category-count">{counts.get(each)}</span>
              </button>
            ))}
          </fieldset>
          {listing.kind === "loading" && (
            <BusyStatus className="bot-page-status">{t("botGallery.loading")}</BusyStatus>
          )}
          {listing.kind === "failed" && (
            <p className="bot-editor-problem" role="alert">
              {t("botGallery.loadFailed", { message: listing.message })}
            </p>
          )}
          {listing.kind === "ready" && shown.length === 0 && (
            <p className="bot-editor-hint">
              {query.trim() ? t("botGallery.noMatch", { query: query.trim() }) : t("botGallery.empty")}
            </p>
          )}
          <ul className="bot-cards" aria-label={t("botGallery.title")}>
            {shown.map((bot) => (
              <li key={bot.id} className="bot-card">
                <AppLink
                  href={`/b/${encodeURIComponent(bot.slug)}`}
                  className="bot-card-link"
                  aria-label={t("bots.chatWith", { name: bot.name })}
                  aria-disabled={!canChatWith(bot) || undefined}
                  onOpen={() => {
                    if (canChatWith(bot)) props.onChatWithBot(bot);
                  }}
                >
                  <span className="bot-card-avatar" aria-hidden="true">
                    <BotAvatar bot={bot} size={32} />
                  </span>
                  <span className="bot-card-text">
                    <span className="bot-card-name">{bot.name}</span>
                    <span className="bot-card-description">{bot.description || t("bots.noDescription")}</span>
                    <span className="bot-card-meta">
                      {t(`botGallery.category.${botCategoryOf(bot, userId)}`)}
                      {bot.editable && ` · ${t(`botEditor.visibility.${bot.visibility}`)}`}
                    </span>
                  </span>
                </AppLink>
                {bot.editable && (
                  <AppLink
                    href={`/bots/${encodeURIComponent(bot.id)}/edit`}
                    className="icon-button bot-card-edit"
                    aria-label={t("botGallery.edit", { name: bot.name })}
                    title={t("botGallery.edit", { name: bot.name })}
                    onOpen={() => props.onOpenBotPage({ kind: "editor", botId: bot.id })}
                  >
                    <EditIcon />
                  </AppLink>
                )}
              </li>
            ))}
          </ul>
        </div>
      </div>
    </main>
  );
}
