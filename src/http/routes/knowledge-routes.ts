/**
 * /api/bots/:id/knowledge: a bot's knowledge files: add (JSON text, Markdown or HTML, or an uploaded .txt, .md,
 * .html or .pdf file), list, read, delete.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import type { KnowledgeFile } from "../../bots/knowledge-file.js";
import { type KnowledgeService, MAX_DOCUMENT_CHARACTERS } from "../../bots/knowledge-service.js";
import { AppError, BadRequestError } from "../../core/app-error.js";
import { principalOf } from "../auth/request-principal.js";
import { parseInput } from "../parse-body.js";

/** The upload limit of every multipart route (http/create-app.ts), said again here so the refusal can name it. */
const MAX_FILE_BYTES = 20 * 1024 * 1024;

const title = z.string().trim().min(1, "must not be empty").max(300, "must be at most 300 characters");

const addBody = z
  .object({
    title,
    content: z
      .string()
      .min(1, "must not be empty")
      .max(MAX_DOCUMENT_CHARACTERS, `must be at most ${MAX_DOCUMENT_CHARACTERS} characters`),
    mediaType: z.enum(["text/plain", "text/markdown", "text/html"]).default("text/markdown"),
  })
  .strict();
const botParams = z.object({ id: z.string().min(1).max(200) });
const documentParams = botParams.extend({ documentId: z.string().min(1).max(200) });

export function registerKnowledgeRoutes(app: FastifyInstance, deps: { knowledge: KnowledgeService }): void {
  const { knowledge } = deps;

  app.post("/api/bots/:id/knowledge", async (request, reply) => {
    const principal = principalOf(request);
    const { id } = parseInput(botParams, request.params, "path");
    const { content: _content, ...document } = request.isMultipart()
      ? await knowledge.addFile(principal, id, await uploadedFile(request))
      : await knowledge.add(principal, id, parseInput(addBody, request.body));
    reply.status(201);
    return document;
  });

  app.get("/api/bots/:id/knowledge", async (request) => {
    const principal = principalOf(request);
    const { id } = parseInput(botParams, request.params, "path");
    return { documents: await knowledge.list(principal, id) };
  });

  app.get("/api/bots/:id/knowledge/:documentId", async (request) => {
    const principal = principalOf(request);
    const { id, documentId } = parseInput(documentParams, request.params, "path");
    return knowledge.get(principal, id, documentId);
  });

  app.delete("/api/bots/:id/knowledge/:documentId", async (request, reply) => {
    const principal = principalOf(request);
    const { id, documentId } = parseInput(documentParams, request.params, "path");
    await knowledge.delete(principal, id, documentId);
    reply.status(204).send();
  });
}

/**
 * The one file of a multipart/form-data upload (any field name), and an optional `title` field before or after it.
 * The file is read into memory within the upload limit: knowledge is indexed whole.
 */
async function uploadedFile(request: FastifyRequest): Promise<KnowledgeFile & { title?: string }> {
  let file: KnowledgeFile | undefined;
  let fileTitle: string | undefined;
  for await (const part of request.parts({ limits: { fileSize: MAX_FILE_BYTES } })) {
    if (part.type === "file") {
      if (file) {
        throw new BadRequestError("Send one file per upload; this request has several.", {
          code: "too_many_files",
        });
      }
      file = { fileName: baseName(part.filename), mimeType: part.mimetype, bytes: await readAll(part) };
    } else if (part.fieldname === "title") {
      fileTitle = parseInput(z.object({ title }), { title: part.value }, "form").title;
    } else {
      throw new BadRequestError(
        `Unknown form field ${JSON.stringify(part.fieldname)}: send the file, and optionally a title.`,
        { code: "invalid_request" },
      );
    }
  }
  if (!file) {
    throw new BadRequestError(
      "The upload has no file: send it as a multipart/form-data file part (for example -F file=@guide.pdf).",
      { code: "missing_file" },
    );
  }
  return { ...file, ...(fileTitle !== undefined && { title: fileTitle }) };
}

async function readAll(part: { filename: string; toBuffer(): Promise<Buffer> }): Promise<Buffer> {
  try {
    return await part.toBuffer();
  } catch (error) {
    if ((error as { code?: unknown }).code === "FST_REQ_FILE_TOO_LARGE") {
      throw new AppError(
        "file_too_large",
        `${baseName(part.filename)} is larger than ${MAX_FILE_BYTES / 1024 / 1024} MB, the largest file Parley takes; split it into several files.`,
        { status: 413 },
      );
    }
    throw error;
  }
}

/** Browsers send a bare name, but some clients send a path; only the name is the file's. */
function baseName(fileName: string): string {
  return fileName.split(/[\\/]/).at(-1)?.trim() || "upload";
}
