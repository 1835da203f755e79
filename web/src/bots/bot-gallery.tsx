/**
 * The sidebar's bots, pinned above the conversations: each opens a new chat with that bot; "Explore bots" opens
 * the whole gallery, with search, categories and the way to make a bot.
 */
import { useState } from "react";
import type { BotListing } from "../api/parley-api.js";
import { useTranslation } from "../i18n/translation.js";
import { AppLink } from "../ui/app-link.js";
import { BotAvatar } from "./bot-avatar.js";

/** Shown before "Show all": the list should not push the conversations out of sight. */
const FIRST_SHOWN = 4;

type BotGalleryProps = {
  bots: readonly BotListing[];
  /** The bot of the chat on screen (its id or slug). */
  activeBotId: string | null;
  onChatWithBot: (bot: BotListing) => void;
  /** The gallery page is on screen. */
  galleryOpen: boolean;
  onOpenGallery: () => void;
};

export function BotGallery({
  bots,
  activeBotId,
  onChatWithBot,
  galleryOpen,
  onOpenGallery,
}: BotGalleryProps) {
  const { t } = useTranslation();
  const [expanded, setExpanded] = useState(false);
  const shown = expanded ? bots : bots.slice(0, FIRST_SHOWN);
  return (
    <section className="bot-gallery" aria-labelledby="bot-gallery-title">
      <div className="bot-gallery-header">
        <h2 id="bot-gallery-title">{t("sidebar.bots")}</h2>
        <AppLink
          href="/bots"
          className={`bot-gallery-explore${galleryOpen ? " is-active" : ""}`}
          aria-current={galleryOpen ? "page" : undefined}
          onOpen={onOpenGallery}
        >
          {t("sidebar.exploreBots")}
        </AppLink>
      </div>
      <ul>
        {shown.map((bot) => {
          const active = bot.id === activeBotId || bot.slug === activeBotId;
          return (
            <li key={bot.id}>
              <AppLink
                href={`/b/${encodeURIComponent(bot.slug)}`}
                className={`bot-link${active ? " is-active" : ""}`}
                title={bot.description || bot.name}
                aria-label={t("bots.chatWith", { name: bot.name })}
                onOpen={() => onChatWithBot(bot)}
              >
                <span className="bot-avatar" aria-hidden="true">
                  <BotAvatar bot={bot} size={20} />
                </span>
                <span className="bot-name">{bot.name}</span>
              </AppLink>
            </li>
          );
        })}
      </ul>
      {bots.length > FIRST_SHOWN && (
        <button
          type="button"
          className="bot-gallery-more"
          aria-expanded={expanded}
          onClick={() => setExpanded((value) => !value)}
        >
          {expanded ? t("bots.showFewer") : t("bots.showAll", { count: bots.length })}
        </button>
      )}
    </section>
  );
}
