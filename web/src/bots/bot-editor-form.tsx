/** The bot editor's fields: who the bot is, what it is told, how it answers, and who may use it. */
import type { BotVisibility } from "../../../src/core/bot.js";
import type { Tier } from "../../../src/core/routing-policy.js";
import type { ModelListing } from "../api/model-listing.js";
import { useTranslation } from "../i18n/translation.js";
import { CloseIcon } from "../ui/icons.js";
import { type BotDraft, MAX_STARTERS } from "./bot-draft.js";

/** A few avatars to pick with one click; any emoji can be typed. */
const AVATARS = ["🤖", "🧭", "🧑‍🏫", "📚", "✍️", "🔬", "💡", "🌐"];
const TIERS: readonly Tier[] = ["fast", "balanced", "smart"];
const VISIBILITIES: readonly BotVisibility[] = ["private", "link", "everyone"];
/** The temperature a bot gets when its maker first sets one: a common middle. */
const FIRST_TEMPERATURE = 0.7;

type BotEditorFormProps = {
  draft: BotDraft;
  models: readonly ModelListing[];
  /** A new bot: its slug may be left to the server. */
  isNew: boolean;
  onChange: (patch: Partial<BotDraft>) => void;
};

export function BotEditorForm({ draft, models, isNew, onChange }: BotEditorFormProps) {
  const { t } = useTranslation();
  const starters = draft.conversationStarters;
  const setStarter = (index: number, value: string) =>
    onChange({ conversationStarters: starters.map((starter, at) => (at === index ? value : starter)) });
  const modelKnown =
    draft.model === null || draft.model === "auto" || models.some((m) => m.id === draft.model);

  return (
    <>
      <div className="bot-editor-identity">
        <div className="bot-editor-field bot-editor-avatar">
          <label htmlFor="bot-avatar">{t("botEditor.avatar")}</label>
          <input
            id="bot-avatar"
            value={draft.avatar}
            maxLength={16}
            onChange={(event) => onChange({ avatar: event.target.value })}
          />
        </div>
        <div className="bot-editor-field">
          <label htmlFor="bot-name">{t("botEditor.name")}</label>
          <input
            id="bot-name"
            value={draft.name}
            required
            maxLength={100}
            placeholder={t("botEditor.namePlaceholder")}
            onChange={(event) => onChange({ name: event.target.value })}
          />
        </div>
      </div>
      <fieldset className="avatar-picks">
        <legend className="visually-hidden">{t("botEditor.avatarPicks")}</legend>
        {AVATARS.map((avatar) => (
          <button
            key={avatar}
            type="button"
            className="avatar-pick"
            aria-label={t("botEditor.useAvatar", { avatar })}
            aria-pressed={draft.avatar === avatar}
            onClick={() => onChange({ avatar })}
          >
            {avatar}
          </button>
        ))}
      </fieldset>

      <div className="bot-editor-field">
        <label htmlFor="bot-slug">{t("botEditor.slug")}</label>
        <input
          id="bot-slug"
          value={draft.slug}
          maxLength={64}
          pattern="[a-z0-9]+(-[a-z0-9]+)*"
          placeholder={isNew ? t("botEditor.slugPlaceholder") : ""}
          aria-describedby="bot-slug-hint"
          onChange={(event) => onChange({ slug: event.target.value })}
        />
        <p id="bot-slug-hint" className="bot-editor-hint">
          {t("botEditor.slugHint")}
        </p>
      </div>

      <div className="bot-editor-field">
        <label htmlFor="bot-description">{t("botEditor.description")}</label>
        <textarea
          id="bot-description"
          rows={2}
          maxLength={2000}
          value={draft.description}
          onChange={(event) => onChange({ description: event.target.value })}
        />
      </div>

      <div className="bot-editor-field">
        <label htmlFor="bot-instructions">{t("botEditor.instructions")}</label>
        <textarea
          id="bot-instructions"
          rows={8}
          maxLength={50000}
          value={draft.instructions}
          placeholder={t("botEditor.instructionsPlaceholder")}
          onChange={(event) => onChange({ instructions: event.target.value })}
        />
      </div>

      <fieldset className="bot-editor-field">
        <legend>{t("botEditor.starters")}</legend>
        {starters.map((starter, index) => (
          // Starters have no identity but their place; typing must not move the focus.
          // biome-ignore lint/suspicious/noArrayIndexKey: see above.
          <div key={index} className="starter-row">
            <input
              value={starter}
              maxLength={500}
              aria-label={t("botEditor.starter", { number: index + 1 })}
              onChange={(event) => setStarter(index, event.target.value)}
            />
            <button
              type="button"
              className="icon-button"
              aria-label={t("botEditor.removeStarter", { number: index + 1 })}
              title={t("botEditor.removeStarter", { number: index + 1 })}
              onClick={() => onChange({ conversationStarters: starters.filter((_, at) => at !== index) })}
            >
              <CloseIcon />
            </button>
          </div>
        ))}
        {starters.length < MAX_STARTERS && (
          <button
            type="button"
            className="button secondary small"
            onClick={() => onChange({ conversationStarters: [...starters, ""] })}
          >
            {t("botEditor.addStarter")}
          </button>
        )}
      </fieldset>

      <div className="bot-editor-row">
        <div className="bot-editor-field">
          <label htmlFor="bot-model">{t("botEditor.model")}</label>
          <select
            id="bot-model"
            value={draft.model ?? ""}
            onChange={(event) => onChange({ model: event.target.value === "" ? null : event.target.value })}
          >
            <option value="">{t("botEditor.modelDefault")}</option>
            <option value="auto">{t("models.auto")}</option>
            {models.map((model) => (
              <option key={model.id} value={model.id}>
                {`${model.label} · ${t(`models.tier.${model.tier}`)}`}
              </option>
            ))}
            {!modelKnown && draft.model && (
              <option value={draft.model}>{t("botEditor.modelGone", { model: draft.model })}</option>
            )}
          </select>
        </div>
        {(draft.model === null || draft.model === "auto") && (
          <div className="bot-editor-field">
            <label htmlFor="bot-tier">{t("botEditor.tier")}</label>
            <select
              id="bot-tier"
              value={draft.tier ?? ""}
              onChange={(event) =>
                onChange({ tier: event.target.value === "" ? null : (event.target.value as Tier) })
              }
            >
              <option value="">{t("botEditor.tierAny")}</option>
              {TIERS.map((tier) => (
                <option key={tier} value={tier}>
                  {t(`models.tier.${tier}`)}
                </option>
              ))}
            </select>
          </div>
        )}
      </div>

      <fieldset className="bot-editor-field">
        <legend>{t("botEditor.temperature")}</legend>
        <label className="bot-editor-check">
          <input
            type="checkbox"
            checked={draft.temperature === null}
            onChange={(event) => onChange({ temperature: event.target.checked ? null : FIRST_TEMPERATURE })}
          />
          {t("botEditor.temperatureDefault")}
        </label>
        {draft.temperature !== null && (
          <div className="temperature-row">
            <input
              type="range"
              min={0}
              max={2}
              step={0.1}
              value={draft.temperature}
              aria-label={t("botEditor.temperature")}
              onChange={(event) => onChange({ temperature: Number(event.target.value) })}
            />
            <output>{draft.temperature.toFixed(1)}</output>
          </div>
        )}
      </fieldset>

      <fieldset className="bot-editor-field">
        <legend>{t("botEditor.tools")}</legend>
        <label className="bot-editor-check">
          <input
            type="checkbox"
            checked={draft.tools.includes("fetch_url")}
            onChange={(event) => onChange({ tools: event.target.checked ? ["fetch_url"] : [] })}
          />
          {t("botEditor.toolFetchUrl")}
        </label>
      </fieldset>

      <fieldset className="bot-editor-field">
        <legend>{t("botEditor.visibility")}</legend>
        {VISIBILITIES.map((visibility) => (
          <label key={visibility} className="bot-editor-check">
            <input
              type="radio"
              name="bot-visibility"
              value={visibility}
              checked={draft.visibility === visibility}
              onChange={() => onChange({ visibility })}
            />
            <span>
              {t(`botEditor.visibility.${visibility}`)}
              <span className="bot-editor-hint">{t(`botEditor.visibilityHint.${visibility}`)}</span>
            </span>
          </label>
        ))}
      </fieldset>
    </>
  );
}
