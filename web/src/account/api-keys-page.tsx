/**
 * API keys: the user's keys (name, prefix, limits, created, last used, revoked or expired, models), a form to create
 * one (optionally held to less than the account may use, to some models or bots, or made to expire), shown once with
 * a copy button, and revoke behind a confirmation. Loaded only when opened, so the chat page does not carry it.
 */
import { type FormEvent, useCallback, useEffect, useId, useState } from "react";
import type { ApiKeyLimits } from "../../../src/core/api-key.js";
import {
  type ApiKeyListing,
  type CreatedApiKey,
  createApiKey,
  listApiKeys,
  revokeApiKey,
} from "../api/account-api.js";
import { ApiError } from "../api/api-error.js";
import { errorMessage } from "../api/error-message.js";
import { listModels } from "../api/parley-api.js";
import { useBotList } from "../bots/use-bot-list.js";
import { formatCount } from "../chat/format-metrics.js";
import { useTranslation } from "../i18n/translation.js";
import { ConfirmDialog } from "../ui/confirm-dialog.js";
import { CopyButton } from "../ui/copy-button.js";
import { AccountPageFrame, type AccountPageProps } from "./account-page-frame.js";
import { AccountTable } from "./account-table.js";
import { ApiKeyStatus, usable } from "./api-key-status.js";
import { formatDateTime } from "./format-date-time.js";
import { KeyModels } from "./key-models.js";
import { LimitInput } from "./limit-input.js";
import { type Loading, LoadStatus } from "./load-status.js";

type KeyList = Loading<{ keys: ApiKeyListing[] }>;

