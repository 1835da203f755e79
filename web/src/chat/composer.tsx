/**
 * The message box at the bottom: grows with its text up to 40% of the screen, Enter sends, Shift+Enter adds a
 * line, and while a reply streams the send button is the stop button. Images come by the attach button, a paste,
 * or a drop on the chat (ComposerHandle.addFiles); each uploads at once and shows as a chip until sent.
 */
import {
  type ClipboardEvent,
  type KeyboardEvent,
  type Ref,
  useEffect,
  useImperativeHandle,
  useLayoutEffect,
  useRef,
  useState,
} from "react";
import { type Attachment, IMAGE_ACCEPT } from "../api/file-api.js";
import { useTranslation } from "../i18n/translation.js";
import { IconButton } from "../ui/icon-button.js";
import { AttachIcon, SendIcon, StopIcon } from "../ui/icons.js";
import type { UnsentMessage } from "./chat-session-state.js";
import { ComposerImages, ImageRefusals } from "./composer-images.js";
import { useImageUploads } from "./use-image-uploads.js";

/** Why the images may not be seen by the model the message goes to, and the way out when there is one. */
export type ImageWarning = { text: string; onUseAuto?: () => void };

type ComposerProps = {
  streaming: boolean;
  /** Why nothing can be sent now (no model ready), or null. */
  unavailableReason: string | null;
  /**
   * The model list has not come yet: nothing is sent until it is known that a model can answer (a message sent while
   * the server's engine is still starting would only come back refused).
   */
  modelsPending: boolean;
  /** The line under the box: the answering model, its tier and price. */
  modelLine: string | null;
  /** Whom the message goes to, in the empty box; Parley unless told. */
  placeholder?: string;
  /** Shown while the message carries images, when the model it goes to cannot see them. */
  imageWarning: ImageWarning | null;
  /** A sent message the server refused: it comes back into the box, when the box is empty. */
  unsent: UnsentMessage | null;
  onUnsentTaken: () => void;
  /** Resolves false when the message was not sent; the text and images then stay in the box. */
  onSend: (content: string, attachments: readonly Attachment[]) => Promise<boolean>;
  onStop: () => void;
  ref?: Ref<ComposerHandle>;
};

export type ComposerHandle = { focus: () => void; addFiles: (files: readonly File[]) => void };

export function Composer(props: ComposerProps) {
  const { streaming, unavailableReason, modelLine, placeholder, imageWarning, onSend, onStop } = props;
  const { unsent, onUnsentTaken, ref: handle } = props;
  const { t } = useTranslation();
  const [draft, setDraft] = useState("");
  const textarea = useRef<HTMLTextAreaElement>(null);
  const filePicker = useRef<HTMLInputElement>(null);
  const uploads = useImageUploads(t);
  const { add: addFiles, reset: resetImages } = uploads;

  useImperativeHandle(
    handle,
    () => ({
      focus: () => textarea.current?.focus(),
      addFiles: (files) => {
        addFiles(files);
        textarea.current?.focus();
      },
    }),
    [addFiles],
  );

  // biome-ignore lint/correctness/useExhaustiveDependencies: the height follows the text.
  useLayoutEffect(() => {
    const element = textarea.current;
    if (!element) return;
    element.style.height = "auto";
    element.style.height = `${Math.min(element.scrollHeight, window.innerHeight * 0.4)}px`;
  }, [draft]);

  // A refused message comes back to be changed (say, sent to another model), unless something new was started.
  const empty = draft === "" && uploads.images.length === 0;
  useEffect(() => {
    if (!unsent) return;
    if (empty) {
      setDraft(unsent.content);
      resetImages(unsent.attachments);
    }
    onUnsentTaken();
  }, [unsent, empty, resetImages, onUnsentTaken]);

  const hasContent = draft.trim() !== "" || uploads.ready.length > 0;
  const canSend =
    hasContent && !uploads.pending && !streaming && unavailableReason === null && !props.modelsPending;

  const send = async () => {
    if (!canSend) return;
    const content = draft.trim();
    const attachments = uploads.ready;
    setDraft("");
    resetImages();
    if (!(await onSend(content, attachments))) {
      setDraft((current) => (current === "" ? content : current));
      if (attachments.length > 0) resetImages(attachments);
    }
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // An IME (Chinese, Japanese) uses Enter to pick its candidate; that Enter must not send.
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void send();
    }
  };

  const onPaste = (event: ClipboardEvent<HTMLTextAreaElement>) => {
    const files = [...event.clipboardData.files];
    // Text copied from an office app may come with a picture of itself: then the text is what was meant.
    if (files.length === 0 || event.clipboardData.getData("text/plain") !== "") return;
    event.preventDefault();
    addFiles(files);
  };

  return (
    <div className="composer">
      {imageWarning && uploads.images.length > 0 && (
        <div className="composer-warning" role="status">
          <span>{imageWarning.text}</span>
          {imageWarning.onUseAuto && (
            <button type="button" className="button secondary" onClick={imageWarning.onUseAuto}>
              {t("attachments.useAuto")}
            </button>
          )}
        </div>
      )}
      <ImageRefusals refusals={uploads.refusals} onDismiss={uploads.remove} />
      <div className="composer-box">
        <ComposerImages images={uploads.images} onRemove={uploads.remove} />
        <div className="composer-row">
          <IconButton
            className="icon-button composer-attach"
            label={t("attachments.attach")}
            onClick={() => filePicker.current?.click()}
          >
            <AttachIcon />
          </IconButton>
          <input
            ref={filePicker}
            type="file"
            accept={IMAGE_ACCEPT}
            multiple
            hidden
            onChange={(event) => {
              addFiles([...(event.target.files ?? [])]);
              // The same file may be picked again after it was removed.
              event.target.value = "";
              textarea.current?.focus();
            }}
          />
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
            onPaste={onPaste}
          />
          {streaming ? (
            <IconButton className="composer-button is-stop" label={t("composer.stop")} onClick={onStop}>
              <StopIcon />
            </IconButton>
          ) : (
            <button
              type="button"
              className="composer-button"
              aria-label={t("composer.send")}
              title={uploads.pending ? t("attachments.waitForUploads") : t("composer.send")}
              disabled={!canSend}
              onClick={() => void send()}
            >
              <SendIcon />
            </button>
          )}
        </div>
      </div>
      <div className="composer-line">
        {modelLine && <span>{modelLine}</span>}
        <span className="composer-hint">{t("composer.hint")}</span>
      </div>
    </div>
  );
}
