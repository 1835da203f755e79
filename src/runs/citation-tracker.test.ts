import { describe, expect, it } from "vitest";
import type { CitationSources } from "../core/citation-check.js";
import { CitationTracker } from "./citation-tracker.js";

const content = "Event loops run callbacks. Timers fire later.";
const sources: CitationSources = {
  sentences: new Map([
    ["S1", { documentId: "doc_1", title: "Guide", start: 27, end: 45, citedText: "Timers fire later." }],
    // Offsets that no longer match the document (it changed after the prompt was built).
    ["S2", { documentId: "doc_1", title: "Guide", start: 0, end: 10, citedText: "Event loops run" }],
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
});
