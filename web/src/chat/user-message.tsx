/**
 * A message the user sent: its images and a bubble on the right, with edit (which branches the conversation; the
 * edited copy keeps the images, unless some are taken off) and copy.
 */
import { type KeyboardEvent, memo, useEffect, useRef, useState } from "react";
import type { Attachment } from "../api/file-api.js";
import type { TreeMessage } from "../api/parley-api.js";
import { useTranslation } from "../i18n/translation.js";
import { CopyButton } from "../ui/copy-button.js";
import { IconButton } from "../ui/icon-button.js";
import { EditIcon } from "../ui/icons.js";
import { BranchSwitcher } from "./branch-switcher.js";
import { MessageImages } from "./message-images.js";

const NO_IMAGES: readonly Attachment[] = [];

type UserMessageProps = {
  message: TreeMessage;
  siblings: readonly string[];
  busy: boolean;
  onSelect: (messageId: string) => void;
  onEdit: (messageId: string, content: string, attachments: readonly Attachment[]) => void;
};

/** Memoized: while a reply streams, the messages above it do not render again. */
export const UserMessage = memo(function UserMessage({
  message,
  siblings,
  busy,
  onSelect,
  onEdit,
}: UserMessageProps) {
  const { t } = useTranslation();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(message.content);
  const images = message.attachments ?? NO_IMAGES;
  const [keptImages, setKeptImages] = useState(images);
  const textarea = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    if (!editing || !textarea.current) return;
    const element = textarea.current;
    element.focus();
    element.setSelectionRange(element.value.length, element.value.length);
  }, [editing]);

  useEffect(() => {
    const element = textarea.current;
    if (!element) return;
    element.style.height = "auto";
    element.style.height = `${element.scrollHeight}px`;
  });

  const canSubmit = (draft.trim() !== "" || keptImages.length > 0) && !busy;
  const submit = () => {
    const content = draft.trim();
    if (!canSubmit) return;
    setEditing(false);
    if (content !== message.content.trim() || keptImages.length !== images.length)
      onEdit(message.id, content, keptImages);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      setEditing(false);
    }
  };

  if (editing) {
    return (
      <div className="message user-message is-editing">
        <div className="user-edit">
          <MessageImages
            images={keptImages}
            onRemove={(id) => setKeptImages((current) => current.filter((image) => image.id !== id))}
          />
          <textarea
            ref={textarea}
            aria-label={t("message.editLabel")}
            value={draft}
            rows={1}
            onChange={(event) => setDraft(event.target.value)}
            onKeyDown={onKeyDown}
          />
          <div className="user-edit-actions">
            <button type="button" className="button secondary" onClick={() => setEditing(false)}>
              {t("message.cancel")}
            </button>
            <button type="button" className="button primary" disabled={!canSubmit} onClick={submit}>
              {t("message.save")}
            </button>
          </div>
        </div>
      </div>
    );
  }

  return (
    <div className="message user-message" data-message-id={message.id}>
      <MessageImages images={images} />
      {message.content !== "" && <div className="user-bubble">{message.content}</div>}
      <div className="message-actions">
        <BranchSwitcher siblings={siblings} currentId={message.id} onSelect={onSelect} disabled={busy} />
        {/* Editing the first message sends `parentId: null`: a new root, the original one arrow away. */}
        <IconButton
          label={t("message.edit")}
          disabled={busy}
          onClick={() => {
            setDraft(message.content);
            setKeptImages(images);
            setEditing(true);
          }}
        >
          <EditIcon />
        </IconButton>
        <CopyButton text={() => message.content} />
      </div>
    </div>
  );
});
