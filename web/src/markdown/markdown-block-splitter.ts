/**
 * Splits a reply that is still streaming into Markdown blocks without re-reading all of it on every token:
 * blocks followed by at least two more are settled and kept, and only the text after them is lexed again.
 */
import type { Token } from "marked";
import { lexMarkdown } from "./markdown-parser.js";

/** The last blocks stay open: more text can still change them (a list that goes on, a table that grows). */
const OPEN_BLOCKS = 2;

export class MarkdownBlockSplitter {
  #settledText = "";
  #settled: Token[] = [];

  split(text: string): Token[] {
    if (!text.startsWith(this.#settledText)) {
      this.#settledText = "";
      this.#settled = [];
    }
    const tail = text.slice(this.#settledText.length);
    const tokens = [...lexMarkdown(tail)];
    let open = 0;
    let firstOpen = tokens.length;
    while (firstOpen > 0 && open < OPEN_BLOCKS) {
      firstOpen--;
      if (tokens[firstOpen]?.type !== "space") open++;
    }
    const settling = tokens.slice(0, firstOpen);
    const settlingText = settling.map((token) => token.raw).join("");
    // Only when the blocks' raw text is exactly the source can the rest be lexed on its own.
    if (settling.length > 0 && tail.startsWith(settlingText)) {
      this.#settledText += settlingText;
      this.#settled = [...this.#settled, ...settling];
      return [...this.#settled, ...tokens.slice(firstOpen)];
    }
    return [...this.#settled, ...tokens];
  }
}
