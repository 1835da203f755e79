/**
 * A reply from the model: Markdown that streams in with a caret, its state when it did not simply finish
 * (reconnecting, stopped, incomplete, interrupted), and under it copy, regenerate, branches and the footer.
 */
import { memo } from "react";
import type { ModelListing } from "../api/model-listing.js";
import type { TreeMessage } from "../api/parley-api.js";
import { useTranslation } from "../i18n/translation.js";
import { MarkdownView } from "../markdown/markdown-view.js";
import { CopyButton } from "../ui/copy-button.js";
import { RegenerateIcon } from "../ui/icons.js";
import { BranchSwitcher } from "./branch-switcher.js";
import type { RunRouting } from "./chat-session-state.js";
import { ReplyFooter } from "./reply-footer.js";

type AssistantReplyProps = {
  message: TreeMessage;
  siblings: readonly string[];
  model: ModelListing | undefined;
  routing: RunRouting | undefined;
  reconnecting: boolean;
  /** Another reply in the thread is being written: no new run may start. */
  busy: boolean;
  isLast: boolean;
  onSelect: (messageId: string) => void;
  onRegenerate: (messageId: string) => void;
};

/** Memoized: while a reply streams, the replies above it do not render again. */
export const AssistantReply = memo(function AssistantReply(props: AssistantReplyProps) {
  const { message, siblings, model, routing, reconnecting, busy, isLast, onSelect, onRegenerate } = props;
  const { t } = useTranslation();
  const streaming = message.status === "streaming";
  const failed = message.status === "incomplete" || message.status === "interrupted";

  return (
    <div
      className={`message assistant-message${isLast ? " is-last" : ""}`}
      data-message-id={message.id}
      data-status={message.status}
    >
      <div className="visually-hidden">{t("message.assistant")}</div>
      {/* Polite and busy while streaming: screen readers hear the reply once it ends, not every token. */}
      <div className="reply-content" aria-live="polite" aria-busy={streaming} aria-atomic="false">
        {message.content === "" && streaming ? (
          <div className="thinking">
            <span className="thinking-dot" />
            <span className="thinking-dot" />
            <span className="thinking-dot" />
            <span className="visually-hidden">{t("message.thinking")}</span>
          </div>
        ) : (
          <MarkdownView text={message.content} streaming={streaming} />
        )}
      </div>
      {reconnecting && streaming && (
        <div className="reply-state is-reconnecting" role="status">
          <span className="spinner" aria-hidden="true" />
          {t("message.reconnecting")}
        </div>
      )}
      {message.status === "stopped" && (
        <div className="reply-state is-stopped" role="status">
          {t("message.stopped")}
        </div>
      )}
      {message.status === "complete" && message.finishReason === "length" && (
        <div className="reply-state is-length">{t("message.lengthLimit")}</div>
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
      {!streaming && (
        <div className="message-actions reply-actions">
          <BranchSwitcher siblings={siblings} currentId={message.id} onSelect={onSelect} disabled={busy} />
          <CopyButton text={() => message.content} />
          <button
            type="button"
            className="icon-button"
            aria-label={t("message.regenerate")}
            title={t("message.regenerate")}
            disabled={busy}
            onClick={() => onRegenerate(message.id)}
          >
            <RegenerateIcon />
          </button>
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
