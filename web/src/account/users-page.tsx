/**
 * Users (admins): every account on the server, with its role and its limits (replies a minute, tokens a day; empty
 * takes the server's default), a form to add one, a new password for someone who forgot theirs, disabling an
 * account (behind a confirmation) or enabling it again, and deleting it with what it owns (behind a confirmation).
 * Loaded only when opened, so the chat page does not carry it.
 */
import { type FormEvent, useCallback, useEffect, useId, useState } from "react";
import type { PublicUser, UserRole } from "../../../src/core/user.js";
import {
  createUser,
  type DeletedAccount,
  deleteUser,
  listUsers,
  type UserChanges,
  updateUser,
} from "../api/account-api.js";
import { errorMessage } from "../api/error-message.js";
import { useTranslation } from "../i18n/translation.js";
import { ConfirmDialog } from "../ui/confirm-dialog.js";
import { useModalDialog } from "../ui/use-modal-dialog.js";
import { AccountPageFrame, type AccountPageProps } from "./account-page-frame.js";
import { AccountTable } from "./account-table.js";
import { LimitInput } from "./limit-input.js";
import { type Loading, LoadStatus } from "./load-status.js";
import { NewPasswordInput } from "./new-password-input.js";
import { UserKeysDialog } from "./user-keys-dialog.js";

type UserList = Loading<{ users: PublicUser[] }>;

export default function UsersPage(props: AccountPageProps) {
  const { t } = useTranslation();
  const [list, setList] = useState<UserList>({ kind: "loading" });
  const [notice, setNotice] = useState<string | null>(null);

  const reload = useCallback(async () => {
    try {
      setList({ kind: "ready", users: await listUsers() });
    } catch (error) {
      setList({ kind: "failed", message: errorMessage(error) });
    }
  }, []);

  useEffect(() => {
    if (props.isAdmin) void reload();
  }, [reload, props.isAdmin]);

  const replace = (user: PublicUser) =>
    setList((current) =>
      current.kind === "ready"
        ? { kind: "ready", users: current.users.map((each) => (each.id === user.id ? user : each)) }
        : current,
    );
  const remove = (user: PublicUser, deleted: DeletedAccount) => {
    setList((current) =>
      current.kind === "ready"
        ? { kind: "ready", users: current.users.filter((each) => each.id !== user.id) }
        : current,
    );
    setNotice(
      t("users.deleted", {
        email: user.email,
        conversations: String(deleted.conversations),
        botsPassedOn: String(deleted.botsPassedOn),
      }),
    );
  };

  return (
    <AccountPageFrame page="users" props={props}>
      {!props.isAdmin ? (
        <div className="account-notice" role="status">
          {t("users.adminsOnly")}
        </div>
      ) : (
        <>
          <p className="account-intro">{t("users.intro")}</p>
          <AddUserForm onAdded={() => void reload()} />
          {notice && (
            <div className="account-notice" role="status">
              {notice}
            </div>
          )}
          <section className="account-section" aria-labelledby="users-list-title">
            <h2 id="users-list-title">{t("users.listTitle")}</h2>
            <LoadStatus
              state={list}
              failedText={(message) => t("users.loadFailed", { message })}
              onRetry={() => void reload()}
            />
            {list.kind === "ready" && (
              <AccountTable
                className="users-table"
                columns={[
                  t("users.columnEmail"),
                  t("users.columnRole"),
                  t("keys.requestsPerMinute"),
                  t("keys.tokensPerDayLabel"),
                  t("keys.columnStatus"),
                ]}
                actionsLabel={t("keys.columnActions")}
              >
                {list.users.map((user) => (
                  <UserRow
                    key={user.id}
                    user={user}
                    isSelf={user.id === props.userId}
                    onSaved={replace}
                    onDeleted={(deleted) => remove(user, deleted)}
                  />
                ))}
              </AccountTable>
            )}
          </section>
        </>
      )}
    </AccountPageFrame>
  );
}

/** A limit as typed: empty is the server's default (null). */
const limitText = (limit: number | null) => (limit === null ? "" : String(limit));
const limitOf = (text: string) => (text === "" ? null : Number(text));

