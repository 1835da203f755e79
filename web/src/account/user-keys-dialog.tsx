/**
 * An admin's view of another account's API keys, from the users page: each key's name, prefix, status, last use and models,
 * and Revoke for a key that leaked (asked twice, as the dialog is already a step away from the list). The account and
 * its other keys go on.
 */
import { useCallback, useEffect, useId, useState } from "react";
import { type ApiKeyListing, listUserApiKeys, revokeUserApiKey } from "../api/account-api.js";
import { errorMessage } from "../api/error-message.js";
import { useTranslation } from "../i18n/translation.js";
import { useModalDialog } from "../ui/use-modal-dialog.js";
import { AccountTable } from "./account-table.js";
import { ApiKeyStatus, usable } from "./api-key-status.js";
import { formatDateTime } from "./format-date-time.js";
import { KeyModels } from "./key-models.js";
import { type Loading, LoadStatus } from "./load-status.js";

export function UserKeysDialog({
  userId,
  email,
  onClose,
}: {
  userId: string;
  email: string;
  onClose: () => void;
}) {
  const { t, locale } = useTranslation();
  const dialog = useModalDialog();
  const titleId = useId();
  const [list, setList] = useState<Loading<{ keys: ApiKeyListing[] }>>({ kind: "loading" });
  /** The key whose Revoke was pressed once: the second press revokes it. */
  const [confirming, setConfirming] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const reload = useCallback(async () => {
    try {
      setList({ kind: "ready", keys: await listUserApiKeys(userId) });
    } catch (error) {
      setList({ kind: "failed", message: errorMessage(error) });
    }
  }, [userId]);
  useEffect(() => {
    void reload();
  }, [reload]);

  const revoke = async (key: ApiKeyListing) => {
    setConfirming(null);
    setProblem(null);
    try {
      await revokeUserApiKey(userId, key.id);
      await reload();
    } catch (error) {
      setProblem(t("keys.actionFailed", { message: errorMessage(error) }));
    }
  };

  return (
    <dialog
      ref={dialog}
      className="dialog user-keys-dialog"
      aria-labelledby={titleId}
      onCancel={onClose}
      onClose={onClose}
    >
      <h2 id={titleId}>{t("users.keysTitle", { email })}</h2>
      <p>{t("users.keysBody")}</p>
      <LoadStatus
        state={list}
        failedText={(message) => t("keys.loadFailed", { message })}
        onRetry={() => void reload()}
      />
      {problem && (
        <div className="account-problem" role="alert">
          {problem}
        </div>
      )}
      {list.kind === "ready" && list.keys.length === 0 && (
        <p className="account-muted">{t("users.noKeys")}</p>
      )}
      {list.kind === "ready" && list.keys.length > 0 && (
        <AccountTable
          className="keys-table"
          columns={[
            t("keys.columnName"),
            t("keys.columnKey"),
            t("keys.columnLastUsed"),
            t("keys.columnStatus"),
            t("keys.columnModels"),
          ]}
          actionsLabel={t("keys.columnActions")}
        >
          {list.keys.map((key) => (
            <tr key={key.id} className={usable(key) ? undefined : "is-revoked"} data-key-id={key.id}>
              <th scope="row">{key.name}</th>
              <td>
                <code>{t("keys.prefix", { prefix: key.prefix })}</code>
              </td>
              <td>{key.lastUsedAt ? formatDateTime(key.lastUsedAt, locale) : t("keys.never")}</td>
              <td>
                <ApiKeyStatus apiKey={key} />
              </td>
              <td>
                <KeyModels models={key.models} />
              </td>
              <td className="account-table-action">
                {usable(key) && (
                  <button
                    type="button"
                    className={`button small ${confirming === key.id ? "danger" : "secondary"}`}
                    aria-label={t(
                      confirming === key.id ? "users.revokeKeyConfirmLabel" : "keys.revokeLabel",
                      {
                        name: key.name,
                      },
                    )}
                    onClick={() => (confirming === key.id ? void revoke(key) : setConfirming(key.id))}
                  >
                    {t(confirming === key.id ? "users.revokeKeyConfirm" : "keys.revoke")}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </AccountTable>
      )}
      <div className="dialog-actions">
        <button type="button" className="button secondary" onClick={onClose}>
          {t("users.keysClose")}
        </button>
      </div>
    </dialog>
  );
}
