/**
 * The images in the composer: a thumbnail chip for each (a progress ring while it uploads) with a remove button,
 * and above the box the files the server refused, each with its reason.
 */
import type { CSSProperties } from "react";
import { fileUrl } from "../api/file-api.js";
import { useTranslation } from "../i18n/translation.js";
import { IconButton } from "../ui/icon-button.js";
import { CloseIcon } from "../ui/icons.js";
import type { ImageUpload } from "./use-image-uploads.js";

type ComposerImagesProps = {
  images: readonly ImageUpload[];
  onRemove: (key: string) => void;
};

export function ComposerImages({ images, onRemove }: ComposerImagesProps) {
  const { t } = useTranslation();
  if (images.length === 0) return null;
  return (
    <ul className="composer-images" aria-label={t("attachments.list")}>
      {images.map((image) => (
        <li key={image.key} className={`image-chip is-${image.state}`} data-state={image.state}>
          {image.state === "ready" ? (
            <img
              src={fileUrl(image.file.id)}
              alt={image.name}
              title={image.name}
              {...(image.file.width && image.file.height
                ? { width: image.file.width, height: image.file.height }
                : {})}
            />
          ) : image.state === "uploading" ? (
            <>
              <img src={image.preview} alt="" />
              <UploadProgress name={image.name} progress={image.progress} />
            </>
          ) : null}
          <IconButton
            className="image-chip-remove"
            label={t("attachments.remove", { name: image.name })}
            onClick={() => onRemove(image.key)}
          >
            <CloseIcon />
          </IconButton>
        </li>
      ))}
    </ul>
  );
}

function UploadProgress({ name, progress }: { name: string; progress: number }) {
  const { t } = useTranslation();
  const percent = Math.round(progress * 100);
  return (
    <span
      className="image-chip-progress"
      role="progressbar"
      aria-label={t("attachments.uploading", { name })}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
      title={t("attachments.uploading", { name })}
      style={{ "--progress": `${percent * 3.6}deg` } as CSSProperties}
    >
      <span>{percent}%</span>
    </span>
  );
}

type ImageRefusalsProps = {
  refusals: readonly Extract<ImageUpload, { state: "refused" }>[];
  onDismiss: (key: string) => void;
};

export function ImageRefusals({ refusals, onDismiss }: ImageRefusalsProps) {
  const { t } = useTranslation();
  if (refusals.length === 0) return null;
  return (
    <ul className="composer-refusals">
      {refusals.map((refusal) => (
        <li key={refusal.key} className="composer-refusal" role="alert">
          <span>{t("attachments.refused", { name: refusal.name, message: refusal.message })}</span>
          <button
            type="button"
            className="icon-button"
            aria-label={t("message.dismiss")}
            onClick={() => onDismiss(refusal.key)}
          >
            <CloseIcon />
          </button>
        </li>
      ))}
    </ul>
  );
}
