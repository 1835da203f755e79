import { describe, expect, it } from "vitest";
import type { CitationSources } from "../core/citation-check.js";
import { CitationTracker } from "./citation-tracker.js";

const content = "Event loops run callbacks. Timers fire later.";
const sources: CitationSources = {
  sentences: new Map([
    ["S1", { documentId: "doc_1", title: "Guide", start: 27, end: 45, citedText: "Timers fire later." }],
    // Offsets that no longer match the document (it changed after the prompt was built).
    ["S2", { documentId: "doc_1", title: "Guide", start: 0, end: 10, citedText: "Event loops run" }],
    [
      "S3",
      { documentId: "doc_1", title: "Guide", start: 0, end: 26, citedText: "Event loops run callbacks." },
    ],
  ]),
  documents: new Map([["doc_1", { documentId: "doc_1", title: "Guide", content }]]),
};

describe("citations from a streamed reply", () => {
  it("sends a checked citation once per sentence, and drops and counts made-up and wrong ones", () => {
    const tracker = new CitationTracker(sources);
    expect(tracker.push("Timers fire later [S")).toEqual([]);
    expect(tracker.push("1], see [S2] and [S7].")).toEqual([
      {
        documentId: "doc_1",
        title: "Guide",
        start: 27,
        end: 45,
        citedText: "Timers fire later.",
        marker: "S1",
      },
    ]);
    expect(tracker.push(" Again [S1].")).toEqual([]);
    expect(tracker.counts).toEqual({ sent: 1, dropped: 2 });
  });

  it("keeps every citation it sent, in order, for the reply's message; the dropped ones are not among them", () => {
    const tracker = new CitationTracker(sources);
    expect(tracker.accepted).toEqual([]);
    tracker.push("Wrong [S2], made up [S7], right [S1], again [S1]");
    tracker.push(" and [S3].");
    expect(tracker.accepted.map((citation) => [citation.marker, citation.start, citation.end])).toEqual([
      ["S1", 27, 45],
      ["S3", 0, 26],
    ]);
  });
});
