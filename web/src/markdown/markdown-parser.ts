/**
 * The Markdown parser for replies: GitHub-flavoured, raw HTML shown as text, images turned into links (loading
 * one could leak the conversation to its server), code blocks with a language header and a copy button.
 * No DOM here, so it also runs in tests outside a browser.
 */
import { Marked, type Token, type TokensList } from "marked";
import { highlightCode } from "./code-highlighter.js";
import { escapeHtml } from "./escape-html.js";

export type MarkdownLabels = {
  /** The accessible name and text of a code block's copy button. */
  copyCode: string;
  /** Shown in a code block's header when the block names no language. */
  plainCode: string;
  image: string;
};

let labels: MarkdownLabels = { copyCode: "Copy", plainCode: "text", image: "Image" };

const markdown = new Marked({
  gfm: true,
  // Models write single line breaks meaning line breaks.
  breaks: true,
  async: false,
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
export function parseMarkdownTokens(tokens: Token[], blockLabels: MarkdownLabels): string {
  labels = blockLabels;
  return markdown.parser(tokens);
}
