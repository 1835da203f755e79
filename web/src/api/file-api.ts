/**
 * Image attachments: uploading one (POST /api/files) with its progress, and the address its bytes are read from.
 * The upload goes through XMLHttpRequest because fetch cannot report how much of a request body has been sent.
 */
import type { Attachment } from "../../../src/core/message.js";
import { ApiError } from "./api-error.js";

export type { Attachment };

/** The image types the server reads (it judges by the bytes; this only narrows the file picker). */
export const IMAGE_ACCEPT = "image/png,image/jpeg,image/gif,image/webp";

/** The bytes of an uploaded file, for an <img>: the session cookie goes with it, and only its owner may read it. */
export function fileUrl(id: string): string {
  return `/api/files/${encodeURIComponent(id)}`;
}

export type UploadOptions = {
  /** The share of the file sent so far, 0 to 1. */
  onProgress?: (sent: number) => void;
  signal?: AbortSignal;
};

/**
 * Uploads one image as multipart/form-data (field `file`). Rejects with the server's ApiError when it refuses the
 * file, with a TypeError when the network fails (as fetch does), and with an AbortError when `signal` aborts.
 */
export function uploadImage(file: File, options: UploadOptions = {}): Promise<Attachment> {
  const { onProgress, signal } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new DOMException("The upload was cancelled.", "AbortError"));
      return;
    }
    const request = new XMLHttpRequest();
    request.open("POST", "/api/files");
    request.setRequestHeader("accept", "application/json");
    request.responseType = "text";
    const abort = () => request.abort();
    signal?.addEventListener("abort", abort, { once: true });
    const settle = () => signal?.removeEventListener("abort", abort);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress?.(event.loaded / event.total);
    };
    request.onload = () => {
      settle();
      if (request.status === 0) {
        reject(new TypeError("The upload could not reach the server."));
        return;
      }
      // Read through a Response, so a refusal is parsed (and a lost session signalled) as for every other call.
      const response = new Response(request.status === 204 ? null : request.responseText, {
        status: request.status,
        statusText: request.statusText,
        headers: { "content-type": request.getResponseHeader("content-type") ?? "" },
      });
      if (response.ok) {
        response.json().then((body) => resolve(body as Attachment), reject);
      } else {
        ApiError.fromResponse(response).then(reject, reject);
      }
    };
    request.onerror = () => {
      settle();
      reject(new TypeError("The upload could not reach the server."));
    };
    request.onabort = () => {
      settle();
      reject(new DOMException("The upload was cancelled.", "AbortError"));
    };
    const form = new FormData();
    form.append("file", file, file.name);
    request.send(form);
  });
}
