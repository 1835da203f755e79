/** A new chat with a bot: its avatar, name and description, and its conversation starters as cards. */
import type { BotListing } from "../api/parley-api.js";
import { useTranslation } from "../i18n/translation.js";
import { BotAvatar } from "./bot-avatar.js";

type BotGreetingProps = {
  bot: BotListing;
  /** No model can answer yet: starters wait. */
  disabled: boolean;
  onStarter: (prompt: string) => void;
};

export function BotGreeting({ bot, disabled, onStarter }: BotGreetingProps) {
  const { t } = useTranslation();
  return (
    <div className="empty-state">
      <div className="empty-greeting">
        <div className="bot-greeting-avatar" aria-hidden="true">
          <BotAvatar bot={bot} size={48} />
        </div>
        <h1>{bot.name}</h1>
        <p>{bot.description || t("bots.noDescription")}</p>
      </div>
      {bot.conversationStarters.length > 0 && (
        <ul className="starter-grid" aria-label={t("bots.starters")}>
          {bot.conversationStarters.slice(0, 4).map((starter) => (
            <li key={starter}>
              <button
                type="button"
                className="starter-card"
                disabled={disabled}
                onClick={() => onStarter(starter)}
              >
                <span className="starter-prompt">{starter}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
