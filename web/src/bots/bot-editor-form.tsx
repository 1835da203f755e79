/** The bot editor's fields: who the bot is, what it is told, how it answers, and who may use it. */
import type { BotVisibility } from "../../../src/core/bot.js";
import type { Tier } from "../../../src/core/routing-policy.js";
import type { ModelListing } from "../api/model-listing.js";
import type { BotListing } from "../api/parley-api.js";
import { useTranslation } from "../i18n/translation.js";
import { IconButton } from "../ui/icon-button.js";
import { CloseIcon } from "../ui/icons.js";
import { BotAvatarField } from "./bot-avatar-field.js";
import { BotCheckField } from "./bot-check-field.js";
import { type BotDraft, MAX_STARTERS } from "./bot-draft.js";
import { BotTextField } from "./bot-text-field.js";

const TIERS: readonly Tier[] = ["fast", "balanced", "smart"];
const VISIBILITIES: readonly BotVisibility[] = ["private", "link", "everyone"];
/** The temperature a bot gets when its maker first sets one: a common middle. */
const FIRST_TEMPERATURE = 0.7;

type BotEditorFormProps = {
  draft: BotDraft;
  models: readonly ModelListing[];
  /** The bot as last saved; null for a new bot, whose slug may be left to the server. */
  saved: BotListing | null;
  onChange: (patch: Partial<BotDraft>) => void;
};

export function BotEditorForm({ draft, models, saved, onChange }: BotEditorFormProps) {
  const { t } = useTranslation();
  const isNew = saved === null;
  const bound = { draft, onChange };
  const starters = draft.conversationStarters;
  const setStarter = (index: number, value: string) =>
    onChange({ conversationStarters: starters.map((starter, at) => (at === index ? value : starter)) });
  const modelKnown =
    draft.model === null || draft.model === "auto" || models.some((m) => m.id === draft.model);

  return (
    <>
      <BotAvatarField draft={draft} saved={saved} onChange={onChange}>
        <BotTextField
          field="name"
          required
          maxLength={100}
          placeholder={t("botEditor.namePlaceholder")}
          {...bound}
        />
      </BotAvatarField>

      <BotTextField
        field="slug"
        maxLength={64}
        pattern="[a-z0-9]+(-[a-z0-9]+)*"
        placeholder={isNew ? t("botEditor.slugPlaceholder") : ""}
        hint={t("botEditor.slugHint")}
        {...bound}
      />
      <BotTextField field="description" rows={2} maxLength={2000} {...bound} />
      <BotTextField
        field="instructions"
        rows={8}
        maxLength={50000}
        placeholder={t("botEditor.instructionsPlaceholder")}
        {...bound}
      />

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
            <IconButton
              label={t("botEditor.removeStarter", { number: index + 1 })}
              onClick={() => onChange({ conversationStarters: starters.filter((_, at) => at !== index) })}
            >
              <CloseIcon />
            </IconButton>
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

      <BotCheckField
        legend={t("botEditor.temperature")}
        label={t("botEditor.temperatureDefault")}
        checked={draft.temperature === null}
        onChange={(checked) => onChange({ temperature: checked ? null : FIRST_TEMPERATURE })}
      >
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
      </BotCheckField>

      <BotCheckField
        legend={t("botEditor.tools")}
        label={t("botEditor.toolFetchUrl")}
        checked={draft.tools.includes("fetch_url")}
        onChange={(checked) => onChange({ tools: checked ? ["fetch_url"] : [] })}
      />

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
