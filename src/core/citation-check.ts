/**
 * The one rule for citations (protocol.md): a `citation` event is sent only when its `citedText` is exactly the
 * source document's text from `start` to `end`. Anything else (a made-up sentence, stale offsets) is dropped.
 */
import type { RunEventDataMap } from "./run-event.js";

export type Citation = RunEventDataMap["citation"];

/** A document as it was when the prompt was built. */
export type CitationSource = { documentId: string; title: string; content: string };

/** What a reply may cite: the sentences its prompt showed (by mark, like `S3`) and their documents. */
export type CitationSources = {
  sentences: ReadonlyMap<string, Omit<Citation, "marker">>;
  documents: ReadonlyMap<string, CitationSource>;
};

export function isFaithfulCitation(citation: Citation, source: CitationSource | undefined): boolean {
  if (!source || source.documentId !== citation.documentId) return false;
  const { start, end } = citation;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end)) return false;
  if (start < 0 || end <= start || end > source.content.length) return false;
  return source.content.slice(start, end) === citation.citedText;
}

/** The citations that pass, in order, and how many did not. */
export function checkCitations(
  citations: readonly Citation[],
  sources: ReadonlyMap<string, CitationSource>,
): { kept: Citation[]; dropped: number } {
  const kept = citations.filter((citation) => isFaithfulCitation(citation, sources.get(citation.documentId)));
  return { kept, dropped: citations.length - kept.length };
}
