/**
 * Sessions: where the user is signed in (browser and system, address, when), this browser marked; any other can be
 * signed out at once, or all of them together. Loaded only when opened, so the chat page does not carry it.
 */
import { useCallback, useEffect, useState } from "react";
import type { PublicSession } from "../../../src/core/session.js";
import { endOtherSessions, endSession, listSessions } from "../api/account-api.js";
import { errorMessage } from "../api/error-message.js";
import { useTranslation } from "../i18n/translation.js";
import { AccountPageFrame, type AccountPageProps } from "./account-page-frame.js";
import { AccountTable } from "./account-table.js";
import { browserName } from "./browser-name.js";
import { formatDateTime } from "./format-date-time.js";
import { type Loading, LoadStatus } from "./load-status.js";

type SessionList = Loading<{ sessions: PublicSession[] }>;

export default function SessionsPage(props: AccountPageProps) {
  const { t, locale } = useTranslation();
  const [list, setList] = useState<SessionList>({ kind: "loading" });
  const [notice, setNotice] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const reload = useCallback(async () => {
    try {
      setList({ kind: "ready", sessions: await listSessions() });
    } catch (error) {
      setList({ kind: "failed", message: errorMessage(error) });
    }
  }, []);

  useEffect(() => {
    void reload();
  }, [reload]);

  /** Runs one change, then shows the list as the server now has it. */
  const act = async (change: () => Promise<string>) => {
    setBusy(true);
    setNotice(null);
    setProblem(null);
    try {
      setNotice(await change());
    } catch (error) {
      setProblem(t("sessions.actionFailed", { message: errorMessage(error) }));
    }
    await reload();
    setBusy(false);
  };

  const formatTime = (time: number) => formatDateTime(time, locale);
  const deviceOf = (session: PublicSession) => {
    if (!session.userAgent) return t("sessions.unknownBrowser");
    const { browser, system } = browserName(session.userAgent);
    if (browser && system) return t("sessions.browserOn", { browser, system });
    return browser ?? system ?? session.userAgent;
  };
  const others = list.kind === "ready" ? list.sessions.filter((session) => !session.current) : [];

  return (
    <AccountPageFrame page="sessions" props={props}>
      {props.mode === "single-user" ? (
        <div className="account-notice" role="status">
          {t("sessions.singleUser")}
        </div>
      ) : (
        <>
          <p className="account-intro">{t("sessions.intro")}</p>
          {notice && (
            <div className="account-notice" role="status">
              {notice}
            </div>
          )}
          {problem && (
            <div className="account-problem" role="alert">
              {problem}
            </div>
          )}
          <section className="account-section" aria-labelledby="sessions-list-title">
            <h2 id="sessions-list-title">{t("sessions.listTitle")}</h2>
            <LoadStatus
              state={list}
              failedText={(message) => t("sessions.loadFailed", { message })}
              onRetry={() => void reload()}
            />
            {list.kind === "ready" && (
              <AccountTable
                className="sessions-table"
                columns={[
                  t("sessions.columnBrowser"),
                  t("sessions.columnAddress"),
                  t("sessions.columnSignedIn"),
                  t("sessions.columnLastActive"),
                  t("sessions.columnExpires"),
                ]}
                actionsLabel={t("sessions.columnActions")}
              >
                {list.sessions.map((session) => (
                  <tr key={session.id} data-session-id={session.id}>
                    <th scope="row" title={session.userAgent ?? undefined}>
                      {deviceOf(session)}
                      {session.current && (
                        <span className="session-current">{t("sessions.thisBrowser")}</span>
                      )}
                    </th>
                    <td>{session.address ?? "—"}</td>
                    <td>{formatTime(session.createdAt)}</td>
                    <td>{formatTime(session.lastUsedAt)}</td>
                    <td>{formatTime(session.expiresAt)}</td>
                    <td className="account-table-action">
                      {!session.current && (
                        <button
                          type="button"
                          className="button secondary small"
                          disabled={busy}
                          aria-label={t("sessions.endLabel", {
                            browser: deviceOf(session),
                            date: formatTime(session.createdAt),
                          })}
                          onClick={() =>
                            void act(async () => {
                              await endSession(session.id);
                              return t("sessions.ended", { browser: deviceOf(session) });
                            })
                          }
                        >
                          {t("sessions.end")}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </AccountTable>
            )}
            {others.length > 0 && (
              <button
                type="button"
                className="button secondary sessions-end-others"
                disabled={busy}
                onClick={() =>
                  void act(async () => t("sessions.endedOthers", { count: String(await endOtherSessions()) }))
                }
              >
                {t("sessions.endOthers")}
              </button>
            )}
            {list.kind === "ready" && others.length === 0 && (
              <p className="account-muted">{t("sessions.onlyThis")}</p>
            )}
          </section>
        </>
      )}
    </AccountPageFrame>
  );
}
