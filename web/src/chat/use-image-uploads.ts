/**
 * The images a message being written carries: each file goes up the moment it is picked, dropped or pasted, and
 * is then pending (with its progress), ready (uploaded, with its id) or refused (with the server's reason).
 */
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ApiError } from "../api/api-error.js";
import { errorMessage } from "../api/error-message.js";
import { type Attachment, uploadImage } from "../api/file-api.js";
import type { Translate } from "../i18n/translate.js";

/** The most images one message may carry (the server's limit too). */
export const MAX_IMAGES_PER_MESSAGE = 10;

export type ImageUpload =
  /** `preview` is a local object URL of the file, shown until the server's copy is there. */
  | { key: string; name: string; state: "uploading"; progress: number; preview: string }
  | { key: string; name: string; state: "ready"; file: Attachment }
  | { key: string; name: string; state: "refused"; message: string };

export type ImageUploads = {
  /** Pending and ready images, in the order they were added; refused ones are in `refusals`. */
  images: readonly ImageUpload[];
  refusals: readonly Extract<ImageUpload, { state: "refused" }>[];
  /** The uploaded images, ready to attach. */
  ready: readonly Attachment[];
  pending: boolean;
  add: (files: readonly File[]) => void;
  /** Cancels a pending upload, or takes a ready image off (or a refusal off the screen). */
  remove: (key: string) => void;
  /** Empties the list (cancelling uploads), or sets it to images already uploaded. */
  reset: (files?: readonly Attachment[]) => void;
};

let uploadCounter = 0;

export function useImageUploads(t: Translate): ImageUploads {
  const [uploads, setUploads] = useState<readonly ImageUpload[]>([]);
  const inFlight = useRef(new Map<string, AbortController>());
  // Object URLs hold the file in memory until revoked: each is let go once its upload ends or is dropped.
  const previews = useRef(new Map<string, string>());
  const forgetPreview = useCallback((key: string) => {
    const preview = previews.current.get(key);
    if (preview === undefined) return;
    URL.revokeObjectURL(preview);
    previews.current.delete(key);
  }, []);
  // The count that decides whether one more fits, before React has rendered the files just added.
  const counted = useRef(uploads);
  counted.current = uploads;
  const translate = useRef(t);
  translate.current = t;

  // Leaving the page cancels what is still on its way.
  useEffect(() => {
    const controllers = inFlight.current;
    const urls = previews.current;
    return () => {
      for (const controller of controllers.values()) controller.abort();
      controllers.clear();
      for (const url of urls.values()) URL.revokeObjectURL(url);
      urls.clear();
    };
  }, []);

  const update = useCallback((key: string, next: ImageUpload | null) => {
    setUploads((current) => {
      const updated = current.flatMap((upload) => (upload.key !== key ? [upload] : next ? [next] : []));
      counted.current = updated;
      return updated;
    });
  }, []);

  const add = useCallback(
    (files: readonly File[]) => {
      const added: ImageUpload[] = [];
      let room =
        MAX_IMAGES_PER_MESSAGE - counted.current.filter((upload) => upload.state !== "refused").length;
      for (const file of files) {
        const key = `upload-${++uploadCounter}`;
        if (room <= 0) {
          const message = translate.current("attachments.tooMany", { max: MAX_IMAGES_PER_MESSAGE });
          added.push({ key, name: file.name, state: "refused", message });
          continue;
        }
        room--;
        const preview = URL.createObjectURL(file);
        previews.current.set(key, preview);
        added.push({ key, name: file.name, state: "uploading", progress: 0, preview });
        const controller = new AbortController();
        inFlight.current.set(key, controller);
        uploadImage(file, {
          signal: controller.signal,
          onProgress: (progress) =>
            update(key, { key, name: file.name, state: "uploading", progress, preview }),
        }).then(
          (uploaded) => {
            inFlight.current.delete(key);
            forgetPreview(key);
            update(key, { key, name: file.name, state: "ready", file: uploaded });
          },
          (error: unknown) => {
            inFlight.current.delete(key);
            forgetPreview(key);
            if (controller.signal.aborted) return;
            update(key, {
              key,
              name: file.name,
              state: "refused",
              message: refusal(translate.current, error),
            });
          },
        );
      }
      counted.current = [...counted.current, ...added];
      setUploads((current) => [...current, ...added]);
    },
    [update, forgetPreview],
  );

  const remove = useCallback(
    (key: string) => {
      inFlight.current.get(key)?.abort();
      inFlight.current.delete(key);
      forgetPreview(key);
      update(key, null);
    },
    [update, forgetPreview],
  );

  const reset = useCallback((files: readonly Attachment[] = []) => {
    for (const controller of inFlight.current.values()) controller.abort();
    inFlight.current.clear();
    for (const url of previews.current.values()) URL.revokeObjectURL(url);
    previews.current.clear();
    const next = files.map(
      (file): ImageUpload => ({ key: `upload-${++uploadCounter}`, name: file.name, state: "ready", file }),
    );
    counted.current = next;
    setUploads(next);
  }, []);

  return useMemo(() => {
    const images = uploads.filter((upload) => upload.state !== "refused");
    return {
      images,
      refusals: uploads.flatMap((upload) => (upload.state === "refused" ? [upload] : [])),
      ready: images.flatMap((upload) => (upload.state === "ready" ? [upload.file] : [])),
      pending: images.some((upload) => upload.state === "uploading"),
      add,
      remove,
      reset,
    };
  }, [uploads, add, remove, reset]);
}

/** The server's own words for a refused file (its type, its size); the network's failure in ours. */
function refusal(t: Translate, error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof TypeError) return t("attachments.offline");
  return errorMessage(error);
}
