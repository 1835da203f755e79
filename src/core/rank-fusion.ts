/**
 * Reciprocal rank fusion (Cormack, Clarke and Büttcher, 2009): merges rankings that score on different scales, such
 * as BM25 and cosine similarity, by rank alone. An item's fused score is the sum over the rankings that hold it of
 * 1 / (k + rank), rank counted from 1; an item a ranking lacks gets nothing from it.
 */

/** The constant of the paper: it damps the weight of the very top ranks so one ranking alone cannot dominate. */
export const RRF_K = 60;

export type FusedItem<K> = { key: K; score: number };

/**
 * The keys of all rankings, best fused score first. Ties go to the key ranked better by the earlier ranking (the
 * first ranking is the tie-breaker of last resort), so the order is deterministic.
 */
export function reciprocalRankFusion<K>(rankings: readonly (readonly K[])[], k = RRF_K): FusedItem<K>[] {
  const fused = new Map<K, { score: number; ranks: number[] }>();
  rankings.forEach((ranking, list) => {
    ranking.forEach((key, index) => {
      let entry = fused.get(key);
      if (!entry) {
        entry = { score: 0, ranks: rankings.map(() => Number.POSITIVE_INFINITY) };
        fused.set(key, entry);
      }
      // A key twice in one ranking counts at its better rank only.
      if (entry.ranks[list] !== Number.POSITIVE_INFINITY) return;
      entry.ranks[list] = index + 1;
      entry.score += 1 / (k + index + 1);
    });
  });
  return [...fused.entries()]
    .sort(([, a], [, b]) => b.score - a.score || compareRanks(a.ranks, b.ranks))
    .map(([key, { score }]) => ({ key, score }));
}

/** Keys by descending score (for similarities, where higher is better), ties in the order given. */
export function rankByScore<K>(scores: Iterable<readonly [K, number]>): K[] {
  return [...scores]
    .map(([key, score], order) => ({ key, score, order }))
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .map(({ key }) => key);
}

function compareRanks(a: readonly number[], b: readonly number[]): number {
  for (let index = 0; index < a.length; index++) {
    const left = a[index] ?? Number.POSITIVE_INFINITY;
    const right = b[index] ?? Number.POSITIVE_INFINITY;
    if (left !== right) return left < right ? -1 : 1;
  }
  return 0;
}
