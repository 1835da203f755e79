/** Images sent inline in a request body (the compatible APIs), checked like uploads and made ready for a prompt. */
import { AppError, BadRequestError } from "../core/app-error.js";
import type { ChatImage } from "../providers/chat-model.js";
import { checkImage, MAX_IMAGE_BYTES } from "./check-image.js";

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const DATA_URL = /^data:([^;,]*)((?:;[^;,]*)*?);base64,(.*)$/s;

/** `what` names the image in errors, e.g. "The image at `messages.0.content.1`". */
export function imageFromBase64(data: string, what: string, declaredType?: string): ChatImage {
  const compact = data.replace(/\s+/g, "");
  if (!BASE64.test(compact) || compact.length % 4 === 1) {
    throw new BadRequestError(`${what} is not valid base64.`, { code: "invalid_image" });
  }
  // Refused before decoding: the size is known from the length alone.
  const size =
    Math.floor((compact.length * 3) / 4) - (compact.endsWith("==") ? 2 : compact.endsWith("=") ? 1 : 0);
  if (size > MAX_IMAGE_BYTES) {
    throw new AppError(
      "file_too_large",
      `${what} is ${size} bytes; images may be at most ${MAX_IMAGE_BYTES} bytes (5 MB). Scale it down and try again.`,
      { status: 413, details: { maxBytes: MAX_IMAGE_BYTES } },
    );
  }
  const format = checkImage(Buffer.from(compact, "base64"), what, declaredType);
  return { mediaType: format.mediaType, data: compact, width: format.width, height: format.height };
}

/**
 * An image as a `data:` URL. Parley fetches no image from a web address on a caller's behalf (that would be a
 * server-side fetch of any address the caller names), so an http(s) URL is refused with what to send instead.
 */
export function imageFromUrl(url: string, what: string): ChatImage {
  if (/^https?:/i.test(url)) {
    throw new BadRequestError(
      `${what} is a web address; Parley takes images inline only. Send it as a data URL (data:image/png;base64,...).`,
      { code: "unsupported_image_url" },
    );
  }
  const match = DATA_URL.exec(url);
  if (!match) {
    throw new BadRequestError(`${what} is not a base64 data URL like data:image/png;base64,...`, {
      code: "invalid_image",
    });
  }
  return imageFromBase64(match[3] ?? "", what, match[1] || undefined);
}
