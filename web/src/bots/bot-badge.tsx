/** The chat header of a bot's conversation: who answers, in place of the model picker. */
import type { BotListing } from "../api/parley-api.js";
import { useTranslation } from "../i18n/translation.js";
import { BotAvatar } from "./bot-avatar.js";

export function BotBadge({ bot, error }: { bot: BotListing | null; error: string | null }) {
  const { t } = useTranslation();
  if (!bot) {
    return error ? (
      <span className="bot-badge is-missing" title={error}>
        {t("bots.unavailable")}
      </span>
    ) : (
      <span className="bot-badge" aria-busy="true" />
    );
  }
  return (
    <span className="bot-badge" title={bot.description || bot.name}>
      <span className="bot-avatar" aria-hidden="true">
        <BotAvatar bot={bot} size={20} />
      </span>
      <span className="bot-name">{bot.name}</span>
    </span>
  );
}