function UserRow({
  user,
  isSelf,
  onSaved,
  onDeleted,
}: {
  user: PublicUser;
  isSelf: boolean;
  onSaved: (user: PublicUser) => void;
  onDeleted: (deleted: DeletedAccount) => void;
}) {
  const { t } = useTranslation();
  const [role, setRole] = useState<UserRole>(user.role);
  const [requestsPerMinute, setRequestsPerMinute] = useState(limitText(user.requestsPerMinute));
  const [tokensPerDay, setTokensPerDay] = useState(limitText(user.tokensPerDay));
  const [confirmingDisable, setConfirmingDisable] = useState(false);
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const [settingPassword, setSettingPassword] = useState(false);
  const [showingKeys, setShowingKeys] = useState(false);
  const [state, setState] = useState<
    { kind: "idle" | "saving" | "saved" } | { kind: "failed"; message: string }
  >({ kind: "idle" });

  const changes: UserChanges = {
    ...(role !== user.role && { role }),
    ...(limitOf(requestsPerMinute) !== user.requestsPerMinute && {
      requestsPerMinute: limitOf(requestsPerMinute),
    }),
    ...(limitOf(tokensPerDay) !== user.tokensPerDay && { tokensPerDay: limitOf(tokensPerDay) }),
  };
  const changed = Object.keys(changes).length > 0;

  const apply = async (update: UserChanges) => {
    setState({ kind: "saving" });
    try {
      onSaved(await updateUser(user.id, update));
      setState({ kind: "saved" });
    } catch (error) {
      setState({ kind: "failed", message: errorMessage(error) });
    }
  };
  const remove = async () => {
    setState({ kind: "saving" });
    try {
      onDeleted(await deleteUser(user.id));
    } catch (error) {
      setState({ kind: "failed", message: errorMessage(error) });
    }
  };
  const save = (event: FormEvent) => {
    event.preventDefault();
    void apply(changes);
  };

  // The row's inputs belong to a form outside the table (a form may not wrap a table row).
  const formId = `user-row-${user.id}`;
  return (
    <tr data-user-id={user.id} className={user.disabledAt ? "is-revoked" : undefined}>
      <th scope="row">{user.email}</th>
      <td>
        <select
          form={formId}
          aria-label={t("users.roleOf", { email: user.email })}
          value={role}
          // An admin does not take their own rights away by a slip of the mouse; another admin can.
          disabled={isSelf}
          onChange={(event) => setRole(event.target.value as UserRole)}
        >
          <option value="user">{t("users.roleUser")}</option>
          <option value="admin">{t("users.roleAdmin")}</option>
        </select>
      </td>
      <td>
        <LimitInput
          form={formId}
          placeholder={t("users.serverDefault")}
          aria-label={t("users.requestsPerMinuteOf", { email: user.email })}
          value={requestsPerMinute}
          onChange={setRequestsPerMinute}
        />
      </td>
      <td>
        <LimitInput
          form={formId}
          placeholder={t("users.serverDefault")}
          aria-label={t("users.tokensPerDayOf", { email: user.email })}
          value={tokensPerDay}
          onChange={setTokensPerDay}
        />
      </td>
      <td>
        {user.disabledAt ? t("users.disabled") : <span className="key-active">{t("keys.active")}</span>}
      </td>
      <td className="account-table-action">
        <form id={formId} onSubmit={save}>
          <button
            type="submit"
            className="button secondary small"
            aria-label={t("users.saveFor", { email: user.email })}
            disabled={!changed || state.kind === "saving"}
          >
            {t("users.save")}
          </button>
        </form>
        {!isSelf && (
          <>
            <RowAction
              label={t("users.keys")}
              ariaLabel={t("users.keysLabel", { email: user.email })}
              disabled={state.kind === "saving"}
              onClick={() => setShowingKeys(true)}
            />
            <RowAction
              label={t("users.setPassword")}
              ariaLabel={t("users.setPasswordLabel", { email: user.email })}
              disabled={state.kind === "saving"}
              onClick={() => setSettingPassword(true)}
            />
            {user.disabledAt ? (
              <RowAction
                label={t("users.enable")}
                ariaLabel={t("users.enableLabel", { email: user.email })}
                disabled={state.kind === "saving"}
                onClick={() => void apply({ disabled: false })}
              />
            ) : (
              <RowAction
                label={t("users.disable")}
                ariaLabel={t("users.disableLabel", { email: user.email })}
                disabled={state.kind === "saving"}
                onClick={() => setConfirmingDisable(true)}
              />
            )}
            <RowAction
              label={t("users.delete")}
              ariaLabel={t("users.deleteLabel", { email: user.email })}
              disabled={state.kind === "saving"}
              onClick={() => setConfirmingDelete(true)}
            />
          </>
        )}
        {state.kind === "saved" && !changed && (
          <span className="account-muted" role="status">
            {t("users.saved")}
          </span>
        )}
        {state.kind === "failed" && (
          <span className="account-problem-inline" role="alert">
            {state.message}
          </span>
        )}
        {showingKeys && (
          <UserKeysDialog userId={user.id} email={user.email} onClose={() => setShowingKeys(false)} />
        )}
        {settingPassword && (
          <SetPasswordDialog
            email={user.email}
            onSet={(password) => {
              setSettingPassword(false);
              void apply({ password });
            }}
            onCancel={() => setSettingPassword(false)}
          />
        )}
        {confirmingDisable && (
          <ConfirmDialog
            title={t("users.disableConfirmTitle")}
            body={t("users.disableConfirmBody", { email: user.email })}
            confirmLabel={t("users.disable")}
            cancelLabel={t("keys.cancel")}
            onConfirm={() => {
              setConfirmingDisable(false);
              void apply({ disabled: true });
            }}
            onCancel={() => setConfirmingDisable(false)}
          />
        )}
        {confirmingDelete && (
          <ConfirmDialog
            title={t("users.deleteConfirmTitle", { email: user.email })}
            body={t("users.deleteConfirmBody", { email: user.email })}
            confirmLabel={t("users.delete")}
            cancelLabel={t("keys.cancel")}
            onConfirm={() => {
              setConfirmingDelete(false);
              void remove();
            }}
            onCancel={() => setConfirmingDelete(false)}
          />
        )}
      </td>
    </tr>
  );
}

