/**
 * Retrieval for a bot with knowledge files: the sentences that best match the user's question, shown to the model
 * with ids it cites them by ([S1], [S2]...), and the sources those citations are checked against.
 */
import type { Citation, CitationSource, CitationSources } from "../core/citation-check.js";
import type { RetrievedSentence } from "../core/knowledge.js";
import type { ParleyStore } from "../core/parley-store.js";
import { type KnowledgeSearch, wordSearch } from "./knowledge-search.js";

/** Enough to answer most questions from a few passages, little enough to leave the window to the conversation. */
export const RETRIEVED_SENTENCES = 8;

export type KnowledgePrompt = { text: string; sources: CitationSources };

/** Undefined when the bot has no knowledge, or none of it matches the question. */
export async function knowledgePrompt(
  store: ParleyStore,
  botId: string,
  question: string,
  search: KnowledgeSearch = wordSearch(store),
): Promise<KnowledgePrompt | undefined> {
  const found = await search(botId, question, RETRIEVED_SENTENCES);
  if (found.length === 0) return undefined;

  const documents = new Map<string, CitationSource>();
  for (const documentId of new Set(found.map((sentence) => sentence.documentId))) {
    const document = await store.knowledge.get(documentId);
    if (document) documents.set(documentId, { documentId, title: document.title, content: document.content });
  }
  // In reading order within each document, so the passages read as text rather than as a ranked list.
  const ordered = found
    .filter((sentence) => documents.has(sentence.documentId))
    .sort((a, b) => a.documentId.localeCompare(b.documentId) || a.position - b.position);
  const sentences = new Map<string, Omit<Citation, "marker">>();
  const blocks: string[] = [];
  let current: RetrievedSentence | undefined;
  for (const sentence of ordered) {
    const marker = `S${sentences.size + 1}`;
    sentences.set(marker, {
      documentId: sentence.documentId,
      title: sentence.title,
      start: sentence.start,
      end: sentence.end,
      citedText: sentence.text,
    });
    if (current?.documentId !== sentence.documentId) {
      if (current) blocks.push("</document>");
      blocks.push(`<document title="${sentence.title.replace(/"/g, "&quot;")}">`);
    }
    blocks.push(`[${marker}] ${sentence.text.replace(/\s+/g, " ")}`);
    current = sentence;
  }
  blocks.push("</document>");

  const text = [
    "## Knowledge",
    "Sentences from this bot's knowledge files that may answer the user's latest message, each with an id in brackets.",
    "Answer from them when they are relevant. Right after each statement that uses one, cite it by its id in square brackets, like [S2], or [S2, S5] for several. Cite only the ids listed here and never make one up. If they do not answer the question, say so rather than guess, and cite nothing.",
    "",
    ...blocks,
  ].join("\n");
  return { text, sources: { sentences, documents } };
}
