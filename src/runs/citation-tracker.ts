/**
 * Turns the marks a reply cites its bot's knowledge with ([S3]) into `citation` events as the text streams, each
 * checked against its source first (core/citation-check.ts); marks that name no shown sentence, or fail the
 * check, are dropped and counted.
 */
import { type Citation, type CitationSources, isFaithfulCitation } from "../core/citation-check.js";
import { CitationMarkerScanner } from "../core/citation-markers.js";

export class CitationTracker {
  readonly #sources: CitationSources;
  readonly #scanner = new CitationMarkerScanner();
  /** One event per sentence: a sentence cited twice is one source, shown once. */
  readonly #seen = new Set<string>();
  readonly #accepted: Citation[] = [];
  #dropped = 0;

  constructor(sources: CitationSources) {
    this.#sources = sources;
  }

  /** The checked citations that the next piece of the reply completes. */
  push(text: string): Citation[] {
    const citations: Citation[] = [];
    for (const marker of this.#scanner.push(text)) {
      if (this.#seen.has(marker)) continue;
      this.#seen.add(marker);
      const sentence = this.#sources.sentences.get(marker);
      const citation = sentence && { ...sentence, marker };
      if (citation && isFaithfulCitation(citation, this.#sources.documents.get(citation.documentId))) {
        citations.push(citation);
        this.#accepted.push(citation);
      } else {
        this.#dropped++;
      }
    }
    return citations;
  }

  /** Every citation sent so far, in order: what the reply's message keeps, so a reload needs no replay of events. */
  get accepted(): Citation[] {
    return [...this.#accepted];
  }

  get counts(): { sent: number; dropped: number } {
    return { sent: this.#accepted.length, dropped: this.#dropped };
  }
}
