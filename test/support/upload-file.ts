/** Uploads files to a running Parley as a browser's form would: multipart/form-data. */
import type { Attachment } from "../../src/core/message.js";
import type { ParleyProcess } from "./parley-process.js";

/** What Parley answers for an uploaded file: what it stored, as messages list it. */
export type UploadedFile = Attachment;

/** One part of a form: a file in the `file` field (bytes, or text sent as UTF-8), or a plain field. */
export type FormPart =
  | { file: Uint8Array | string; name: string; type?: string }
  | { field: string; value: string };

export function uploadFile(
  parley: ParleyProcess,
  bytes: Uint8Array,
  options: { name?: string; type?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const form = formOf([
    { file: bytes, name: options.name ?? "upload", type: options.type ?? "application/octet-stream" },
  ]);
  return parley.api("/api/files", { method: "POST", body: form, headers: options.headers ?? {} });
}

/** Uploads an image that must be accepted, and returns what Parley says it stored. */
export async function uploadImage(
  parley: ParleyProcess,
  bytes: Uint8Array,
  options: { name?: string; type?: string; headers?: Record<string, string> } = {},
): Promise<UploadedFile> {
  const response = await uploadFile(parley, bytes, options);
  if (response.status !== 201)
    throw new Error(`upload refused (${response.status}): ${await response.text()}`);
  return (await response.json()) as UploadedFile;
}

/** Uploads a knowledge file to a bot: the form's parts, in order, as given. */
export function uploadKnowledge(parley: ParleyProcess, botId: string, parts: FormPart[]): Promise<Response> {
  return parley.api(`/api/bots/${botId}/knowledge`, { method: "POST", body: formOf(parts) });
}

function formOf(parts: FormPart[]): FormData {
  const form = new FormData();
  for (const part of parts) {
    if ("field" in part) form.append(part.field, part.value);
    else {
      const bytes = typeof part.file === "string" ? new TextEncoder().encode(part.file) : part.file;
      form.append("file", new Blob([Uint8Array.from(bytes)], { type: part.type ?? "" }), part.name);
    }
  }
  return form;
}
