/**
 * Settings: the UI language, the theme, and the way to the account pages (API keys, usage, password, sessions, and
 * users for admins). Loaded only when opened, so the chat page does not carry it.
 */
import { ACCOUNT_PAGE_TITLES, type AccountPageName, accountPagesFor } from "../account/account-page-route.js";
import { LANGUAGES, type Language, useTranslation } from "../i18n/translation.js";
import { CloseIcon } from "../ui/icons.js";
import { useModalDialog } from "../ui/use-modal-dialog.js";
import type { ThemePreference } from "./theme-preference.js";

type SettingsDialogProps = {
  theme: ThemePreference;
  onTheme: (theme: ThemePreference) => void;
  onClose: () => void;
  onOpenPage: (page: AccountPageName) => void;
  /** An admin of a server with accounts, who manages its users. */
  isAdmin: boolean;
  /** Present when there are accounts to sign out of. */
  onSignOut: (() => Promise<void>) | null;
};

const THEMES = [
  { id: "system", label: "settings.themeSystem" },
  { id: "light", label: "settings.themeLight" },
  { id: "dark", label: "settings.themeDark" },
] as const;

export default function SettingsDialog({
  theme,
  onTheme,
  onClose,
  onOpenPage,
  isAdmin,
  onSignOut,
}: SettingsDialogProps) {
  const { t, language, setLanguage } = useTranslation();
  const dialog = useModalDialog();

  return (
    <dialog
      ref={dialog}
      className="dialog settings-dialog"
      aria-labelledby="settings-title"
      onClose={onClose}
    >
      <div className="dialog-header">
        <h2 id="settings-title">{t("settings.title")}</h2>
        <button type="button" className="icon-button" aria-label={t("settings.close")} onClick={onClose}>
          <CloseIcon />
        </button>
      </div>
      <label className="settings-row">
        <span>{t("settings.language")}</span>
        <select value={language} onChange={(event) => setLanguage(event.target.value as Language)}>
          {LANGUAGES.map((option) => (
            <option key={option.id} value={option.id}>
              {option.name}
            </option>
          ))}
        </select>
      </label>
      <fieldset className="settings-row">
        <legend>{t("settings.theme")}</legend>
        <div className="segmented">
          {THEMES.map((option) => (
            <label key={option.id} className={theme === option.id ? "is-selected" : ""}>
              <input
                type="radio"
                name="theme"
                value={option.id}
                checked={theme === option.id}
                onChange={() => onTheme(option.id)}
              />
              {t(option.label)}
            </label>
          ))}
        </div>
      </fieldset>
      <fieldset className="settings-row">
        <legend>{t("settings.account")}</legend>
        <div className="settings-links">
          {accountPagesFor(isAdmin).map((page) => (
            <button
              key={page}
              type="button"
              className="button secondary small"
              onClick={() => onOpenPage(page)}
            >
              {t(ACCOUNT_PAGE_TITLES[page])}
            </button>
          ))}
        </div>
      </fieldset>
      {onSignOut && (
        <div className="dialog-actions">
          <button type="button" className="button secondary" onClick={() => void onSignOut()}>
            {t("auth.signOut")}
          </button>
        </div>
      )}
    </dialog>
  );
}
