/**
 * Usage: tokens and cost of the user's replies (and embeddings requests) by day and model (from GET /api/usage), with
 * totals and a bar per day; of the input tokens, those the prompt cache served and stored. Loaded only when opened,
 * so the chat page does not carry it.
 */
import { useEffect, useId, useMemo, useState } from "react";
import { getUsage, type UsageDay, type UsageReport } from "../api/account-api.js";
import { errorMessage } from "../api/error-message.js";
import { formatCost, formatCount } from "../chat/format-metrics.js";
import type { MessageKey } from "../i18n/en.js";
import { useTranslation } from "../i18n/translation.js";
import { AccountPageFrame, type AccountPageProps } from "./account-page-frame.js";
import { type Loading, LoadStatus } from "./load-status.js";

const DAY_MS = 86_400_000;

const PERIODS: readonly { days: number; label: MessageKey }[] = [
  { days: 7, label: "usage.last7" },
  { days: 30, label: "usage.last30" },
  { days: 90, label: "usage.last90" },
];

type Report = Loading<{ report: UsageReport }>;

/** The server counts days in UTC; so does the period, so "today" is the same day on both sides. */
function utcDay(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

function periodOf(days: number, now = Date.now()): { from: string; to: string } {
  return { from: utcDay(now - (days - 1) * DAY_MS), to: utcDay(now) };
}

export default function UsagePage(props: AccountPageProps) {
  const { t, locale } = useTranslation();
  // A new object asks again, also for the same period (Retry).
  const [request, setRequest] = useState({ days: 30 });
  const [state, setState] = useState<Report>({ kind: "loading" });
  const periodId = useId();

  useEffect(() => {
    const controller = new AbortController();
    const { from, to } = periodOf(request.days);
    setState({ kind: "loading" });
    getUsage(from, to, controller.signal).then(
      (report) => setState({ kind: "ready", report }),
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ kind: "failed", message: errorMessage(error) });
      },
    );
    return () => controller.abort();
  }, [request]);

  const count = (value: number) => formatCount(value, locale);
  // Most people never call /v1/embeddings: the count shows only for a period that has some.
  const embeddings = state.kind === "ready" && state.report.totals.embeddingRequests > 0;
  // Nor do most self-hosted models cache prompts: the cache's reads and writes show only for a period that has some.
  const cache =
    state.kind === "ready" &&
    (state.report.totals.cacheReadTokens > 0 || state.report.totals.cacheWriteTokens > 0);

  return (
    <AccountPageFrame page="usage" props={props}>
      <div className="usage-toolbar">
        <p className="account-intro">{t("usage.intro")}</p>
        <label htmlFor={periodId} className="visually-hidden">
          {t("usage.period")}
        </label>
        <select
          id={periodId}
          value={request.days}
          onChange={(event) => setRequest({ days: Number(event.target.value) })}
        >
          {PERIODS.map((period) => (
            <option key={period.days} value={period.days}>
              {t(period.label)}
            </option>
          ))}
        </select>
      </div>

      <LoadStatus
        state={state}
        failedText={(message) => t("usage.loadFailed", { message })}
        onRetry={() => setRequest({ ...request })}
      />
      {state.kind === "ready" && (
        <>
          <p className="account-muted">
            {t("usage.periodDates", { from: state.report.from, to: state.report.to })}
          </p>
          <dl className="usage-totals">
            <div>
              <dt>{t("usage.replies")}</dt>
              <dd>{count(state.report.totals.replies)}</dd>
            </div>
            {embeddings && (
              <div>
                <dt>{t("usage.embeddingRequests")}</dt>
                <dd>{count(state.report.totals.embeddingRequests)}</dd>
              </div>
            )}
            <div>
              <dt>{t("usage.inputTokens")}</dt>
              <dd>{count(state.report.totals.inputTokens)}</dd>
            </div>
            {cache && (
              <>
                <div>
                  <dt>{t("usage.cacheReadTokens")}</dt>
                  <dd>{count(state.report.totals.cacheReadTokens)}</dd>
                </div>
                <div>
                  <dt>{t("usage.cacheWriteTokens")}</dt>
                  <dd>{count(state.report.totals.cacheWriteTokens)}</dd>
                </div>
              </>
            )}
            <div>
              <dt>{t("usage.outputTokens")}</dt>
              <dd>{count(state.report.totals.outputTokens)}</dd>
            </div>
            <div>
              <dt>{t("usage.cost")}</dt>
              <dd>{formatCost(state.report.totals.costUsd, locale)}</dd>
            </div>
          </dl>
          {state.report.days.length === 0 ? (
            <p className="account-muted">{t("usage.empty")}</p>
          ) : (
            <>
              <UsageBars report={state.report} />
              <div className="account-table-scroller">
                <table className="account-table usage-table">
                  <caption className="visually-hidden">{t("usage.tableCaption")}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t("usage.day")}</th>
                      <th scope="col">{t("usage.model")}</th>
                      <th scope="col" className="is-number">
                        {t("usage.replies")}
                      </th>
                      {embeddings && (
                        <th scope="col" className="is-number">
                          {t("usage.embeddingRequests")}
                        </th>
                      )}
                      <th scope="col" className="is-number">
                        {t("usage.inputTokens")}
                      </th>
                      {cache && (
                        <>
                          <th scope="col" className="is-number">
                            {t("usage.cacheReadTokens")}
                          </th>
                          <th scope="col" className="is-number">
                            {t("usage.cacheWriteTokens")}
                          </th>
                        </>
                      )}
                      <th scope="col" className="is-number">
                        {t("usage.outputTokens")}
                      </th>
                      <th scope="col" className="is-number">
                        {t("usage.cost")}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {newestFirst(state.report.days).map((row) => (
                      <tr key={`${row.day} ${row.model}`}>
                        <td>{row.day}</td>
                        <td>{row.model}</td>
                        <td className="is-number">{count(row.replies)}</td>
                        {embeddings && <td className="is-number">{count(row.embeddingRequests)}</td>}
                        <td className="is-number">{count(row.inputTokens)}</td>
                        {cache && (
                          <>
                            <td className="is-number">{count(row.cacheReadTokens)}</td>
                            <td className="is-number">{count(row.cacheWriteTokens)}</td>
                          </>
                        )}
                        <td className="is-number">{count(row.outputTokens)}</td>
                        <td className="is-number">{formatCost(row.costUsd, locale)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
        </>
      )}
    </AccountPageFrame>
  );
}

function newestFirst(days: readonly UsageDay[]): UsageDay[] {
  return [...days].sort((a, b) => b.day.localeCompare(a.day) || a.model.localeCompare(b.model));
}

/** One bar per day of the period, as tall as its tokens: a picture of the table below, hidden from screen readers. */
function UsageBars({ report }: { report: UsageReport }) {
  const { t, locale } = useTranslation();
  const bars = useMemo(() => {
    const tokensByDay = new Map<string, number>();
    for (const row of report.days) {
      tokensByDay.set(row.day, (tokensByDay.get(row.day) ?? 0) + row.inputTokens + row.outputTokens);
    }
    const start = Date.parse(`${report.from}T00:00:00Z`);
    const end = Date.parse(`${report.to}T00:00:00Z`);
    const all: { day: string; tokens: number }[] = [];
    for (let time = start; time <= end; time += DAY_MS) {
      const day = utcDay(time);
      all.push({ day, tokens: tokensByDay.get(day) ?? 0 });
    }
    return all;
  }, [report]);
  const most = Math.max(1, ...bars.map((bar) => bar.tokens));
  return (
    <div className="usage-bars" aria-hidden="true">
      {bars.map((bar) => (
        <div
          key={bar.day}
          className="usage-bar"
          title={t("usage.barTitle", { day: bar.day, tokens: formatCount(bar.tokens, locale) })}
        >
          <span style={{ height: `${(bar.tokens / most) * 100}%` }} />
        </div>
      ))}
    </div>
  );
}
