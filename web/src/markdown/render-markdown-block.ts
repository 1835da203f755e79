/**
 * Turns Markdown blocks of a reply into safe DOM. Model output is untrusted: the parser already shows raw HTML
 * as text; DOMPurify then removes anything that could run or load, should something get through.
 */
import DOMPurify from "dompurify";
import type { Token } from "marked";
import { type CitationMarks, type MarkdownLabels, parseMarkdownTokens } from "./markdown-parser.js";

const purifier = DOMPurify(window);
purifier.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer nofollow");
  }
});

const SANITIZE_CONFIG = {
  USE_PROFILES: { html: true },
  ADD_ATTR: ["target"],
  FORBID_TAGS: [
    "style",
    "img",
    "picture",
    "video",
    "audio",
    "iframe",
    "object",
    "embed",
    "form",
    "math",
    "svg",
  ],
};

/** The block as sanitized DOM nodes, ready to insert: no second HTML parse, as setting innerHTML would do. */
export function renderMarkdownBlock(
  token: Token,
  labels: MarkdownLabels,
  citations: CitationMarks | null = null,
): DocumentFragment {
  return purifier.sanitize(parseMarkdownTokens([token], labels, citations), {
    ...SANITIZE_CONFIG,
    RETURN_DOM_FRAGMENT: true,
  });
}
