/**
 * A message's image at full size, in a modal dialog (the native <dialog>: focus kept inside, Esc closes, and the
 * focus goes back to the thumbnail that opened it). Loaded the first time an image is opened.
 */
import { useState } from "react";
import { type Attachment, fileUrl } from "../api/file-api.js";
import { useTranslation } from "../i18n/translation.js";
import { ChevronLeftIcon, ChevronRightIcon, CloseIcon } from "../ui/icons.js";
import "./image-viewer.css";
import { useModalDialog } from "../ui/use-modal-dialog.js";

type ImageViewerProps = {
  /** The message's images; the arrows (and the arrow keys) go through them. */
  images: readonly Attachment[];
  index: number;
  onClose: () => void;
};

export default function ImageViewer({ images, index: first, onClose }: ImageViewerProps) {
  const { t } = useTranslation();
  const dialog = useModalDialog();
  const [index, setIndex] = useState(first);
  const image = images[index] ?? images[0];

  if (!image) return null;
  const step = (by: number) => setIndex((current) => (current + by + images.length) % images.length);
  const size =
    image.width && image.height ? t("attachments.size", { width: image.width, height: image.height }) : "";

  return (
    <dialog
      ref={dialog}
      className="image-viewer"
      aria-label={image.name}
      onClose={onClose}
      onKeyDown={(event) => {
        if (images.length < 2) return;
        if (event.key === "ArrowLeft") step(-1);
        else if (event.key === "ArrowRight") step(1);
      }}
      // A click on the backdrop (the dialog itself, outside the figure) closes it.
      onClick={(event) => {
        if (event.target === event.currentTarget) dialog.current?.close();
      }}
    >
      <figure className="image-viewer-figure">
        <img
          src={fileUrl(image.id)}
          alt={image.name}
          {...(image.width && image.height ? { width: image.width, height: image.height } : {})}
        />
        <figcaption>
          <span className="image-viewer-name">{image.name}</span>
          {size && <span>{size}</span>}
          {images.length > 1 && (
            <span>{t("attachments.position", { index: index + 1, count: images.length })}</span>
          )}
        </figcaption>
      </figure>
      {images.length > 1 && (
        <>
          <button
            type="button"
            className="icon-button image-viewer-previous"
            aria-label={t("attachments.previous")}
            onClick={() => step(-1)}
          >
            <ChevronLeftIcon />
          </button>
          <button
            type="button"
            className="icon-button image-viewer-next"
            aria-label={t("attachments.next")}
            onClick={() => step(1)}
          >
            <ChevronRightIcon />
          </button>
        </>
      )}
      {/* Not IconButton: with this chunk importing it too, the bundler moves IconButton out of the chat page's main
          chunk into a shared one the chat page must also load, which makes the chat page bigger. */}
      <button
        type="button"
        className="icon-button image-viewer-close"
        aria-label={t("attachments.close")}
        title={t("attachments.close")}
        // biome-ignore lint/a11y/noAutofocus: a modal's first stop is its close button.
        autoFocus
        onClick={() => dialog.current?.close()}
      >
        <CloseIcon />
      </button>
    </dialog>
  );
}
