/**
 * A bot's knowledge files: added as text, Markdown, HTML or PDF (sent as JSON or uploaded), split into sentences with
 * offsets, indexed for search by words, and embedded for search by meaning when an embedding model is configured.
 */
import { BadRequestError, NotFoundError } from "../core/app-error.js";
import type { Bot } from "../core/bot.js";
import { newId } from "../core/ids.js";
import type { KnowledgeDocument, KnowledgeSentence, KnowledgeSourceMediaType } from "../core/knowledge.js";
import type { ParleyStore } from "../core/parley-store.js";
import type { Principal } from "../core/principal.js";
import { splitSentences } from "../core/sentence-split.js";
import type { BotService } from "./bot-service.js";
import type { KnowledgeEmbeddings } from "./knowledge-embeddings.js";
import { type KnowledgeFile, readKnowledgeFile } from "./knowledge-file.js";

export type NewKnowledgeDocument = {
  title: string;
  content: string;
  mediaType: KnowledgeSourceMediaType;
};

/** The longest text a document may have, however it came; about 250,000 words. */
export const MAX_DOCUMENT_CHARACTERS = 1_000_000;

/** Longer names are cut when a file's name becomes its title. */
const MAX_TITLE_CHARACTERS = 300;

/** A document as lists show it: without its text. */
export type KnowledgeDocumentSummary = Omit<KnowledgeDocument, "content">;

export class KnowledgeService {
  readonly #store: ParleyStore;
  readonly #bots: BotService;
  readonly #embeddings: KnowledgeEmbeddings | undefined;

  constructor(config: {
    store: ParleyStore;
    bots: BotService;
    embeddings?: KnowledgeEmbeddings | undefined;
  }) {
    this.#store = config.store;
    this.#bots = config.bots;
    this.#embeddings = config.embeddings;
  }

  /** Adds a document to a bot the caller may edit. HTML is kept as Markdown, the form replies cite from. */
  async add(
    principal: Principal,
    botIdOrSlug: string,
    input: NewKnowledgeDocument,
  ): Promise<KnowledgeDocument> {
    const bot = await this.#bots.editable(principal, botIdOrSlug);
    return this.#add(bot, input);
  }

  /**
   * Adds an uploaded file (text, Markdown, HTML or PDF, told from its bytes and name) to a bot the caller may edit;
   * its title defaults to the file's name.
   */
  async addFile(
    principal: Principal,
    botIdOrSlug: string,
    file: KnowledgeFile & { title?: string },
  ): Promise<KnowledgeDocument> {
    // Permission first: reading a PDF is the expensive part.
    const bot = await this.#bots.editable(principal, botIdOrSlug);
    const { content, mediaType } = await readKnowledgeFile(file, MAX_DOCUMENT_CHARACTERS);
    const title = file.title?.trim() || file.fileName.trim().slice(0, MAX_TITLE_CHARACTERS) || "Untitled";
    return this.#add(bot, { title, content, mediaType });
  }

  async #add(bot: Bot, input: NewKnowledgeDocument): Promise<KnowledgeDocument> {
    const content = input.mediaType === "text/html" ? await markdownOfHtml(input.content) : input.content;
    const spans = splitSentences(content);
    if (spans.length === 0) {
      throw new BadRequestError("The document has no text to learn from.", { code: "empty_document" });
    }
    const document: KnowledgeDocument = {
      id: newId("doc"),
      botId: bot.id,
      title: input.title.trim(),
      mediaType: input.mediaType === "text/plain" ? "text/plain" : "text/markdown",
      content,
      sentenceCount: spans.length,
      createdAt: Date.now(),
    };
    const sentences: KnowledgeSentence[] = spans.map((span, position) => ({
      documentId: document.id,
      position,
      ...span,
      text: content.slice(span.start, span.end),
    }));
    await this.#store.knowledge.add(document, sentences);
    // In the background: the document is stored and searchable by words now, whatever the embedding model does.
    this.#embeddings?.schedule();
    return document;
  }

  /** Whoever may chat with a bot may read its documents: citations open them. */
  async list(principal: Principal, botIdOrSlug: string): Promise<KnowledgeDocumentSummary[]> {
    const bot = await this.#bots.get(principal, botIdOrSlug);
    return (await this.#store.knowledge.listByBot(bot.id)).map(summaryOf);
  }

  async get(principal: Principal, botIdOrSlug: string, documentId: string): Promise<KnowledgeDocument> {
    const bot = await this.#bots.get(principal, botIdOrSlug);
    return this.#documentOf(bot, documentId);
  }

  async delete(principal: Principal, botIdOrSlug: string, documentId: string): Promise<void> {
    const bot = await this.#bots.editable(principal, botIdOrSlug);
    await this.#documentOf(bot, documentId);
    if (!(await this.#store.knowledge.delete(documentId))) throw new NotFoundError("Document", documentId);
  }

  async #documentOf(bot: Bot, documentId: string): Promise<KnowledgeDocument> {
    const document = await this.#store.knowledge.get(documentId);
    if (!document || document.botId !== bot.id) throw new NotFoundError("Document", documentId);
    return document;
  }
}

/**
 * A whole page goes through Readability, as fetched articles do, so its navigation, footers and banners are not
 * retrieved as knowledge; a fragment is all content and is converted as it is.
 */
async function markdownOfHtml(html: string): Promise<string> {
  // The HTML reader (a DOM, Readability, Turndown) loads on first use: most servers never read a page.
  const { articleMarkdown, htmlToMarkdown } = await import("./article-markdown.js");
  return /<(html|body)[\s>]/i.test(html) ? articleMarkdown(html, undefined).markdown : htmlToMarkdown(html);
}

function summaryOf(document: KnowledgeDocument): KnowledgeDocumentSummary {
  const { content: _content, ...summary } = document;
  return summary;
}
