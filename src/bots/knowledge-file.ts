/**
 * An uploaded knowledge file as text a bot can learn from: its type told from its bytes first (a PDF by its
 * header, known binary formats by their signatures) and then its name, so a renamed file is read as what it is.
 */
import { AppError, BadRequestError } from "../core/app-error.js";
import type { KnowledgeSourceMediaType } from "../core/knowledge.js";
import { pdfText } from "./pdf-text.js";

export type KnowledgeFile = {
  /** As the client named it; only its extension is read. */
  fileName: string;
  /** As the client declared it; a hint for a file without an extension. */
  mimeType: string;
  bytes: Uint8Array;
};

const TEXT_EXTENSIONS: Record<string, KnowledgeSourceMediaType> = {
  txt: "text/plain",
  text: "text/plain",
  md: "text/markdown",
  markdown: "text/markdown",
  html: "text/html",
  htm: "text/html",
};

const TEXT_MIME_TYPES: Record<string, KnowledgeSourceMediaType> = {
  "text/plain": "text/plain",
  "text/markdown": "text/markdown",
  "text/x-markdown": "text/markdown",
  "text/html": "text/html",
};

/** Formats people try to upload that are not text; named so the refusal can say what the file is. */
const BINARY_SIGNATURES: { name: string; bytes: number[] }[] = [
  { name: "a PNG image", bytes: [0x89, 0x50, 0x4e, 0x47] },
  { name: "a JPEG image", bytes: [0xff, 0xd8, 0xff] },
  { name: "a GIF image", bytes: [0x47, 0x49, 0x46, 0x38] },
  { name: "a WebP or other RIFF file", bytes: [0x52, 0x49, 0x46, 0x46] },
  { name: "a ZIP archive (or a Word, Excel or EPUB file)", bytes: [0x50, 0x4b, 0x03, 0x04] },
  { name: "a gzip archive", bytes: [0x1f, 0x8b] },
  { name: "an old Office document", bytes: [0xd0, 0xcf, 0x11, 0xe0] },
];

const SUPPORTED = "Upload a .txt, .md, .html or .pdf file";

/** A PDF may have a few bytes before its header; readers look for it in the first kilobyte. */
const PDF_HEADER_WINDOW = 1024;

/** The file's text and the media type it is stored from; refuses what Parley cannot read, saying why. */
export async function readKnowledgeFile(
  file: KnowledgeFile,
  maxCharacters: number,
): Promise<{ content: string; mediaType: KnowledgeSourceMediaType }> {
  const { fileName, bytes } = file;
  const extension = /\.([^./\\]+)$/.exec(fileName)?.[1]?.toLowerCase();
  if (bytes.length === 0) {
    throw new BadRequestError(`${fileName} is empty; there is nothing to learn from.`, {
      code: "empty_document",
    });
  }
  const textExtension = extension !== undefined && extension in TEXT_EXTENSIONS;
  if (isPdf(bytes, !textExtension))
    return { content: await pdfText(bytes, fileName, maxCharacters), mediaType: "text/plain" };
  if (extension === "pdf" || file.mimeType === "application/pdf") {
    throw new BadRequestError(
      `${fileName} is not a PDF: it does not begin with the %PDF- header. Upload the PDF itself, or rename the file to what it is.`,
      { code: "invalid_pdf" },
    );
  }
  const binary = BINARY_SIGNATURES.find((signature) =>
    signature.bytes.every((byte, at) => bytes[at] === byte),
  );
  if (binary) throw unsupported(`${fileName} is ${binary.name}, not text. ${SUPPORTED}.`);
  if (extension !== undefined && !(extension in TEXT_EXTENSIONS)) {
    throw unsupported(`Parley cannot read .${extension} files. ${SUPPORTED}.`);
  }
  const text = decodeText(bytes);
  if (text === undefined) {
    throw unsupported(`${fileName} is not UTF-8 or UTF-16 text. ${SUPPORTED}, saved as UTF-8.`);
  }
  if (text.length > maxCharacters) {
    throw new AppError(
      "document_too_long",
      `${fileName} is longer than ${maxCharacters} characters; split it into several files.`,
      { status: 413 },
    );
  }
  const mediaType =
    (extension === undefined ? undefined : TEXT_EXTENSIONS[extension]) ??
    TEXT_MIME_TYPES[file.mimeType.split(";")[0]?.trim().toLowerCase() ?? ""] ??
    (/^\s*<(!doctype html|html[\s>])/i.test(text) ? "text/html" : "text/markdown");
  return { content: text, mediaType };
}

/** A text file may mention "%PDF-" in its first lines: in a file named as text, only a header at the start counts. */
function isPdf(bytes: Uint8Array, anywhereInWindow: boolean): boolean {
  const head = Buffer.from(bytes.subarray(0, anywhereInWindow ? PDF_HEADER_WINDOW : 5));
  return head.includes("%PDF-", 0, "latin1");
}

/** UTF-8, or UTF-16 when a byte order mark says so; undefined for bytes that are not text (NUL, invalid UTF-8). */
function decodeText(bytes: Uint8Array): string | undefined {
  const encoding =
    bytes[0] === 0xff && bytes[1] === 0xfe
      ? "utf-16le"
      : bytes[0] === 0xfe && bytes[1] === 0xff
        ? "utf-16be"
        : "utf-8";
  let text: string;
  try {
    // The decoder drops a byte order mark itself.
    text = new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  return text.includes("\u0000") ? undefined : text;
}

function unsupported(message: string): AppError {
  return new AppError("unsupported_file_type", message, { status: 415 });
}
