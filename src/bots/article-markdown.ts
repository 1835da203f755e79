/**
 * Turns a web page into its article as Markdown: Readability (Firefox's reader view) finds the article on a
 * linkedom DOM, and turndown writes Markdown that keeps headings, fenced code blocks with their language,
 * links and images, with every link and image made absolute.
 */
import { Readability } from "@mozilla/readability";
import { parseHTML } from "linkedom";
import TurndownService from "turndown";

export type ArticleMarkdown = {
  title: string;
  byline: string | null;
  siteName: string | null;
  /** The article, starting with its title as a level-1 heading. */
  markdown: string;
};

/** Set on every <pre> before Readability runs, which drops class names (where highlighters put the language). */
const LANGUAGE_ATTRIBUTE = "data-parley-language";

/** `language-js`, `lang-js`, `highlight-source-js`, `brush: js`, `hljs js`... */
const LANGUAGE_PATTERNS = [
  /(?:^|\s)(?:language|lang)-([\w+#.-]+)/i,
  /(?:^|\s)highlight-(?:source-)?([\w+#.-]+)/i,
  /(?:^|\s)brush:\s*([\w+#.-]+)/i,
  /(?:^|\s)(?:hljs|sourceCode|prettyprint)\s+([\w+#.-]+)/i,
];

/** The little of a DOM document these helpers use, which linkedom's document and the DOM's agree on. */
type PageDocument = {
  querySelector(selector: string): Element | null;
  querySelectorAll(selector: string): ArrayLike<Element>;
};

/** `pageUrl` resolves relative links and images; without one (an uploaded file) they are left as they are. */
export function articleMarkdown(html: string, pageUrl: string | undefined): ArticleMarkdown {
  // linkedom builds a document only from a whole page; a bare fragment gets the page around it.
  const page = /<html[\s>]/i.test(html)
    ? html
    : `<!doctype html><html><head></head><body>${html}</body></html>`;
  const { document } = parseHTML(page);
  const base = baseUrlOf(document, pageUrl);
  makeUrlsAbsolute(document, base);
  markCodeLanguages(document);
  // Read before Readability, which changes the document.
  const pageHeading = document.querySelector("h1")?.textContent ?? "";
  const article = new Readability(document as unknown as Document, { keepClasses: false }).parse();
  const title =
    (article?.title ?? document.title ?? "").trim() ||
    (pageUrl === undefined ? "" : new URL(pageUrl).hostname);
  // A page Readability cannot make sense of is still worth its body text.
  const content =
    (article?.textContent?.trim() ? article.content : undefined) ?? document.body?.innerHTML ?? "";
  let markdown = htmlToMarkdown(content);
  // Readability demotes the article's own <h1> to a level-2 heading; it is the title, so it leads at level 1. When
  // it dropped the <h1> as a copy of the page title, the first heading is a section's, and the title goes first.
  const leadingHeading = /^#{1,6}\s+(.*)/.exec(markdown);
  if (
    leadingHeading &&
    (title === "" || [title, pageHeading].some((text) => isSameTitle(leadingHeading[1] ?? "", text)))
  ) {
    markdown = `# ${markdown.slice(leadingHeading[0].length - (leadingHeading[1] ?? "").length)}`;
  } else if (title !== "") {
    // The page's own heading, when it names the article, reads better than a <title> with the site's name in it.
    markdown = `# ${isSameTitle(pageHeading, title) ? pageHeading.trim() : title}\n\n${markdown}`;
  }
  return {
    title,
    byline: article?.byline?.trim() || null,
    siteName: article?.siteName?.trim() || null,
    markdown,
  };
}

/** "Tables and Fences" names the same as the title "Tables and Fences | Site", or the heading "Tables and fences". */
function isSameTitle(heading: string, title: string): boolean {
  const words = (text: string) =>
    text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, " ")
      .trim();
  const a = words(heading);
  const b = words(title);
  return a !== "" && b !== "" && (a === b || b.startsWith(`${a} `) || b.endsWith(` ${a}`));
}

/** Markdown for an HTML fragment, with Parley's rules for code blocks. */
export function htmlToMarkdown(html: string): string {
  const turndown = new TurndownService({
    headingStyle: "atx",
    codeBlockStyle: "fenced",
    bulletListMarker: "-",
    emDelimiter: "_",
    hr: "---",
  });
  turndown.remove(["script", "style", "noscript", "iframe", "form", "button"]);
  turndown.addRule("codeBlock", {
    filter: (node) => node.nodeName === "PRE",
    replacement: (_content, node) => {
      const element = node as HTMLElement;
      const code = (element.textContent ?? "").replace(/\n$/, "");
      const language = element.getAttribute(LANGUAGE_ATTRIBUTE) ?? languageOf(element.querySelector("code"));
      // A fence longer than any run of backticks in the code, so the code cannot close it early.
      const longestRun = Math.max(0, ...(code.match(/`+/g) ?? []).map((run) => run.length));
      const fence = "`".repeat(Math.max(3, longestRun + 1));
      return `\n\n${fence}${language ?? ""}\n${code}\n${fence}\n\n`;
    },
  });
  addTableRules(turndown);
  return turndown
    .turndown(html)
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** GitHub-flavoured tables: the first row is the header, as GFM requires one; pipes and line breaks in cells are escaped. */
function addTableRules(turndown: TurndownService): void {
  turndown.addRule("tableCell", {
    filter: ["th", "td"],
    replacement: (content) =>
      `| ${content
        .replace(/\s*\n+\s*/g, " ")
        .replace(/\|/g, "\\|")
        .trim()} `,
  });
  turndown.addRule("tableRow", {
    filter: "tr",
    replacement: (content, node) => {
      const row = `${content}|\n`;
      let table: Node | null = node.parentNode;
      while (table && table.nodeName !== "TABLE") table = table.parentNode;
      const first = (table as HTMLElement | null)?.querySelector("tr");
      if (first !== node) return row;
      const cells = Array.from((node as HTMLElement).children).filter(
        (cell) => cell.nodeName === "TH" || cell.nodeName === "TD",
      ).length;
      return `${row}|${" --- |".repeat(Math.max(1, cells))}\n`;
    },
  });
  turndown.addRule("tableSection", {
    filter: ["thead", "tbody", "tfoot"],
    replacement: (content) => content,
  });
  turndown.addRule("table", {
    filter: "table",
    replacement: (content) => `\n\n${content.trim()}\n\n`,
  });
}

function baseUrlOf(document: PageDocument, pageUrl: string | undefined): string | undefined {
  const href = document.querySelector("base[href]")?.getAttribute("href");
  if (!href) return pageUrl;
  try {
    return new URL(href, pageUrl).href;
  } catch {
    return pageUrl;
  }
}

/** linkedom has no base URL to resolve against, so links and images are made absolute by hand. */
function makeUrlsAbsolute(document: PageDocument, base: string | undefined) {
  for (const link of Array.from(document.querySelectorAll("a[href]"))) {
    const absolute = absoluteUrl(link.getAttribute("href") ?? "", base);
    if (absolute === undefined || /^(javascript|data|vbscript):/i.test(absolute))
      link.removeAttribute("href");
    else link.setAttribute("href", absolute);
  }
  for (const image of Array.from(document.querySelectorAll("img"))) {
    // Lazy-loading pages keep the real image in a data attribute and a placeholder (or nothing) in src.
    const source =
      image.getAttribute("data-src") ??
      image.getAttribute("data-original") ??
      image.getAttribute("data-lazy-src") ??
      image.getAttribute("src") ??
      "";
    const absolute = absoluteUrl(source, base);
    if (absolute === undefined || /^(javascript|vbscript):/i.test(absolute)) image.removeAttribute("src");
    else image.setAttribute("src", absolute);
  }
}

/** Without a base, an absolute URL is normalized and a relative one kept as written. */
function absoluteUrl(reference: string, base: string | undefined): string | undefined {
  if (reference.trim() === "") return undefined;
  if (reference.startsWith("#")) return reference;
  try {
    return new URL(reference, base).href;
  } catch {
    return base === undefined ? reference.trim() : undefined;
  }
}

/** Records each code block's language where Readability will leave it, and keeps line breaks written as <br>. */
function markCodeLanguages(document: PageDocument) {
  for (const pre of Array.from(document.querySelectorAll("pre"))) {
    for (const lineBreak of Array.from(pre.querySelectorAll("br"))) lineBreak.replaceWith("\n");
    const language =
      languageOf(pre) ??
      languageOf(pre.querySelector("code")) ??
      languageOf(pre.parentElement) ??
      languageOf(pre.parentElement?.parentElement ?? null);
    if (language !== undefined) pre.setAttribute(LANGUAGE_ATTRIBUTE, language);
  }
}

function languageOf(element: Element | null): string | undefined {
  if (!element) return undefined;
  const declared = element.getAttribute("data-lang") ?? element.getAttribute("data-language");
  if (declared) return declared.toLowerCase();
  const classes = element.getAttribute("class") ?? "";
  for (const pattern of LANGUAGE_PATTERNS) {
    const language = pattern.exec(classes)?.[1]?.toLowerCase();
    if (language !== undefined && language !== "none" && language !== "plaintext") return language;
  }
  return undefined;
}
