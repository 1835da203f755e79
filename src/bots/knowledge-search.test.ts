import { describe, expect, it } from "vitest";
import type { RetrievedSentence } from "../core/knowledge.js";
import type { SimilarSentence } from "../core/knowledge-embedding.js";
import { fuseSentenceRankings } from "./knowledge-search.js";

function sentence(position: number): Omit<RetrievedSentence, "score"> {
  return {
    documentId: "doc",
    position,
    start: position * 10,
    end: position * 10 + 9,
    text: `S${position}`,
    title: "T",
  };
}

const byWords: RetrievedSentence[] = [0, 1, 2].map((position, rank) => ({
  ...sentence(position),
  score: -3 + rank,
}));

describe("fusing the word and meaning rankings of sentences", () => {
  it("orders sentences as reciprocal rank fusion does, keeping the text of those found by meaning only", () => {
    // Similarity order: 3, 2, 0. By hand (k = 60): S0 = 1/61 + 1/63, S1 = 1/62, S2 = 1/63 + 1/62, S3 = 1/61.
    const byMeaning: SimilarSentence[] = [
      { ...sentence(3), similarity: 0.9 },
      { ...sentence(2), similarity: 0.7 },
      { ...sentence(0), similarity: 0.2 },
    ];
    const fused = fuseSentenceRankings(byWords, byMeaning, 10);
    expect(fused.map((found) => found.text)).toEqual(["S0", "S2", "S3", "S1"]);
    expect(fused[0]?.score).toBeCloseTo(-(1 / 61 + 1 / 63), 12);
    expect(fused[2]).toEqual({ ...sentence(3), score: expect.closeTo(-1 / 61, 12) });
    expect(fuseSentenceRankings(byWords, byMeaning, 2).map((found) => found.text)).toEqual(["S0", "S2"]);
  });

  it("returns the word ranking unchanged when nothing was found by meaning", () => {
    expect(fuseSentenceRankings(byWords, [], 2)).toEqual(byWords.slice(0, 2));
  });
});
