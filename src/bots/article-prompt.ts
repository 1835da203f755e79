/**
 * For bots with the `fetch_url` tool: a user message that is a link (with at most a short note beside it) is
 * answered with the linked article in hand. Parley fetches it and gives the model its Markdown, or the reason
 * it could not, instead of a bare URL the model cannot open.
 */
import { AppError } from "../core/app-error.js";
import type { FetchedArticle } from "./fetch-url.js";

/** About 15,000 tokens of English: room for the reply in a 32k window. Longer articles are cut, and the model is told. */
export const MAX_ARTICLE_CHARACTERS = 60_000;

/** A note beside the link ("into Japanese, please") is fine; a long text with links in it is itself the text to work on. */
const MAX_NOTE_CHARACTERS = 300;

/** Up to whitespace, quotes or CJK punctuation (，。）...), which end a link pasted into Chinese or Japanese text. */
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`\u3000-\u303f\uff00-\uffef]+/gi;

export type ArticleRequest = { url: string; note: string };

/** An article block `articlePrompt` wrote into a message: `head + body + close + after` is the whole message. */
export type ArticleBlock = { head: string; body: string; close: string; after: string };

const ARTICLE_OPEN = /<article url="[^"\n]*" title="[^"\n]*">\n/;
const ARTICLE_CLOSE = "\n</article>";

/** The link a message asks about, when it is a link and at most a short note; undefined otherwise. */
export function articleRequestIn(content: string): ArticleRequest | undefined {
  const found = [...new Set((content.match(URL_PATTERN) ?? []).map(trimTrailingPunctuation))];
  if (found.length !== 1) return undefined;
  const url = found[0] as string;
  const note = content.replace(URL_PATTERN, " ").replace(/\s+/g, " ").trim();
  return note.length <= MAX_NOTE_CHARACTERS ? { url, note } : undefined;
}

/** The article in a message as `articlePrompt` wrote it; undefined for a message without one. */
export function articleBlockIn(content: string): ArticleBlock | undefined {
  const open = ARTICLE_OPEN.exec(content);
  if (!open) return undefined;
  const start = open.index + open[0].length;
  const close = content.lastIndexOf(ARTICLE_CLOSE);
  if (close < start) return undefined;
  return {
    head: content.slice(0, start),
    body: content.slice(start, close),
    close: ARTICLE_CLOSE,
    after: content.slice(close + ARTICLE_CLOSE.length),
  };
}

/**
 * The message as the model should see it: with the article fetched, or with the reason it could not be. An article
 * longer than `maxCharacters` is cut at a paragraph, and the model is told.
 */
export async function articlePrompt(
  content: string,
  fetchArticle: (url: string) => Promise<FetchedArticle>,
  maxCharacters = MAX_ARTICLE_CHARACTERS,
): Promise<string> {
  const request = articleRequestIn(content);
  if (!request) return content;
  let article: FetchedArticle;
  try {
    article = await fetchArticle(request.url);
  } catch (error) {
    if (!AppError.is(error)) throw error;
    return `${content}\n\n(Parley tried to fetch ${request.url} and could not: ${error.message})`;
  }
  const { text, cut } = cutAtParagraph(article.markdown, maxCharacters);
  return [
    ...(request.note === "" ? [] : [request.note, ""]),
    `<article url="${attribute(article.finalUrl)}" title="${attribute(article.title)}">`,
    text,
    "</article>",
    ...(cut
      ? [
          "",
          `(Parley cut this article after ${text.length} of its ${article.markdown.length} characters; the rest is not included.)`,
        ]
      : []),
  ].join("\n");
}

/** A URL's closing punctuation is usually the sentence's, unless it closes a bracket the URL opened. */
function trimTrailingPunctuation(url: string): string {
  let trimmed = url.replace(/[.,;:!?]+$/, "");
  while (/[)\]}]$/.test(trimmed)) {
    const close = trimmed.at(-1) as string;
    const open = { ")": "(", "]": "[", "}": "{" }[close] as string;
    if (trimmed.split(open).length >= trimmed.split(close).length) break;
    trimmed = trimmed.slice(0, -1).replace(/[.,;:!?]+$/, "");
  }
  return trimmed;
}

function cutAtParagraph(markdown: string, limit: number): { text: string; cut: boolean } {
  if (markdown.length <= limit) return { text: markdown, cut: false };
  const paragraphEnd = markdown.lastIndexOf("\n\n", limit);
  return { text: markdown.slice(0, paragraphEnd > limit / 2 ? paragraphEnd : limit).trimEnd(), cut: true };
}

function attribute(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/\n/g, " ");
}
