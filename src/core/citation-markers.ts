/**
 * Finds the sentence marks a model writes to cite a bot's knowledge (`[S3]`, or `[S3, S7]` for several) in a reply
 * that arrives in pieces: a mark split across two pieces is still found once, when its last piece arrives.
 */

/** Longest text kept back waiting for a mark to close; anything longer was never a mark. */
const MAX_MARK_LENGTH = 64;
const MARK = /\[(S\d{1,6}(?:\s*,\s*S\d{1,6})*)\]/g;
const OPEN_MARK = /\[(?:S\d{0,6}(?:\s*,\s*(?:S\d{0,6})?)*)?$/;

export class CitationMarkerScanner {
  /** Text after the last complete mark that might still become one. */
  #pending = "";

  /** Feeds the next piece of the reply; returns the sentence ids of the marks it completed, in order. */
  push(text: string): string[] {
    const buffer = this.#pending + text;
    const ids: string[] = [];
    let scannedTo = 0;
    for (const match of buffer.matchAll(MARK)) {
      ids.push(...(match[1] as string).split(",").map((id) => id.trim()));
      scannedTo = (match.index ?? 0) + match[0].length;
    }
    const rest = buffer.slice(scannedTo);
    const open = OPEN_MARK.exec(rest);
    this.#pending = open && rest.length - open.index <= MAX_MARK_LENGTH ? rest.slice(open.index) : "";
    return ids;
  }
}
