/**
 * The images a sent message carries, as thumbnails above its bubble; one opens at full size in the image viewer
 * (a separate chunk, loaded the first time).
 */
import { lazy, Suspense, useState } from "react";
import { type Attachment, fileUrl } from "../api/file-api.js";
import { useTranslation } from "../i18n/translation.js";
import { IconButton } from "../ui/icon-button.js";
import { CloseIcon } from "../ui/icons.js";

const ImageViewer = lazy(() => import("./image-viewer.js"));

type MessageImagesProps = {
  images: readonly Attachment[];
  /** While editing: a remove button on each thumbnail, instead of opening it. */
  onRemove?: (id: string) => void;
};

export function MessageImages({ images, onRemove }: MessageImagesProps) {
  const { t } = useTranslation();
  const [open, setOpen] = useState<number | null>(null);
  if (images.length === 0) return null;
  return (
    <>
      <ul className="message-images" aria-label={t("attachments.list")}>
        {images.map((image, index) => (
          <li key={image.id}>
            {onRemove ? (
              <span className="message-image">
                <Thumbnail image={image} />
                <IconButton
                  className="image-chip-remove"
                  label={t("attachments.remove", { name: image.name })}
                  onClick={() => onRemove(image.id)}
                >
                  <CloseIcon />
                </IconButton>
              </span>
            ) : (
              <button
                type="button"
                className="message-image"
                aria-label={t("attachments.open", { name: image.name })}
                title={image.name}
                onClick={() => setOpen(index)}
              >
                <Thumbnail image={image} />
              </button>
            )}
          </li>
        ))}
      </ul>
      {open !== null && (
        <Suspense fallback={null}>
          <ImageViewer images={images} index={open} onClose={() => setOpen(null)} />
        </Suspense>
      )}
    </>
  );
}

function Thumbnail({ image }: { image: Attachment }) {
  return (
    <img
      src={fileUrl(image.id)}
      alt={image.name}
      loading="lazy"
      decoding="async"
      // The box keeps the image's shape before its bytes arrive, so the thread does not jump as they do.
      {...(image.width && image.height ? { width: image.width, height: image.height } : {})}
    />
  );
}
