/**
 * The message box at the bottom: grows with its text up to 40% of the screen, Enter sends, Shift+Enter adds a
 * line, and while a reply streams the send button is the stop button.
 */
import { type KeyboardEvent, type Ref, useImperativeHandle, useLayoutEffect, useRef, useState } from "react";
import { useTranslation } from "../i18n/translation.js";
import { SendIcon, StopIcon } from "../ui/icons.js";

type ComposerProps = {
  streaming: boolean;
  /** Why nothing can be sent now (no model ready), or null. */
  unavailableReason: string | null;
  /** The line under the box: the answering model, its tier and price. */
  modelLine: string | null;
  /** Whom the message goes to, in the empty box; Parley unless told. */
  placeholder?: string;
  /** Resolves false when the message was not sent; the text then stays in the box. */
  onSend: (content: string) => Promise<boolean>;
  onStop: () => void;
  ref?: Ref<ComposerHandle>;
};

export type ComposerHandle = { focus: () => void };

export function Composer(props: ComposerProps) {
  const { streaming, unavailableReason, modelLine, placeholder, onSend, onStop, ref: handle } = props;
  const { t } = useTranslation();
  const [draft, setDraft] = useState("");
  const textarea = useRef<HTMLTextAreaElement>(null);

  useImperativeHandle(handle, () => ({ focus: () => textarea.current?.focus() }), []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the height follows the text.
  useLayoutEffect(() => {
    const element = textarea.current;
    if (!element) return;
    element.style.height = "auto";
    element.style.height = `${Math.min(element.scrollHeight, window.innerHeight * 0.4)}px`;
  }, [draft]);

  const canSend = draft.trim() !== "" && !streaming && unavailableReason === null;

  const send = async () => {
    if (!canSend) return;
    const content = draft.trim();
    setDraft("");
    if (!(await onSend(content))) setDraft((current) => (current === "" ? content : current));
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // An IME (Chinese, Japanese) uses Enter to pick its candidate; that Enter must not send.
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void send();
    }
  };

  return (
    <div className="composer">
      <div className="composer-box">
        <textarea
          ref={textarea}
          id="composer-input"
          className="composer-input"
          aria-label={t("composer.message")}
          placeholder={unavailableReason ?? placeholder ?? t("composer.placeholder")}
          value={draft}
          rows={1}
          onChange={(event) => setDraft(event.target.value)}
          onKeyDown={onKeyDown}
        />
        {streaming ? (
          <button
            type="button"
            className="composer-button is-stop"
            aria-label={t("composer.stop")}
            title={t("composer.stop")}
            onClick={onStop}
          >
            <StopIcon />
          </button>
        ) : (
          <button
            type="button"
            className="composer-button"
            aria-label={t("composer.send")}
            title={t("composer.send")}
            disabled={!canSend}
            onClick={() => void send()}
          >
            <SendIcon />
          </button>
        )}
      </div>
      <div className="composer-line">
        {modelLine && <span>{modelLine}</span>}
        <span className="composer-hint">{t("composer.hint")}</span>
      </div>
    </div>
  );
}
