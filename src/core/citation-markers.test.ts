import { describe, expect, it } from "vitest";
import { CitationMarkerScanner } from "./citation-markers.js";

describe("citation marks in a streamed reply", () => {
  it("finds marks whole or split across pieces, once each, in order", () => {
    const scanner = new CitationMarkerScanner();
    const pieces = [
      "The loop runs callbacks [S",
      "3]. Timers fire later [S1",
      "2, S",
      "4] and",
      " [not a mark] [S5].",
    ];
    expect(pieces.map((piece) => scanner.push(piece))).toEqual([[], ["S3"], [], ["S12", "S4"], ["S5"]]);
  });

  it("ignores brackets that never become a mark", () => {
    const scanner = new CitationMarkerScanner();
    expect(scanner.push("[link](https://x.example) [S")).toEqual([]);
    expect(scanner.push("tart] [S1")).toEqual([]);
    expect(scanner.push("]")).toEqual(["S1"]);
  });
});
