/**
 * Password: the signed-in user changes theirs, giving the current one; their other sessions are signed out. Loaded
 * only when opened, so the chat page does not carry it.
 */
import { type FormEvent, useId, useState } from "react";
import { changePassword } from "../api/account-api.js";
import { errorMessage } from "../api/error-message.js";
import { useTranslation } from "../i18n/translation.js";
import { AccountPageFrame, type AccountPageProps } from "./account-page-frame.js";
import { NewPasswordInput } from "./new-password-input.js";

type Outcome = { kind: "idle" | "changing" | "changed" } | { kind: "failed"; message: string };

export default function PasswordPage(props: AccountPageProps) {
  const { t } = useTranslation();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeated, setRepeated] = useState("");
  const [outcome, setOutcome] = useState<Outcome>({ kind: "idle" });
  const currentId = useId();
  const nextId = useId();
  const repeatedId = useId();
  const hintId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (next !== repeated) {
      setOutcome({ kind: "failed", message: t("password.mismatch") });
      return;
    }
    setOutcome({ kind: "changing" });
    try {
      await changePassword(current, next);
      setCurrent("");
      setNext("");
      setRepeated("");
      setOutcome({ kind: "changed" });
    } catch (error) {
      setOutcome({ kind: "failed", message: errorMessage(error) });
    }
  };

  return (
    <AccountPageFrame page="password" props={props}>
      {props.mode === "single-user" ? (
        <div className="account-notice" role="status">
          {t("password.singleUser")}
        </div>
      ) : (
        <>
          <p className="account-intro">{t("password.intro")}</p>
          <form className="account-section create-key-form" onSubmit={submit}>
            <div className="account-form-fields">
              <label htmlFor={currentId}>{t("password.current")}</label>
              <input
                id={currentId}
                className="text-input"
                type="password"
                required
                autoComplete="current-password"
                value={current}
                onChange={(event) => setCurrent(event.target.value)}
              />
              <label htmlFor={nextId}>{t("password.new")}</label>
              <NewPasswordInput id={nextId} value={next} onChange={setNext} describedBy={hintId} />
              <label htmlFor={repeatedId}>{t("password.repeat")}</label>
              <NewPasswordInput id={repeatedId} value={repeated} onChange={setRepeated} checkLength={false} />
            </div>
            <p id={hintId} className="account-muted create-key-hint">
              {t("password.hint")}
            </p>
            {outcome.kind === "failed" && (
              <div className="account-problem" role="alert">
                {outcome.message}
              </div>
            )}
            {outcome.kind === "changed" && (
              <p className="account-muted" role="status">
                {t("password.changed")}
              </p>
            )}
            <div className="dialog-actions">
              <button type="submit" className="button primary" disabled={outcome.kind === "changing"}>
                {outcome.kind === "changing" ? t("password.changing") : t("password.change")}
              </button>
            </div>
          </form>
        </>
      )}
    </AccountPageFrame>
  );
}
