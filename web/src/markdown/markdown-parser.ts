/**
 * The Markdown parser for replies: GitHub-flavoured, raw HTML shown as text, images turned into links (loading
 * one could leak the conversation to its server), code blocks with a language header and a copy button, and a
 * bot's citation marks ([S3]) as numbered buttons. No DOM here, so it also runs in tests outside a browser.
 */
import { Marked, type Token, type Tokens, type TokensList } from "marked";
import { highlightCode } from "./code-highlighter.js";
import { escapeHtml } from "./escape-html.js";

export type MarkdownLabels = {
  /** The accessible name and text of a code block's copy button. */
  copyCode: string;
  /** Shown in a code block's header when the block names no language. */
  plainCode: string;
  image: string;
  /** The accessible name of a citation mark, with {number} and {title}. */
  citation: string;
};

/**
 * How a reply's citation marks show: the number and source title of each checked citation, by its mark (`S3`).
 * Null outside a bot's conversation, where `[S3]` is just text.
 */
export type CitationMarks = ReadonlyMap<string, { number: number; title: string }>;

let labels: MarkdownLabels = {
  copyCode: "Copy",
  plainCode: "text",
  image: "Image",
  citation: "Source {number}: {title}",
};
let citationMarks: CitationMarks | null = null;

type CitationMarkToken = Tokens.Generic & { type: "citationMark"; markers: string[] };

const CITATION_MARK = /^\[(S\d{1,6}(?:\s*,\s*S\d{1,6})*)\]/;

const markdown = new Marked({
  gfm: true,
  // Models write single line breaks meaning line breaks.
  breaks: true,
  async: false,
  extensions: [
    {
      name: "citationMark",
      level: "inline",
      // No `start`: inline text already stops before every "[" (a link may begin there), and at that place this
      // tokenizer is tried first. A start function would rescan the rest of the block for each text token.
      tokenizer(source) {
        const match = CITATION_MARK.exec(source);
        if (!match) return undefined;
        const markers = [...new Set((match[1] as string).split(",").map((marker) => marker.trim()))];
        return { type: "citationMark", raw: match[0], markers } satisfies CitationMarkToken;
      },
      renderer(token) {
        if (citationMarks === null) return escapeHtml(token.raw);
        // Only marks the server checked get a number; one that failed the check is left out, not shown raw.
        return (token as CitationMarkToken).markers
          .map((marker) => {
            const mark = citationMarks?.get(marker);
            if (!mark) return "";
            const name = labels.citation
              .replace("{number}", String(mark.number))
              .replace("{title}", mark.title);
            return `<sup class="citation-ref"><button type="button" class="citation-mark" data-citation="${escapeHtml(marker)}" aria-label="${escapeHtml(name)}" title="${escapeHtml(mark.title)}">${mark.number}</button></sup>`;
          })
          .join("");
      },
    },
  ],
  renderer: {
    html({ text }) {
      return escapeHtml(text);
    },
    image({ href, text }) {
      const name = text.trim() || href;
      return `<a href="${escapeHtml(href)}" class="image-link">${escapeHtml(labels.image)}: ${escapeHtml(name)}</a>`;
    },
    code({ text, lang }) {
      const language = (lang ?? "").trim().split(/\s+/)[0] ?? "";
      const safeLanguage = language.replace(/[^\w+#.-]/g, "").slice(0, 40);
      const code = text.replace(/\n$/, "");
      const highlighted = highlightCode(code, safeLanguage);
      return (
        `<div class="code-block"><div class="code-header"><span class="code-language">${escapeHtml(safeLanguage || labels.plainCode)}</span>` +
        `<button type="button" class="code-copy" data-copy-code aria-label="${escapeHtml(labels.copyCode)}">${escapeHtml(labels.copyCode)}</button></div>` +
        `<pre><code class="hljs${safeLanguage ? ` language-${safeLanguage}` : ""}">${highlighted ?? escapeHtml(code)}</code></pre></div>`
      );
    },
  },
});

/** The top-level blocks of a Markdown text. */
export function lexMarkdown(text: string): TokensList {
  return markdown.lexer(text);
}

/** HTML for the blocks, before sanitizing. */
export function parseMarkdownTokens(
  tokens: Token[],
  blockLabels: MarkdownLabels,
  marks: CitationMarks | null = null,
): string {
  labels = blockLabels;
  citationMarks = marks;
  return markdown.parser(tokens);
}
