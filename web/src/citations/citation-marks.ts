/**
 * The marks a bot's reply cites its knowledge with ([S3], or [S3, S7] for several; src/core/citation-markers.ts),
 * and the numbers they show as: 1, 2, 3 ... in the order the reply first cites each checked source. The server
 * sends a `citation` event for each mark that checked out, in that order, and keeps the same list with the stored
 * reply; a mark without one is never shown.
 */
import type { Citation } from "../../../src/core/citation-check.js";
import type { CitationMarks } from "../markdown/markdown-parser.js";

/** The start of a mark at the very end of a streaming text: its rest is on its way. */
const OPEN_MARK_AT_END = /\[(?:S\d{0,6}(?:\s*,\s*(?:S\d{0,6})?)*)?$/;

/** Each checked citation's number and source title, by the mark the reply wrote for it. */
export function citationMarksOf(citations: readonly Citation[]): CitationMarks {
  const marks = new Map<string, { number: number; title: string }>();
  for (const citation of citations) {
    if (citation.marker === undefined || marks.has(citation.marker)) continue;
    marks.set(citation.marker, { number: marks.size + 1, title: citation.title });
  }
  return marks;
}

/** Marks sit right after what they cite, as footnote numbers do: the space a model writes before one goes. */
export function attachMarks(text: string): string {
  return text.replace(/[ \t]+(?=\[S\d)/g, "");
}

/** A streaming reply without the half-written mark at its end, so "[S" never flashes up before it becomes a number. */
export function withoutOpenMark(text: string): string {
  const open = OPEN_MARK_AT_END.exec(text);
  return open ? text.slice(0, open.index) : text;
}
