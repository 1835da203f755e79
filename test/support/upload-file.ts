/** Uploads a file to a running Parley as a browser's form would: multipart/form-data with one file field. */
import type { ParleyProcess } from "./parley-process.js";

export type UploadedFile = {
  id: string;
  name: string;
  mediaType: string;
  bytes: number;
  width?: number;
  height?: number;
};

export function uploadFile(
  parley: ParleyProcess,
  bytes: Uint8Array,
  options: { name?: string; type?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const form = new FormData();
  form.append(
    "file",
    new Blob([Uint8Array.from(bytes)], { type: options.type ?? "application/octet-stream" }),
    options.name ?? "upload",
  );
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
