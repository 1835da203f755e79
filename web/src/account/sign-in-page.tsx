/** Sign in, or on a new server create the admin account. Loaded only when needed, so the chat page does not carry it. */
import { type FormEvent, useId, useState } from "react";
import { errorMessage } from "../api/error-message.js";
import { useTranslation } from "../i18n/translation.js";

type SignInPageProps = {
  needsSetup: boolean;
  onSubmit: (email: string, password: string, setup: boolean) => Promise<void>;
};

export default function SignInPage({ needsSetup, onSubmit }: SignInPageProps) {
  const { t } = useTranslation();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const emailId = useId();
  const passwordId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      await onSubmit(email.trim(), password, needsSetup);
    } catch (error) {
      setProblem(errorMessage(error));
      setBusy(false);
    }
  };

  return (
    <main className="sign-in-page">
      <form className="sign-in-card" onSubmit={submit}>
        <div className="empty-logo" aria-hidden="true">
          <svg viewBox="0 0 32 32" width="40" height="40" aria-hidden="true">
            <rect width="32" height="32" rx="9" fill="var(--accent)" />
            <path
              d="M9 10.5A3.5 3.5 0 0 1 12.5 7h7A3.5 3.5 0 0 1 23 10.5v5a3.5 3.5 0 0 1-3.5 3.5H15l-4.5 4v-4.2A3.5 3.5 0 0 1 9 15.5z"
              fill="var(--on-accent)"
            />
          </svg>
        </div>
        <h1>{needsSetup ? t("auth.setupTitle") : t("auth.signInTitle")}</h1>
        {needsSetup && <p>{t("auth.setupBody")}</p>}
        <label htmlFor={emailId}>{t("auth.email")}</label>
        <input
          id={emailId}
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(event) => setEmail(event.target.value)}
        />
        <label htmlFor={passwordId}>{t("auth.password")}</label>
        <input
          id={passwordId}
          type="password"
          autoComplete={needsSetup ? "new-password" : "current-password"}
          required
          value={password}
          onChange={(event) => setPassword(event.target.value)}
        />
        {problem && (
          <p className="sign-in-problem" role="alert">
            {problem}
          </p>
        )}
        <button type="submit" className="button primary" disabled={busy}>
          {needsSetup ? t("auth.createAccount") : t("auth.signIn")}
        </button>
      </form>
    </main>
  );
}
