/**
 * The text of a PDF (unpdf, PDF.js built for servers), as readable paragraphs: a PDF stores positioned runs of text,
 * not sentences, so lines are joined back into paragraphs (a hyphen at a line end rejoins its word) and a larger
 * vertical gap starts a new paragraph. Sentences then split as they were written, not at every line end.
 */
import { getDocumentProxy } from "unpdf";
import { AppError, BadRequestError } from "../core/app-error.js";

/** The little of PDF.js's text items this reads: the string, its transform (position and size), and line ends. */
type TextItem = { str: string; transform: number[]; hasEOL: boolean };

type Line = { text: string; y: number; size: number };

/** A gap this many times the font size between two lines is a paragraph break, not line spacing (about 1.2). */
const PARAGRAPH_GAP = 1.6;

/** CJK text wraps without spaces, so its lines join without one. */
const CJK =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3000-\u303f\uff00-\uffef]/u;

/**
 * The text of every page, pages and paragraphs separated by blank lines. Stops with a 413 once the text is longer
 * than `maxCharacters`, so a huge PDF is refused before all of it is read.
 */
export async function pdfText(bytes: Uint8Array, fileName: string, maxCharacters: number): Promise<string> {
  let document: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    // verbosity 0: PDF.js would otherwise print warnings about damaged files to the server's output.
    document = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0 });
  } catch (error) {
    throw unreadable(error, fileName);
  }
  try {
    const pages: string[] = [];
    let length = 0;
    for (let number = 1; number <= document.numPages; number++) {
      const page = await document.getPage(number);
      const content = await page.getTextContent();
      page.cleanup();
      const text = paragraphsOf(linesOf(content.items as TextItem[]));
      if (text === "") continue;
      pages.push(text);
      length += text.length + 2;
      if (length > maxCharacters) {
        throw new AppError(
          "document_too_long",
          `The text of ${fileName} is longer than ${maxCharacters} characters; split it into several files.`,
          { status: 413 },
        );
      }
    }
    if (pages.length === 0) {
      throw new BadRequestError(
        `${fileName} has no text to learn from: its pages hold no text layer (a scanned or image-only PDF). Upload a PDF with selectable text, or the text itself.`,
        { code: "empty_document" },
      );
    }
    return pages.join("\n\n");
  } catch (error) {
    if (AppError.is(error)) throw error;
    throw unreadable(error, fileName);
  } finally {
    await document.destroy();
  }
}

function unreadable(error: unknown, fileName: string): AppError {
  const name = error instanceof Error ? error.name : "";
  if (name === "PasswordException") {
    return new BadRequestError(`${fileName} is encrypted with a password; upload a PDF without one.`, {
      code: "encrypted_pdf",
    });
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new BadRequestError(`${fileName} is not a readable PDF (${reason}).`, { code: "invalid_pdf" });
}

/** Text runs into lines: a run that ends a line says so (`hasEOL`); a run lower on the page starts a new one. */
function linesOf(items: readonly TextItem[]): Line[] {
  const lines: Line[] = [];
  let current: Line | undefined;
  for (const item of items) {
    const [, , c = 0, d = 0, , y = 0] = item.transform;
    const size = Math.hypot(c, d);
    if (current && item.str !== "" && Math.abs(current.y - y) > Math.max(current.size, size) / 2) {
      lines.push(current);
      current = undefined;
    }
    if (item.str !== "") {
      current = current ? { ...current, text: current.text + item.str } : { text: item.str, y, size };
    }
    if (item.hasEOL && current) {
      lines.push(current);
      current = undefined;
    }
  }
  if (current) lines.push(current);
  return lines
    .map((line) => ({ ...line, text: line.text.replace(/\s+/g, " ").trim() }))
    .filter((line) => line.text !== "");
}

function paragraphsOf(lines: readonly Line[]): string {
  const paragraphs: string[] = [];
  let paragraph = "";
  let previous: Line | undefined;
  for (const line of lines) {
    const gap = previous ? previous.y - line.y : 0;
    if (previous && (gap > PARAGRAPH_GAP * Math.max(previous.size, line.size) || gap < 0)) {
      paragraphs.push(paragraph);
      paragraph = "";
    }
    paragraph = paragraph === "" ? line.text : joinLines(paragraph, line.text);
    previous = line;
  }
  if (paragraph !== "") paragraphs.push(paragraph);
  return paragraphs.join("\n\n");
}

/** "exam-" + "ple" is "example"; CJK lines join directly; anything else with a space. */
function joinLines(before: string, after: string): string {
  if (/\p{Ll}-$/u.test(before) && /^\p{Ll}/u.test(after)) return before.slice(0, -1) + after;
  if (CJK.test(before.at(-1) ?? "") && CJK.test(after[0] ?? "")) return before + after;
  return `${before} ${after}`;
}
