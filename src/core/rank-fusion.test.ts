import { describe, expect, it } from "vitest";
import { RRF_K, rankByScore, reciprocalRankFusion } from "./rank-fusion.js";

describe("reciprocal rank fusion", () => {
  it("orders BM25 ranks and cosine scores as computed by hand, ties to the better BM25 rank", () => {
    const bm25 = ["A", "B", "C", "D"];
    // Cosine similarities, higher is better: C, E, A, B.
    const cosine = rankByScore([
      ["A", 0.5],
      ["B", 0.1],
      ["C", 0.9],
      ["E", 0.8],
    ] as const);
    expect(cosine).toEqual(["C", "E", "A", "B"]);

    // By hand, k = 60: A = 1/61 + 1/63, B = 1/62 + 1/64, C = 1/63 + 1/61 (= A, and A's BM25 rank is better),
    // D = 1/64, E = 1/62.
    const fused = reciprocalRankFusion([bm25, cosine]);
    expect(fused.map((item) => item.key)).toEqual(["A", "C", "B", "E", "D"]);
    const scores = Object.fromEntries(fused.map((item) => [item.key, item.score]));
    expect(scores.A).toBeCloseTo(1 / 61 + 1 / 63, 12);
    expect(scores.C).toBeCloseTo(1 / 63 + 1 / 61, 12);
    expect(scores.B).toBeCloseTo(1 / 62 + 1 / 64, 12);
    expect(scores.E).toBeCloseTo(1 / 62, 12);
    expect(scores.D).toBeCloseTo(1 / 64, 12);
    expect(RRF_K).toBe(60);
  });

  it("lets an item both rankings hold beat the top item of one ranking alone", () => {
    // X is first by words only; Y is second by both: 2/62 > 1/61.
    expect(
      reciprocalRankFusion([
        ["X", "Y"],
        ["Z", "Y"],
      ]).map((item) => item.key),
    ).toEqual(["Y", "X", "Z"]);
  });

  it("takes another k, counts a repeated key at its better rank only, and fuses nothing to nothing", () => {
    // k = 1: P = 1/2 + 1/2 (its repeat at rank 3 adds nothing), Q = 1/3 + 1/2, R = 1/3.
    const fused = reciprocalRankFusion([["P", "Q", "P"], ["Q", "R"], ["P"]], 1);
    expect(fused.map((item) => item.key)).toEqual(["P", "Q", "R"]);
    expect(fused[0]?.score).toBeCloseTo(1 / 2 + 1 / 2, 12);
    expect(fused[1]?.score).toBeCloseTo(1 / 3 + 1 / 2, 12);
    expect(fused[2]?.score).toBeCloseTo(1 / 3, 12);
    expect(reciprocalRankFusion([[], []])).toEqual([]);
  });

  it("ranks by score keeping the given order among equal scores", () => {
    expect(
      rankByScore([
        ["a", 0.2],
        ["b", 0.7],
        ["c", 0.2],
        ["d", -0.4],
      ]),
    ).toEqual(["b", "a", "c", "d"]);
  });
});