export default function ApiKeysPage(props: AccountPageProps) {
  const { t, locale } = useTranslation();
  const [list, setList] = useState<KeyList>({ kind: "loading" });
  // The server answers single_user_mode to a create; the mode the page was told about says so before anyone tries.
  const [singleUser, setSingleUser] = useState(props.mode === "single-user");
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [revoking, setRevoking] = useState<ApiKeyListing | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const reload = useCallback(async () => {
    try {
      const keys = await listApiKeys();
      // Newest first: the key just created is at the top, next to where it was shown.
      setList({ kind: "ready", keys: [...keys].sort((a, b) => b.createdAt - a.createdAt) });
    } catch (error) {
      setList({ kind: "failed", message: errorMessage(error) });
    }
  }, []);

  useEffect(() => {
    void reload();
  }, [reload]);

  const create = async (
    name: string,
    limits: Partial<ApiKeyLimits>,
    expiresInDays: number | undefined,
    models: readonly string[],
  ): Promise<boolean> => {
    setProblem(null);
    try {
      setCreated(await createApiKey(name, limits, expiresInDays, models));
      void reload();
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.code === "single_user_mode") setSingleUser(true);
      else setProblem(t("keys.actionFailed", { message: errorMessage(error) }));
      return false;
    }
  };

  const revoke = async (key: ApiKeyListing) => {
    setRevoking(null);
    setProblem(null);
    try {
      await revokeApiKey(key.id);
      if (created?.id === key.id) setCreated(null);
    } catch (error) {
      setProblem(t("keys.actionFailed", { message: errorMessage(error) }));
    }
    void reload();
  };

  const formatTime = (time: number) => formatDateTime(time, locale);
  const formatLimits = (key: ApiKeyLimits) => {
    const limits = [
      key.requestsPerMinute !== null &&
        t("keys.perMinute", { count: formatCount(key.requestsPerMinute, locale) }),
      key.tokensPerDay !== null && t("keys.tokensPerDay", { count: formatCount(key.tokensPerDay, locale) }),
    ].filter(Boolean);
    return limits.length > 0 ? limits.join(" · ") : t("keys.sameAsAccount");
  };

  return (
    <AccountPageFrame page="keys" props={props}>
      <p className="account-intro">{t("keys.intro")}</p>

      {singleUser ? (
        <div className="account-notice" role="status">
          {t("keys.singleUser")}
        </div>
      ) : created ? (
        <NewKeyPanel created={created} onDone={() => setCreated(null)} />
      ) : (
        <CreateKeyForm onCreate={create} />
      )}

      {problem && (
        <div className="account-problem" role="alert">
          {problem}
        </div>
      )}

      <section className="account-section" aria-labelledby="keys-list-title">
        <h2 id="keys-list-title">{t("keys.listTitle")}</h2>
        <LoadStatus
          state={list}
          failedText={(message) => t("keys.loadFailed", { message })}
          onRetry={() => void reload()}
        />
        {list.kind === "ready" && list.keys.length === 0 && (
          <p className="account-muted">{t("keys.empty")}</p>
        )}
        {list.kind === "ready" && list.keys.length > 0 && (
          <AccountTable
            className="keys-table"
            columns={[
              t("keys.columnName"),
              t("keys.columnKey"),
              t("keys.columnLimits"),
              t("keys.columnCreated"),
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
                <td>{formatLimits(key)}</td>
                <td>{formatTime(key.createdAt)}</td>
                <td>{key.lastUsedAt ? formatTime(key.lastUsedAt) : t("keys.never")}</td>
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
                      className="button secondary small"
                      aria-label={t("keys.revokeLabel", { name: key.name })}
                      onClick={() => setRevoking(key)}
                    >
                      {t("keys.revoke")}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </AccountTable>
        )}
      </section>

      {revoking && (
        <ConfirmDialog
          title={t("keys.revokeConfirmTitle")}
          body={t("keys.revokeConfirmBody", { name: revoking.name, prefix: revoking.prefix })}
          confirmLabel={t("keys.revoke")}
          cancelLabel={t("keys.cancel")}
          onConfirm={() => void revoke(revoking)}
          onCancel={() => setRevoking(null)}
        />
      )}
    </AccountPageFrame>
  );
}

/** What the form offers; any other number of days can be asked of the API or the CLI. */
const EXPIRY_DAYS = [7, 30, 90, 365] as const;

function CreateKeyForm({
  onCreate,
}: {
  onCreate: (
    name: string,
    limits: Partial<ApiKeyLimits>,
    expiresInDays: number | undefined,
    models: readonly string[],
  ) => Promise<boolean>;
}) {
  const { t } = useTranslation();
  /** The catalog's models and `auto`; empty until listed (or if listing failed). */
  const [catalog, setCatalog] = useState<string[]>([]);
  // The bots the user can chat with (their own, and those shared), which keys name as `bot:<slug>`.
  const { bots } = useBotList();
  /** The models a key can be held to: the catalog's, `auto`, and the bots. */
  const choices = [...catalog, ...bots.map((bot) => bot.modelName)];
  /** What a choice is, beside its id: `auto`'s choosing, and each bot's name. */
  const notes = new Map([
    ["auto", t("keys.modelsAuto")],
    ...bots.map((bot) => [bot.modelName, t("keys.modelsBot", { name: bot.name })] as const),
  ]);
  const [models, setModels] = useState<readonly string[]>([]);
  const modelsHintId = useId();
  useEffect(() => {
    const controller = new AbortController();
    listModels(controller.signal).then(
      (list) => setCatalog(["auto", ...list.models.map((model) => model.id)]),
      // Without the list the key is made for every model, as before; the rest of the form still works.
      () => {},
    );
    return () => controller.abort();
  }, []);
  const toggleModel = (id: string, chosen: boolean) =>
    setModels((current) => (chosen ? [...current, id] : current.filter((model) => model !== id)));
  const [name, setName] = useState("");
  const [requestsPerMinute, setRequestsPerMinute] = useState("");
  const [tokensPerDay, setTokensPerDay] = useState("");
  const [expiresInDays, setExpiresInDays] = useState("");
  const [busy, setBusy] = useState(false);
  const nameId = useId();
  const limitsHintId = useId();
  const expiryId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    // An empty field sets no limit of the key's own; the browser has checked that a filled one is a whole number.
    const limits = {
      ...(requestsPerMinute !== "" && { requestsPerMinute: Number(requestsPerMinute) }),
      ...(tokensPerDay !== "" && { tokensPerDay: Number(tokensPerDay) }),
    };
    // In the list's order, whatever the order they were ticked in.
    const chosen = choices.filter((id) => models.includes(id));
    if (
      await onCreate(name.trim(), limits, expiresInDays === "" ? undefined : Number(expiresInDays), chosen)
    ) {
      setName("");
      setModels([]);
      setRequestsPerMinute("");
      setTokensPerDay("");
      setExpiresInDays("");
    }
    setBusy(false);
  };

  return (
    <form className="account-section create-key-form" onSubmit={submit} aria-labelledby="create-key-title">
      <h2 id="create-key-title">{t("keys.createTitle")}</h2>
      <div className="create-key-row">
        <label htmlFor={nameId} className="visually-hidden">
          {t("keys.name")}
        </label>
        <input
          id={nameId}
          className="text-input"
          value={name}
          maxLength={200}
          placeholder={t("keys.namePlaceholder")}
          onChange={(event) => setName(event.target.value)}
        />
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? t("keys.creating") : t("keys.create")}
        </button>
      </div>
      <p id={limitsHintId} className="account-muted create-key-hint">
        {t("keys.limitsHint")}
      </p>
      <div className="create-key-limits">
        <LabelledLimit
          label={t("keys.requestsPerMinute")}
          value={requestsPerMinute}
          hintId={limitsHintId}
          onChange={setRequestsPerMinute}
        />
        <LabelledLimit
          label={t("keys.tokensPerDayLabel")}
          value={tokensPerDay}
          hintId={limitsHintId}
          onChange={setTokensPerDay}
        />
        <label htmlFor={expiryId}>{t("keys.expires")}</label>
        <select
          id={expiryId}
          className="text-input"
          value={expiresInDays}
          onChange={(event) => setExpiresInDays(event.target.value)}
        >
          <option value="">{t("keys.expiresNever")}</option>
          {EXPIRY_DAYS.map((days) => (
            <option key={days} value={days}>
              {t("keys.expiresInDays", { count: String(days) })}
            </option>
          ))}
        </select>
      </div>
      {choices.length > 1 && (
        <fieldset className="create-key-models" aria-describedby={modelsHintId}>
          <legend>{t("keys.models")}</legend>
          <p id={modelsHintId} className="account-muted create-key-hint">
            {t("keys.modelsHint")}
          </p>
          {choices.map((id) => (
            <label key={id} className="create-key-model">
              <input
                type="checkbox"
                checked={models.includes(id)}
                onChange={(event) => toggleModel(id, event.target.checked)}
              />{" "}
              <code>{id}</code>
              {notes.has(id) && <span className="account-muted"> — {notes.get(id)}</span>}
            </label>
          ))}
        </fieldset>
      )}
    </form>
  );
}

