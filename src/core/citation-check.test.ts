import { describe, expect, it } from "vitest";
import { type Citation, type CitationSource, checkCitations, isFaithfulCitation } from "./citation-check.js";

const source: CitationSource = {
  documentId: "doc_1",
  title: "Guide",
  content: "Event loops run callbacks. Timers fire later.",
};
const right: Citation = {
  documentId: "doc_1",
  title: "Guide",
  start: 27,
  end: 45,
  citedText: "Timers fire later.",
};

describe("citation checks", () => {
  it("passes a citation whose text is exactly the source between its offsets", () => {
    expect(isFaithfulCitation(right, source)).toBe(true);
  });

  it("drops a wrong span, a changed text, offsets out of range and an unknown document", () => {
    expect(isFaithfulCitation({ ...right, start: 26 }, source)).toBe(false);
    expect(isFaithfulCitation({ ...right, citedText: "Timers fire early." }, source)).toBe(false);
    expect(isFaithfulCitation({ ...right, end: 999 }, source)).toBe(false);
    expect(isFaithfulCitation({ ...right, start: 5, end: 5, citedText: "" }, source)).toBe(false);
    expect(isFaithfulCitation({ ...right, start: 1.5 }, source)).toBe(false);
    expect(isFaithfulCitation({ ...right, documentId: "doc_2" }, source)).toBe(false);
    expect(isFaithfulCitation(right, undefined)).toBe(false);
  });

  it("keeps the good ones in order and counts the rest", () => {
    const wrong = { ...right, start: 0 };
    const result = checkCitations([right, wrong, right], new Map([["doc_1", source]]));
    expect(result).toEqual({ kept: [right, right], dropped: 1 });
  });
});
