/** /api/files: upload an image (multipart/form-data, one file) to attach to messages, and read it back. */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { AppError, BadRequestError } from "../../core/app-error.js";
import { ALLOWED_IMAGE_TYPES_TEXT, MAX_IMAGE_BYTES } from "../../files/check-image.js";
import { type FileService, toAttachment } from "../../files/file-service.js";
import { principalOf } from "../auth/request-principal.js";
import { parseInput } from "../parse-body.js";

const fileParams = z.object({ id: z.string().min(1).max(200) });

/** A file's bytes never change under its id, so a browser may keep them; only for this user, never a shared cache. */
const CACHE_CONTROL = "private, max-age=31536000, immutable";

export function registerFileRoutes(app: FastifyInstance, deps: { files: FileService }): void {
  const { files } = deps;

  app.post("/api/files", async (request, reply) => {
    const { userId } = principalOf(request);
    const upload = await readUpload(request);
    const file = await files.upload(userId, upload);
    reply.status(201);
    return toAttachment(file);
  });

  app.get("/api/files/:id", async (request, reply) => {
    const { userId } = principalOf(request);
    const { id } = parseInput(fileParams, request.params, "path");
    const { file, bytes } = await files.read(userId, id);
    reply
      .header("content-type", file.mediaType)
      .header("cache-control", CACHE_CONTROL)
      // The type was judged from the bytes; a browser must not guess another (say, HTML) from them.
      .header("x-content-type-options", "nosniff")
      .header("content-security-policy", "default-src 'none'; sandbox")
      .header("content-disposition", `inline; filename*=UTF-8''${encodeURIComponent(file.name)}`);
    return reply.send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });
}

/**
 * The one file of the form, read whole (images are small), with multipart's failures said in Parley's words.
 * The form is read to its end (`files()` rather than `file()`), so a second file is refused, not silently dropped.
 */
async function readUpload(request: FastifyRequest) {
  let upload: { name: string; declaredType: string; bytes: Buffer } | undefined;
  try {
    for await (const part of request.files({ limits: { fileSize: MAX_IMAGE_BYTES } })) {
      if (upload) throw new BadRequestError("Send one file per upload.", { code: "too_many_files" });
      upload = { name: part.filename, declaredType: part.mimetype, bytes: await part.toBuffer() };
    }
  } catch (error) {
    throw uploadError(error);
  }
  if (!upload) {
    throw new BadRequestError(
      "The form holds no file. Send the image as a file field of a multipart/form-data body.",
      { code: "missing_file" },
    );
  }
  return upload;
}

function uploadError(error: unknown): unknown {
  if (error instanceof AppError) return error;
  const code = (error as { code?: unknown }).code;
  if (code === "FST_INVALID_MULTIPART_CONTENT_TYPE") {
    return new AppError(
      "unsupported_media_type",
      `Send the image as multipart/form-data with one file field (${ALLOWED_IMAGE_TYPES_TEXT}).`,
      { status: 415 },
    );
  }
  if (code === "FST_REQ_FILE_TOO_LARGE") {
    return new AppError(
      "file_too_large",
      `The file is larger than ${MAX_IMAGE_BYTES} bytes (5 MB), the most an image may be. Scale it down and try again.`,
      { status: 413, details: { maxBytes: MAX_IMAGE_BYTES } },
    );
  }
  // Busboy's own complaints (a cut or malformed body) carry no status: the body is at fault, not Parley.
  const status = (error as { statusCode?: unknown }).statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) return error;
  if (error instanceof Error) {
    return new BadRequestError(`The multipart body could not be read: ${error.message}.`, {
      code: "invalid_multipart",
      cause: error,
    });
  }
  return error;
}
