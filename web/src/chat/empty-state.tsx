/**
 * What a new chat shows: a greeting and starter cards, or, when no model can answer, how to get one.
 */
import type { ModelListing } from "../api/model-listing.js";
import type { BotListing } from "../api/parley-api.js";
import { BotGreeting } from "../bots/bot-greeting.js";
import type { MessageKey } from "../i18n/en.js";
import { useTranslation } from "../i18n/translation.js";

const STARTERS: readonly { title: MessageKey; prompt: MessageKey }[] = [
  { title: "empty.starter1.title", prompt: "empty.starter1.prompt" },
  { title: "empty.starter2.title", prompt: "empty.starter2.prompt" },
  { title: "empty.starter3.title", prompt: "empty.starter3.prompt" },
  { title: "empty.starter4.title", prompt: "empty.starter4.prompt" },
];

type EmptyStateProps = {
  models: readonly ModelListing[];
  modelsLoaded: boolean;
  /** A new chat with a bot greets with the bot and its starters. */
  bot: BotListing | null;
  onStarter: (prompt: string) => void;
};

export function EmptyState({ models, modelsLoaded, bot, onStarter }: EmptyStateProps) {
  const { t } = useTranslation();
  const ready = models.some((model) => model.ready);
  const starting = models.find(
    (model) => model.status.state === "starting" || model.status.state === "restarting",
  );

  if (modelsLoaded && !ready && starting) {
    return (
      <div className="empty-state">
        <div className="empty-card" role="status">
          <span className="spinner" aria-hidden="true" />
          <h1>{t("empty.startingTitle", { model: starting.label })}</h1>
          <p>{t("empty.startingBody")}</p>
        </div>
      </div>
    );
  }

  if (modelsLoaded && !ready) {
    return (
      <div className="empty-state">
        <div className="empty-card">
          <h1>{t("empty.noModelTitle")}</h1>
          <p>{t("empty.noModelBody")}</p>
          <pre className="command">
            <code>npm run parley -- pull qwen3-0.6b{"\n"}npm start</code>
          </pre>
          <p>{t("empty.noModelOwn")}</p>
          <pre className="command">
            <code>npm start -- --model path/to/model.gguf</code>
          </pre>
        </div>
      </div>
    );
  }

  if (bot) return <BotGreeting bot={bot} disabled={!ready} onStarter={onStarter} />;

  return (
    <div className="empty-state">
      <div className="empty-greeting">
        <div className="empty-logo" aria-hidden="true">
          <svg viewBox="0 0 32 32" width="40" height="40" aria-hidden="true">
            <rect width="32" height="32" rx="9" fill="var(--accent)" />
            <path
              d="M9 10.5A3.5 3.5 0 0 1 12.5 7h7A3.5 3.5 0 0 1 23 10.5v5a3.5 3.5 0 0 1-3.5 3.5H15l-4.5 4v-4.2A3.5 3.5 0 0 1 9 15.5z"
              fill="var(--on-accent)"
            />
          </svg>
        </div>
        <h1>{t("empty.greeting")}</h1>
        <p>{t("empty.subtitle")}</p>
      </div>
      <div className="starter-grid">
        {STARTERS.map((starter) => (
          <button
            key={starter.title}
            type="button"
            className="starter-card"
            disabled={!ready}
            onClick={() => onStarter(t(starter.prompt))}
          >
            <span className="starter-title">{t(starter.title)}</span>
            <span className="starter-prompt">{t(starter.prompt)}</span>
          </button>
        ))}
      </div>
    </div>
  );
}
