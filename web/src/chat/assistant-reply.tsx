/**
 * A reply from the model: Markdown that streams in with a caret, its citation marks, the tools it called (in an API
 * client's exchange with tools), its state when it did not simply finish (reconnecting, stopped, incomplete,
 * interrupted, waiting for tool results), its follow-up questions as chips, and under it copy as Markdown,
 * regenerate, branches and the footer.
 */
import { memo, useMemo } from "react";
import type { Citation } from "../../../src/core/citation-check.js";
import type { ToolCall } from "../../../src/core/tool-call.js";
import type { ModelListing } from "../api/model-listing.js";
import type { TreeMessage } from "../api/parley-api.js";
import { attachMarks, citationMarksOf, withoutOpenMark } from "../citations/citation-marks.js";
import { useTranslation } from "../i18n/translation.js";
import { MarkdownView } from "../markdown/markdown-view.js";
import { BusyStatus } from "../ui/busy-status.js";
import { CopyButton } from "../ui/copy-button.js";
import { IconButton } from "../ui/icon-button.js";
import { RegenerateIcon } from "../ui/icons.js";
import { BranchSwitcher } from "./branch-switcher.js";
import type { RunRouting } from "./chat-session-state.js";
import { FollowUpChips } from "./follow-up-chips.js";
import { splitFollowUps } from "./follow-up-questions.js";
import { ReplyFooter } from "./reply-footer.js";
import { ToolCallList } from "./tool-blocks.js";

const NO_TOOL_CALLS: readonly ToolCall[] = [];

type AssistantReplyProps = {
  message: TreeMessage;
  siblings: readonly string[];
  model: ModelListing | undefined;
  routing: RunRouting | undefined;
  reconnecting: boolean;
  /** Another reply in the thread is being written: no new run may start. */
  busy: boolean;
  isLast: boolean;
  /**
   * The reply's checked citations: undefined while none is known yet (a reply this page streams, before its first
   * citation or its end), or outside a bot's conversation (`citable` false), where marks like [S3] are just text.
   */
  citations: readonly Citation[] | undefined;
  citable: boolean;
  onSelect: (messageId: string) => void;
  onRegenerate: (messageId: string) => void;
  onCitation: (citation: Citation, number: number, mark: HTMLElement) => void;
  onFollowUp: (question: string) => void;
};

/** Memoized: while a reply streams, the replies above it do not render again. */
export const AssistantReply = memo(function AssistantReply(props: AssistantReplyProps) {
  const { message, siblings, model, routing, reconnecting, busy, isLast, onSelect, onRegenerate } = props;
  const { citations, citable, onCitation, onFollowUp } = props;
  const { t } = useTranslation();
  const streaming = message.status === "streaming";
  const failed = message.status === "incomplete" || message.status === "interrupted";
  const toolCalls = message.toolCalls ?? NO_TOOL_CALLS;
  const { body, questions } = useMemo(
    () => splitFollowUps(message.content, streaming),
    [message.content, streaming],
  );
  const marks = useMemo(() => (citable ? citationMarksOf(citations ?? []) : null), [citable, citations]);
  const openCitation = (marker: string, button: HTMLElement) => {
    const citation = citations?.find((candidate) => candidate.marker === marker);
    const number = marks?.get(marker)?.number;
    if (citation && number !== undefined) onCitation(citation, number, button);
  };

  return (
    <div
      className={`message assistant-message${isLast ? " is-last" : ""}`}
      data-message-id={message.id}
      data-status={message.status}
    >
      <div className="visually-hidden">{t("message.assistant")}</div>
      {/* Polite and busy while streaming: screen readers hear the reply once it ends, not every token. */}
      <div className="reply-content" aria-live="polite" aria-busy={streaming} aria-atomic="false">
        {message.content === "" && streaming && toolCalls.length === 0 ? (
          <div className="thinking">
            <span className="thinking-dot" />
            <span className="thinking-dot" />
            <span className="thinking-dot" />
            <span className="visually-hidden">{t("message.thinking")}</span>
          </div>
        ) : (
          <MarkdownView
            text={citable ? attachMarks(streaming ? withoutOpenMark(body) : body) : body}
            streaming={streaming}
            citations={marks}
            onCitation={openCitation}
          />
        )}
      </div>
      <ToolCallList calls={toolCalls} />
      {reconnecting && streaming && (
        <BusyStatus className="reply-state is-reconnecting">{t("message.reconnecting")}</BusyStatus>
      )}
      {message.status === "stopped" && (
        <div className="reply-state is-stopped" role="status">
          {t("message.stopped")}
        </div>
      )}
      {message.status === "complete" && message.finishReason === "length" && (
        <div className="reply-state is-length">{t("message.lengthLimit")}</div>
      )}
      {/* Only while nothing follows: the client that offered the tools runs them and sends their results. */}
      {message.status === "complete" && message.finishReason === "tool_calls" && isLast && (
        <div className="reply-state is-tool-calls" role="status">
          {t("message.waitingForToolResults")}
        </div>
      )}
      {failed && (
        <div className="reply-state is-failed" role="alert">
          <span>{message.status === "interrupted" ? t("message.interrupted") : t("message.incomplete")}</span>
          {message.error?.message && message.status === "incomplete" && (
            <span className="reply-error-detail">{message.error.message}</span>
          )}
          <button
            type="button"
            className="button secondary small"
            disabled={busy}
            onClick={() => onRegenerate(message.id)}
          >
            {t("message.retry")}
          </button>
        </div>
      )}
      {isLast && <FollowUpChips questions={questions} disabled={busy} onAsk={onFollowUp} />}
      {!streaming && (
        <div className="message-actions reply-actions">
          <BranchSwitcher siblings={siblings} currentId={message.id} onSelect={onSelect} disabled={busy} />
          <CopyButton text={() => message.content} label={t("message.copyMarkdown")} />
          <IconButton
            label={t("message.regenerate")}
            disabled={busy}
            onClick={() => onRegenerate(message.id)}
          >
            <RegenerateIcon />
          </IconButton>
          <ReplyFooter message={message} model={model} routing={routing} />
        </div>
      )}
      {streaming && siblings.length > 1 && (
        <div className="message-actions reply-actions">
          <BranchSwitcher siblings={siblings} currentId={message.id} onSelect={onSelect} disabled />
        </div>
      )}
    </div>
  );
});
