/**
 * Histogram bins for gradient boosting. Each column's bins are bounded above by thresholds that are float32
 * values occurring in the data: bin b holds x with thresholds[b-1] < x <= thresholds[b] (the last bin is
 * unbounded). A split "bin <= b" is then exactly "x <= thresholds[b]", the comparison ONNX's BRANCH_LEQ
 * makes on float32 inputs, so the exported trees route every row as training did.
 *
 * @example
 * const binned = binColumns(x, rows, width, 255);
 * binned.bins[r * width + j]; // the bin of row r, column j
 */
import { binIndex } from '../../../src/model/binning.ts';

export interface BinnedMatrix {
  rows: number;
  cols: number;
  /** Row-major bin index of every cell. */
  bins: Uint16Array;
  /** Upper thresholds per column; bin count is thresholds.length + 1. */
  thresholds: Float32Array[];
  /** Start of each column's bins in a flat histogram; the last entry is the total bin count. */
  offsets: Uint32Array;
}

export function binColumns(x: Float32Array, rows: number, cols: number, maxBins: number): BinnedMatrix {
  const thresholds: Float32Array[] = [];
  const offsets = new Uint32Array(cols + 1);
  const bins = new Uint16Array(rows * cols);
  const column = new Float32Array(rows);
  for (let j = 0; j < cols; j++) {
    for (let r = 0; r < rows; r++) column[r] = x[r * cols + j]!;
    const t = columnThresholds(column, maxBins);
    thresholds.push(t);
    offsets[j + 1] = offsets[j]! + t.length + 1;
    for (let r = 0; r < rows; r++) bins[r * cols + j] = binOf(t, column[r]!);
  }
  return { rows, cols, bins, thresholds, offsets };
}

/** Index of the first threshold >= value, or thresholds.length when value is above them all. */
export function binOf(thresholds: Float32Array, value: number): number {
  return binIndex(thresholds, value);
}

/**
 * Every distinct value but the largest when they fit in maxBins; otherwise cut points at roughly equal
 * row counts, each the last distinct value of its bin (so still a value from the data).
 */
function columnThresholds(column: Float32Array, maxBins: number): Float32Array {
  const sorted = Float32Array.from(column).sort();
  const distinct: number[] = [];
  const counts: number[] = [];
  for (const v of sorted) {
    if (distinct.length > 0 && distinct[distinct.length - 1] === v) counts[counts.length - 1]! += 1;
    else {
      distinct.push(v);
      counts.push(1);
    }
  }
  if (distinct.length <= maxBins) return Float32Array.from(distinct.slice(0, -1));
  const cuts: number[] = [];
  let seen = 0;
  let target = sorted.length / maxBins;
  for (let k = 0; k < distinct.length - 1 && cuts.length < maxBins - 1; k++) {
    seen += counts[k]!;
    if (seen >= target) {
      cuts.push(distinct[k]!);
      // Re-spread the rows left over the bins left, so one heavy value (a mass at 0) does not use up the bins.
      target = seen + (sorted.length - seen) / (maxBins - cuts.length);
    }
  }
  return Float32Array.from(cuts);
}