/** A key's own limit, labelled: empty is the account's. */
function LabelledLimit(props: {
  label: string;
  value: string;
  hintId: string;
  onChange: (value: string) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <>
      <label htmlFor={id}>{props.label}</label>
      <LimitInput
        id={id}
        value={props.value}
        placeholder={t("keys.accountLimits")}
        aria-describedby={props.hintId}
        onChange={props.onChange}
      />
    </>
  );
}

/** The one time the key is shown: in full, with a copy button and a plain warning. */
function NewKeyPanel({ created, onDone }: { created: CreatedApiKey; onDone: () => void }) {
  const { t } = useTranslation();
  const keyId = useId();
  return (
    <section className="account-section new-key-panel" aria-labelledby="new-key-title">
      <h2 id="new-key-title">{t("keys.createdTitle", { name: created.name })}</h2>
      <p className="new-key-warning" role="status">
        {t("keys.createdWarning")}
      </p>
      <div className="new-key-row">
        <label htmlFor={keyId} className="visually-hidden">
          {t("keys.keyLabel")}
        </label>
        <input
          id={keyId}
          className="text-input new-key-value"
          value={created.key}
          readOnly
          spellCheck={false}
          onFocus={(event) => event.target.select()}
        />
        <CopyButton
          text={() => created.key}
          label={t("keys.copyKey")}
          className="button secondary"
          showLabel
        />
      </div>
      <div className="dialog-actions">
        <button type="button" className="button primary" onClick={onDone}>
          {t("keys.done")}
        </button>
      </div>
    </section>
  );
}
