/**
 * The deterministic train/holdout split: a seeded shuffle of row indexes; the first `holdoutFraction` of
 * the shuffled order is held out for offline metrics and golden examples. Both index lists come back in
 * file order so reports and goldens read naturally.
 *
 * @example
 * const split = splitRows(1000, 0.2, 42); // split.holdout.length === 200
 */
import { mulberry32, shuffledIndexes } from '../../src/lib/random.ts';

export interface RowSplit {
  method: string;
  holdoutFraction: number;
  train: Uint32Array;
  holdout: Uint32Array;
}

export function splitRows(rows: number, holdoutFraction: number, seed: number): RowSplit {
  const order = shuffledIndexes(rows, mulberry32(seed));
  // Both sides keep at least one row, so metrics and training always have data.
  const holdoutRows = Math.min(Math.max(Math.round(rows * holdoutFraction), 1), rows - 1);
  const holdout = order.slice(0, holdoutRows).sort();
  const train = order.slice(holdoutRows).sort();
  return { method: 'seeded shuffle (mulberry32), first holdout_fraction of rows held out', holdoutFraction, train, holdout };
}
