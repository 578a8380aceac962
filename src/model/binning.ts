/**
 * Histogram binning shared by training statistics and serving profiles, so that a value lands in the same
 * bin in both places.
 */

/**
 * Index of the bin holding `value` for interior `edges` (strictly increasing): bin i holds values v with
 * edges[i-1] < v <= edges[i]; there are edges.length + 1 bins.
 *
 * @example binIndex([1, 2], 1.5) // 1
 */
export function binIndex(edges: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (value <= edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Interior decile edges of `values` (already sorted ascending), with ties collapsed so edges are strictly
 * increasing. Uses the nearest-rank quantile so every edge is a value that occurs in the data.
 */
export function quantileEdges(sorted: readonly number[], quantiles = 10): number[] {
  const edges: number[] = [];
  if (sorted.length === 0) return edges;
  for (let q = 1; q < quantiles; q++) {
    const rank = Math.ceil((q / quantiles) * sorted.length) - 1;
    const edge = sorted[Math.min(Math.max(rank, 0), sorted.length - 1)]!;
    if (edges.length === 0 || edge > edges[edges.length - 1]!) edges.push(edge);
  }
  // A top edge equal to the maximum leaves the last bin empty forever; drop it.
  if (edges.length > 0 && edges[edges.length - 1] === sorted[sorted.length - 1]) edges.pop();
  return edges;
}

/** Share of `values` falling in each bin of `edges`. */
export function binFrequencies(edges: readonly number[], values: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const v of values) counts[binIndex(edges, v)]! += 1;
  return values.length === 0 ? counts : counts.map((c) => c / values.length);
}
