/** A bot's knowledge: documents it answers from, split into sentences that replies cite by character offsets. */

export type KnowledgeMediaType = "text/plain" | "text/markdown";

/** What a document may be added as; HTML is stored as Markdown. */
export type KnowledgeSourceMediaType = KnowledgeMediaType | "text/html";

export type KnowledgeDocument = {
  id: string;
  botId: string;
  title: string;
  mediaType: KnowledgeMediaType;
  /** The text as stored; sentence offsets point into it. */
  content: string;
  sentenceCount: number;
  createdAt: number;
};

/** A sentence of a document: `content.slice(start, end)` is its text. */
export type KnowledgeSentence = {
  documentId: string;
  /** 0, 1, 2 ... in the document. */
  position: number;
  start: number;
  end: number;
  text: string;
};

/** A sentence found for a question, with its document's title; a lower score is a better match (BM25, as SQLite ranks). */
export type RetrievedSentence = KnowledgeSentence & { title: string; score: number };
