/**
 * An API client's exchange with tools, as the thread shows it: the calls a reply made, under its text, each folded
 * to one line (the tool's name and its arguments, in full when opened); and a tool's result, a compact block named
 * after the tool it came from, folded too when it is long.
 */
import { memo, type ReactNode, useMemo } from "react";
import type { ToolCall } from "../../../src/core/tool-call.js";
import type { TreeMessage } from "../api/parley-api.js";
import { useTranslation } from "../i18n/translation.js";
import { ChevronRightIcon, ToolIcon, ToolResultIcon } from "../ui/icons.js";
import { BranchSwitcher } from "./branch-switcher.js";
import { formatToolText, isLongToolText, lineCount, toolResultSubject } from "./tool-calls.js";

/** The calls of one reply, in the order it made them. */
export function ToolCallList({ calls }: { calls: readonly ToolCall[] }) {
  const { t } = useTranslation();
  if (calls.length === 0) return null;
  return (
    <ul className="tool-calls" aria-label={t("tools.calls")}>
      {calls.map((call, index) => (
        // A reply's calls keep their places (a run only adds to them): the place is the key.
        // biome-ignore lint/suspicious/noArrayIndexKey: see above.
        <li key={index}>
          <ToolCallItem call={call} />
        </li>
      ))}
    </ul>
  );
}

const ToolCallItem = memo(function ToolCallItem({ call }: { call: ToolCall }) {
  const { t } = useTranslation();
  const shown = useMemo(() => formatToolText(call.arguments), [call.arguments]);
  return (
    <details className="tool-block tool-call" data-tool-call-id={call.id}>
      <summary className="tool-header">
        <span className="tool-chevron" aria-hidden="true">
          <ChevronRightIcon />
        </span>
        <ToolIcon />
        <span className="tool-kind">{t("tools.call")}</span>
        <code className="tool-name">{call.name}</code>
        {shown.preview !== "" && <span className="tool-preview">{shown.preview}</span>}
      </summary>
      <ToolBody text={shown.text} empty={t("tools.noArguments")} />
    </details>
  );
});

type ToolResultProps = {
  message: TreeMessage;
  /** The tool whose call the result answers, when that call is in the thread. */
  toolName: string | undefined;
  siblings: readonly string[];
  busy: boolean;
  onSelect: (messageId: string) => void;
};

/** A `tool` message: what the client's run of a tool gave back. Memoized like the other messages. */
export const ToolResult = memo(function ToolResult(props: ToolResultProps) {
  const { message, toolName, siblings, busy, onSelect } = props;
  const { t } = useTranslation();
  const shown = useMemo(() => formatToolText(message.content), [message.content]);
  const subject = toolResultSubject(message.toolCallId, toolName);
  const label =
    subject === null
      ? t("tools.result")
      : subject.kind === "tool"
        ? t("tools.resultOf", { name: subject.text })
        : t("tools.resultOfCall", { id: subject.text });
  const header: ReactNode = (
    <>
      <ToolResultIcon />
      <span className="tool-kind">{t("tools.result")}</span>
      {subject && (
        <code className="tool-name" data-subject={subject.kind}>
          {subject.text}
        </code>
      )}
    </>
  );
  const body = <ToolBody text={shown.text} empty={t("tools.empty")} />;

  return (
    <div className="message tool-message" data-message-id={message.id} data-tool-call-id={message.toolCallId}>
      {isLongToolText(shown.text) ? (
        <details className="tool-block tool-result" aria-label={label}>
          <summary className="tool-header">
            <span className="tool-chevron" aria-hidden="true">
              <ChevronRightIcon />
            </span>
            {header}
            <span className="tool-preview">{shown.preview}</span>
            <span className="tool-meta">{t("tools.resultLines", { count: lineCount(shown.text) })}</span>
          </summary>
          {body}
        </details>
      ) : (
        <section className="tool-block tool-result" aria-label={label}>
          <div className="tool-header">{header}</div>
          {body}
        </section>
      )}
      {siblings.length > 1 && (
        <div className="message-actions">
          <BranchSwitcher siblings={siblings} currentId={message.id} onSelect={onSelect} disabled={busy} />
        </div>
      )}
    </div>
  );
});

function ToolBody({ text, empty }: { text: string; empty: string }) {
  if (text.trim() === "") return <div className="tool-body is-empty">{empty}</div>;
  return (
    <pre className="tool-body">
      <code>{text}</code>
    </pre>
  );
}
