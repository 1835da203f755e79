/**
 * The bot editor's avatar, beside the name (its children): an emoji typed or picked, or an image uploaded through
 * POST /api/files, whose id the bot is saved with. The server checks the image is the saver's own.
 */
import { type ReactNode, useEffect, useRef, useState } from "react";
import { errorMessage } from "../api/error-message.js";
import { fileUrl, IMAGE_ACCEPT, uploadImage } from "../api/file-api.js";
import type { BotListing } from "../api/parley-api.js";
import { useTranslation } from "../i18n/translation.js";
import type { BotDraft } from "./bot-draft.js";
import { BotTextField } from "./bot-text-field.js";

/** A few avatars to pick with one click; any emoji can be typed. */
const AVATARS = ["🤖", "🧭", "🧑‍🏫", "📚", "✍️", "🔬", "💡", "🌐"];

type Upload = { kind: "sending"; sent: number } | { kind: "failed"; message: string };

type BotAvatarFieldProps = {
  draft: BotDraft;
  /** The bot as last saved: its image avatar is read from where the server serves it. */
  saved: BotListing | null;
  onChange: (patch: Partial<BotDraft>) => void;
  children: ReactNode;
};

export function BotAvatarField({ draft, saved, onChange, children }: BotAvatarFieldProps) {
  const { t } = useTranslation();
  // The image uploaded here: the draft holds only its id, and an emoji and an id are both text.
  const [uploaded, setUploaded] = useState<string | null>(null);
  const [upload, setUpload] = useState<Upload | null>(null);
  const cancel = useRef<AbortController | null>(null);
  useEffect(() => () => cancel.current?.abort(), []);

  const imageUrl =
    saved?.avatarUrl && draft.avatar === saved.avatar
      ? saved.avatarUrl
      : uploaded !== null && draft.avatar === uploaded
        ? fileUrl(uploaded)
        : null;

  const send = async (file: File) => {
    cancel.current?.abort();
    const controller = new AbortController();
    cancel.current = controller;
    setUpload({ kind: "sending", sent: 0 });
    try {
      const attachment = await uploadImage(file, {
        signal: controller.signal,
        onProgress: (sent) => setUpload({ kind: "sending", sent }),
      });
      setUploaded(attachment.id);
      onChange({ avatar: attachment.id });
      setUpload(null);
    } catch (error) {
      if (!controller.signal.aborted) setUpload({ kind: "failed", message: errorMessage(error) });
    }
  };

  return (
    <>
      <div className="bot-editor-identity">
        {imageUrl === null ? (
          <BotTextField
            field="avatar"
            className="bot-editor-avatar"
            maxLength={16}
            draft={draft}
            onChange={onChange}
          />
        ) : (
          <div className="bot-editor-field bot-editor-avatar">
            <span className="bot-editor-legend">{t("botEditor.avatar")}</span>
            <img
              className="bot-editor-avatar-image"
              src={imageUrl}
              alt={t("botEditor.avatarImage")}
              width={40}
              height={40}
            />
          </div>
        )}
        {children}
      </div>
      <fieldset className="avatar-picks" aria-describedby="bot-avatar-hint">
        <legend className="visually-hidden">{t("botEditor.avatarPicks")}</legend>
        {AVATARS.map((avatar) => (
          <button
            key={avatar}
            type="button"
            className="avatar-pick"
            aria-label={t("botEditor.useAvatar", { avatar })}
            aria-pressed={draft.avatar === avatar}
            onClick={() => onChange({ avatar })}
          >
            {avatar}
          </button>
        ))}
        <label className="button secondary small avatar-upload">
          {t("botEditor.uploadAvatar")}
          <input
            type="file"
            className="visually-hidden"
            accept={IMAGE_ACCEPT}
            disabled={upload?.kind === "sending"}
            onChange={(event) => {
              const file = event.target.files?.[0];
              event.target.value = "";
              if (file) void send(file);
            }}
          />
        </label>
      </fieldset>
      <p id="bot-avatar-hint" className="bot-editor-hint avatar-hint">
        {t("botEditor.avatarHint")}
      </p>
      {upload?.kind === "sending" && (
        <p className="bot-editor-hint avatar-upload-state" role="status">
          {t("botEditor.avatarUploading", { percent: Math.round(upload.sent * 100) })}
        </p>
      )}
      {upload?.kind === "failed" && (
        <p className="bot-editor-problem" role="alert">
          {t("botEditor.avatarUploadFailed", { message: upload.message })}
        </p>
      )}
    </>
  );
}
