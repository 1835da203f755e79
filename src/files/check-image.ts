/** The one gate every image passes before Parley keeps it or shows it to a model, uploaded or sent inline. */
import { AppError, BadRequestError } from "../core/app-error.js";
import { IMAGE_MEDIA_TYPES, type ImageFormat, imageTypeOf, readImageFormat } from "./image-format.js";

/**
 * The largest image: Anthropic's API refuses images over 5 MB, and a stored image may later go to any vision
 * model of the catalog. Larger photos are better scaled down before upload than refused upstream mid-reply.
 */
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;

/**
 * The longest side, in pixels (Anthropic's own limit). The header alone can claim any size, so this is also
 * what stops a decompression bomb: a few KB that would unpack to gigabytes in whatever decodes it.
 */
export const MAX_IMAGE_SIDE = 8000;

export const ALLOWED_IMAGE_TYPES_TEXT = "PNG, JPEG, GIF or WebP";

/**
 * The image's format, judged from its bytes; a clear 4xx otherwise. `what` names the image in messages
 * ("The file", "`messages.0.content.1`"). A declared type that disagrees with the bytes is not trusted either way.
 */
export function checkImage(bytes: Uint8Array, what: string, declaredType?: string): ImageFormat {
  if (bytes.length === 0) throw new BadRequestError(`${what} is empty.`, { code: "empty_file" });
  if (bytes.length > MAX_IMAGE_BYTES) {
    throw new AppError(
      "file_too_large",
      `${what} is ${bytes.length} bytes; images may be at most ${MAX_IMAGE_BYTES} bytes (5 MB). Scale it down and try again.`,
      { status: 413, details: { maxBytes: MAX_IMAGE_BYTES } },
    );
  }
  const mediaType = imageTypeOf(bytes);
  if (mediaType === undefined) {
    throw new AppError(
      "unsupported_media_type",
      `${what} is not an image Parley can read: only ${ALLOWED_IMAGE_TYPES_TEXT} images are accepted, judged by their content${declaredType ? ` (it was sent as ${JSON.stringify(declaredType)})` : ""}.`,
      { status: 415, details: { allowed: IMAGE_MEDIA_TYPES } },
    );
  }
  const format = readImageFormat(bytes);
  if (format === undefined) {
    throw new BadRequestError(
      `${what} starts like a ${label(mediaType)} image, but its header is cut short or broken.`,
      {
        code: "invalid_image",
      },
    );
  }
  if (format.width > MAX_IMAGE_SIDE || format.height > MAX_IMAGE_SIDE) {
    throw new BadRequestError(
      `${what} is ${format.width}x${format.height} pixels; images may be at most ${MAX_IMAGE_SIDE} pixels on a side.`,
      { code: "image_too_large" },
    );
  }
  return format;
}

function label(mediaType: string): string {
  return mediaType.slice("image/".length).toUpperCase();
}
