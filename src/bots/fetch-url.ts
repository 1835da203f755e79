/**
 * The `fetch_url` tool: fetches a web page (never from an internal address, within size and time limits) and
 * returns its article as Markdown, ready for a model to read, translate or summarize.
 */
import { type FetchPageOptions, fetchPage } from "./fetch-page.js";

export type FetchUrlOptions = FetchPageOptions;

export type FetchedArticle = {
  /** The URL asked for. */
  url: string;
  /** Where the article was found, after redirects. */
  finalUrl: string;
  title: string;
  byline: string | null;
  siteName: string | null;
  markdown: string;
};

export async function fetchUrl(url: string, options: FetchUrlOptions = {}): Promise<FetchedArticle> {
  const page = await fetchPage(url, options);
  if (page.contentType === "text/plain" || page.contentType === "text/markdown") {
    const title =
      page.text.match(/^#\s+(.+)$/m)?.[1]?.trim() ?? new URL(page.url).pathname.split("/").pop() ?? page.url;
    return { url, finalUrl: page.url, title, byline: null, siteName: null, markdown: page.text.trim() };
  }
  // The HTML reader (a DOM, Readability, Turndown) loads on first use: most servers never fetch a page.
  const { articleMarkdown } = await import("./article-markdown.js");
  return { url, finalUrl: page.url, ...articleMarkdown(page.text, page.url) };
}
