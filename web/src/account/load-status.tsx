/** What an account page shows while its data loads, or when it could not: a spinner, or why, with Retry. */
import { useTranslation } from "../i18n/translation.js";

export type Loading<T> = { kind: "loading" } | { kind: "failed"; message: string } | ({ kind: "ready" } & T);

export function LoadStatus({
  state,
  failedText,
  onRetry,
}: {
  state: Loading<object>;
  /** The sentence that says what could not be loaded, with the reason in it. */
  failedText: (message: string) => string;
  onRetry: () => void;
}) {
  const { t } = useTranslation();
  if (state.kind === "loading") {
    return (
      <p className="account-muted" role="status">
        <span className="spinner" aria-hidden="true" /> {t("auth.checking")}
      </p>
    );
  }
  if (state.kind === "failed") {
    return (
      <div className="account-problem" role="alert">
        <span>{failedText(state.message)}</span>{" "}
        <button type="button" className="button secondary small" onClick={onRetry}>
          {t("auth.retry")}
        </button>
      </div>
    );
  }
  return null;
}
