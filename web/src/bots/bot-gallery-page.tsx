/**
 * The bots gallery (/bots): every bot the user may chat with, as cards to open a chat with, found by search and by
 * category; the way to make a bot, and to edit one's own. Loaded on demand, with its styles.
 */
import { useEffect, useState } from "react";
import { type BotListing, listBots } from "../api/parley-api.js";
import { useTranslation } from "../i18n/translation.js";
import { EditIcon, SearchIcon, SidebarIcon } from "../ui/icons.js";
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
        if (!controller.signal.aborted)
          setListing({ kind: "failed", message: error instanceof Error ? error.message : String(error) });
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
      <header className="chat-header">
        {!props.sidebarOpen && (
          <button
            type="button"
            className="icon-button header-sidebar-button"
            aria-label={t("sidebar.open")}
            title={t("sidebar.open")}
            onClick={props.onOpenSidebar}
          >
            <SidebarIcon />
          </button>
        )}
        <div className="chat-header-end">
          <a
            className="button primary"
            href="/bots/new"
            onClick={(event) => {
              if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
              event.preventDefault();
              props.onOpenBotPage({ kind: "editor", botId: null });
            }}
          >
            {t("botGallery.create")}
          </a>
        </div>
      </header>
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
            <div className="bot-page-status" role="status">
              <span className="spinner" aria-hidden="true" />
              {t("botGallery.loading")}
            </div>
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
                <a
                  href={`/b/${encodeURIComponent(bot.slug)}`}
                  className="bot-card-link"
                  aria-label={t("bots.chatWith", { name: bot.name })}
                  aria-disabled={!canChatWith(bot) || undefined}
                  onClick={(event) => {
                    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
                    event.preventDefault();
                    if (canChatWith(bot)) props.onChatWithBot(bot);
                  }}
                >
                  <span className="bot-card-avatar" aria-hidden="true">
                    {bot.avatar}
                  </span>
                  <span className="bot-card-text">
                    <span className="bot-card-name">{bot.name}</span>
                    <span className="bot-card-description">{bot.description || t("bots.noDescription")}</span>
                    <span className="bot-card-meta">
                      {t(`botGallery.category.${botCategoryOf(bot, userId)}`)}
                      {bot.editable && ` · ${t(`botEditor.visibility.${bot.visibility}`)}`}
                    </span>
                  </span>
                </a>
                {bot.editable && (
                  <a
                    href={`/bots/${encodeURIComponent(bot.id)}/edit`}
                    className="icon-button bot-card-edit"
                    aria-label={t("botGallery.edit", { name: bot.name })}
                    title={t("botGallery.edit", { name: bot.name })}
                    onClick={(event) => {
                      if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
                      event.preventDefault();
                      props.onOpenBotPage({ kind: "editor", botId: bot.id });
                    }}
                  >
                    <EditIcon />
                  </a>
                )}
              </li>
            ))}
          </ul>
        </div>
      </div>
    </main>
  );
}
