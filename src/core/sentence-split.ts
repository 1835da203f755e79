/**
 * Splits text into sentences with their character offsets, in any language (Intl.Segmenter, ICU's rules: "e.g."
 * does not end a sentence, "。" does, and so does a line break between Markdown headings or list items).
 */

export type SentenceSpan = { start: number; end: number };

const segmenter = new Intl.Segmenter(undefined, { granularity: "sentence" });

/** Each span has no whitespace at either end, so `text.slice(start, end)` is the sentence as a reader sees it. */
export function splitSentences(text: string): SentenceSpan[] {
  const spans: SentenceSpan[] = [];
  for (const { segment, index } of segmenter.segment(text)) {
    const leading = segment.length - segment.trimStart().length;
    const trimmed = segment.trim();
    if (trimmed === "") continue;
    spans.push({ start: index + leading, end: index + leading + trimmed.length });
  }
  return spans;
}
