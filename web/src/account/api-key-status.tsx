/** Whether an API key still works, and how its status reads: shared by a user's keys page and an admin's view of them. */
import { isExpired } from "../../../src/core/api-key.js";
import type { ApiKeyListing } from "../api/account-api.js";
import { useTranslation } from "../i18n/translation.js";
import { formatDateTime } from "./format-date-time.js";

export function ApiKeyStatus({ apiKey }: { apiKey: ApiKeyListing }) {
  const { t, locale } = useTranslation();
  const format = (time: number) => formatDateTime(time, locale);
  if (apiKey.revokedAt) return <>{t("keys.revokedOn", { date: format(apiKey.revokedAt) })}</>;
  if (isExpired(apiKey, Date.now())) return <>{t("keys.expiredOn", { date: format(apiKey.expiresAt) })}</>;
  return (
    <span className="key-active">
      {apiKey.expiresAt === null
        ? t("keys.active")
        : t("keys.activeUntil", { date: format(apiKey.expiresAt) })}
    </span>
  );
}

/** Neither revoked nor expired. */
export function usable(key: ApiKeyListing): boolean {
  return !key.revokedAt && !isExpired(key, Date.now());
}