function AddUserForm({ onAdded }: { onAdded: () => void }) {
  const { t } = useTranslation();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<UserRole>("user");
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const emailId = useId();
  const passwordId = useId();
  const roleId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      await createUser({ email: email.trim(), password, role });
      setEmail("");
      setPassword("");
      setRole("user");
      onAdded();
    } catch (error) {
      setProblem(t("keys.actionFailed", { message: errorMessage(error) }));
    }
    setBusy(false);
  };

  return (
    <form className="account-section create-key-form" onSubmit={submit} aria-labelledby="add-user-title">
      <h2 id="add-user-title">{t("users.addTitle")}</h2>
      <div className="account-form-fields">
        <label htmlFor={emailId}>{t("auth.email")}</label>
        <input
          id={emailId}
          className="text-input"
          type="email"
          required
          autoComplete="off"
          value={email}
          onChange={(event) => setEmail(event.target.value)}
        />
        <label htmlFor={passwordId}>{t("auth.password")}</label>
        <NewPasswordInput id={passwordId} value={password} onChange={setPassword} />
        <label htmlFor={roleId}>{t("users.columnRole")}</label>
        <select id={roleId} value={role} onChange={(event) => setRole(event.target.value as UserRole)}>
          <option value="user">{t("users.roleUser")}</option>
          <option value="admin">{t("users.roleAdmin")}</option>
        </select>
      </div>
      {problem && (
        <div className="account-problem" role="alert">
          {problem}
        </div>
      )}
      <div className="dialog-actions">
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? t("users.adding") : t("users.add")}
        </button>
      </div>
    </form>
  );
}

/** One of a row's actions: its label names the user, for a screen reader and for tests. */
function RowAction(props: { label: string; ariaLabel: string; disabled: boolean; onClick: () => void }) {
  return (
    <button
      type="button"
      className="button secondary small"
      aria-label={props.ariaLabel}
      disabled={props.disabled}
      onClick={props.onClick}
    >
      {props.label}
    </button>
  );
}

/** A new password for the user, typed by the admin, who tells it to them; their sessions end when it is set. */
function SetPasswordDialog({
  email,
  onSet,
  onCancel,
}: {
  email: string;
  onSet: (password: string) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const dialog = useModalDialog();
  const [password, setPassword] = useState("");
  const passwordId = useId();
  const titleId = useId();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSet(password);
  };
  return (
    <dialog ref={dialog} className="dialog" aria-labelledby={titleId} onCancel={onCancel} onClose={onCancel}>
      <form onSubmit={submit}>
        <h2 id={titleId}>{t("users.setPasswordTitle", { email })}</h2>
        <p>{t("users.setPasswordBody")}</p>
        <label htmlFor={passwordId}>{t("password.new")}</label>
        <NewPasswordInput id={passwordId} value={password} onChange={setPassword} />
        <div className="dialog-actions">
          <button type="button" className="button secondary" onClick={onCancel}>
            {t("keys.cancel")}
          </button>
          <button type="submit" className="button primary">
            {t("users.setPassword")}
          </button>
        </div>
      </form>
    </dialog>
  );
}
