/**
 * Splits a Markdown article into sections of at most a given length, for work done one section at a time: at
 * headings first (a heading stays with the text under it), then between paragraphs, and never inside a fenced
 * code block. Only a single paragraph longer than the limit is cut within: at line ends, then sentence ends, then
 * word ends. A code block longer than the limit stays whole, as a section of its own, marked `code`.
 */
import { splitSentences } from "../core/sentence-split.js";

export type MarkdownSection = {
  text: string;
  /** The section is one fenced code block that does not fit the limit; it was not cut. */
  code: boolean;
};

type Block = { text: string; kind: "heading" | "code" | "text" };

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const ATX_HEADING = /^ {0,3}#{1,6}(\s|$)/;
const SETEXT_UNDERLINE = /^ {0,3}(=+|-+)\s*$/;
const BLOCK_SEPARATOR = "\n\n";

export function splitMarkdownSections(markdown: string, maxCharacters: number): MarkdownSection[] {
  const limit = Math.max(1, Math.floor(maxCharacters));
  const sections: MarkdownSection[] = [];
  let current: Block[] = [];
  const lengthOf = (blocks: readonly Block[]) =>
    blocks.reduce((sum, block) => sum + block.text.length, 0) + BLOCK_SEPARATOR.length * (blocks.length - 1);
  const push = (blocks: readonly Block[]) => {
    if (blocks.length > 0)
      sections.push({ text: blocks.map((block) => block.text).join(BLOCK_SEPARATOR), code: false });
  };
  const flush = () => {
    // Headings at the end of a section belong with the text that follows them, in the next.
    const carried: Block[] = [];
    while (current.at(-1)?.kind === "heading") carried.unshift(current.pop() as Block);
    push(current);
    current = carried;
  };
  const add = (block: Block) => {
    if (lengthOf([...current, block]) <= limit) {
      current.push(block);
      return;
    }
    flush();
    if (lengthOf([...current, block]) <= limit) {
      current.push(block);
      return;
    }
    // Too long even under just its headings: a paragraph is cut, its first piece kept with them if there is room;
    // a code block goes whole, on its own, after its headings.
    const room = limit - lengthOf(current) - BLOCK_SEPARATOR.length;
    if (block.kind === "code" || room < limit / 2) {
      push(current);
      current = [];
    }
    if (block.kind === "code") sections.push({ text: block.text, code: true });
    else
      for (const piece of splitText(block.text, current.length > 0 ? room : limit, limit))
        add({ text: piece, kind: "text" });
  };

  for (const unit of headingUnits(markdownBlocks(markdown))) {
    if (lengthOf([...current, ...unit]) <= limit) {
      current.push(...unit);
      continue;
    }
    flush();
    if (lengthOf([...current, ...unit]) <= limit) current.push(...unit);
    else for (const block of unit) add(block);
  }
  push(current);
  return sections;
}

/** Headings, fenced code blocks and the paragraphs between blank lines, each without surrounding blank lines. */
export function markdownBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  const endParagraph = () => {
    if (paragraph.length === 0) return;
    const isSetextHeading = paragraph.length === 2 && SETEXT_UNDERLINE.test(paragraph[1] as string);
    blocks.push({ text: paragraph.join("\n"), kind: isSetextHeading ? "heading" : "text" });
    paragraph = [];
  };
  const lines = markdown.replace(/\r\n?/g, "\n").split("\n");
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as string;
    const fence = FENCE.exec(line);
    if (fence) {
      endParagraph();
      const marker = fence[1] as string;
      const code = [line];
      // An unclosed fence runs to the end of the document, as CommonMark reads it.
      while (++index < lines.length) {
        const inner = lines[index] as string;
        code.push(inner);
        const close = FENCE.exec(inner);
        if (
          close &&
          close[1]?.[0] === marker[0] &&
          (close[1]?.length ?? 0) >= marker.length &&
          /^\s*[`~]+\s*$/.test(inner)
        )
          break;
      }
      blocks.push({ text: code.join("\n"), kind: "code" });
    } else if (ATX_HEADING.test(line)) {
      endParagraph();
      blocks.push({ text: line.trimEnd(), kind: "heading" });
    } else if (line.trim() === "") {
      endParagraph();
    } else {
      paragraph.push(line);
    }
  }
  endParagraph();
  return blocks;
}

/** Each heading with the blocks under it, up to the next heading; text before the first heading is a unit too. */
function headingUnits(blocks: readonly Block[]): Block[][] {
  const units: Block[][] = [];
  for (const block of blocks) {
    if (block.kind === "heading" || units.length === 0) units.push([block]);
    else units.at(-1)?.push(block);
  }
  return units;
}

/**
 * A paragraph in pieces of at most `limit` characters (`firstLimit` for the first), cut at the latest line end, else
 * sentence end, else word end.
 */
function splitText(text: string, firstLimit: number, limit: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  for (let max = Math.max(1, firstLimit); rest.length > max; max = Math.max(1, limit)) {
    const cut = latestCut(rest, max);
    pieces.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest !== "") pieces.push(rest);
  return pieces.filter((piece) => piece !== "");
}

function latestCut(text: string, max: number): number {
  const lineEnds = [...text.matchAll(/\n/g)].map((match) => match.index + 1);
  const sentenceEnds = splitSentences(text).map((span) => span.end);
  const wordEnds = [...text.matchAll(/\s+/g)].map((match) => match.index + match[0].length);
  for (const ends of [lineEnds, sentenceEnds, wordEnds]) {
    const best = ends.filter((end) => end > 0 && end <= max && text.slice(0, end).trim() !== "").at(-1);
    if (best !== undefined) return best;
  }
  // One word longer than the limit (a long URL): cut it, but never between the halves of a surrogate pair.
  const code = text.charCodeAt(max - 1);
  return code >= 0xd800 && code <= 0xdbff && max > 1 ? max - 1 : max;
}
