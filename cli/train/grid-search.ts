/**
 * Grid search with k-fold cross-validation (ML Test Score model_3): every candidate of the grid is trained on
 * k − 1 folds and measured on the one left out, k times; the candidate with the best mean primary metric wins
 * (the first one written on a tie). Folds are a seeded shuffle of the rows dealt round-robin, so every fold has
 * the same size within one row and the same seed gives the same folds.
 *
 * @example
 * const candidates = gridCandidates({ max_depth: [4, 6], learning_rate: [0.05, 0.1] }); // 4 candidates
 * const result = gridSearch({ candidates, folds: 3, seed: 42, rows: 1000, metric: 'mae', higherIsBetter: false,
 *   evaluate: (candidate, fold) => ({ ok: true, value: maeOf(candidate, fold) }) });
 * if (result.ok) console.log(result.best, result.tuning.selected);
 */
import { deriveSeed, mulberry32, shuffledIndexes } from '../../src/lib/random.ts';
import type { TrainingInfo } from '../../src/model/manifest.ts';
import type { GridValue } from './spec.ts';

export type Tuning = NonNullable<TrainingInfo['tuning']>;
export type Candidate = Record<string, GridValue>;

export interface FoldSplit {
  /** Row indexes trained on (every other fold), ascending. */
  train: Uint32Array;
  /** Row indexes measured on (this fold), ascending. */
  valid: Uint32Array;
}

export type FoldOutcome = { ok: true; value: number } | { ok: false; error: string };

export interface GridSearchInput {
  candidates: readonly Candidate[];
  folds: number;
  seed: number;
  /** Rows to split into folds (indexes 0..rows-1 are handed to `evaluate`). */
  rows: number;
  metric: string;
  higherIsBetter: boolean;
  /** Trains `candidate` on `split.train` and returns the primary metric on `split.valid`. */
  evaluate(candidate: Candidate, split: FoldSplit, fold: number): FoldOutcome;
  onCandidate?: (index: number, result: Tuning['candidates'][number], seconds: number) => void;
}

export type GridSearchResult = { ok: true; tuning: Tuning; best: Candidate } | { ok: false; error: string };

/** The folds' seeded stream, distinct from the split's (mulberry32(seed)) and the shuffles' of permutation importance. */
const FOLD_STREAM = 0x666f6c64;

/** Every combination of the grid's values; the first name varies slowest, values in the order written. */
export function gridCandidates(grid: Readonly<Record<string, readonly GridValue[]>>): Candidate[] {
  let candidates: Candidate[] = [{}];
  for (const [name, values] of Object.entries(grid)) {
    candidates = candidates.flatMap((c) => values.map((v) => ({ ...c, [name]: v })));
  }
  return candidates;
}

/** The fold of each row: a seeded shuffle dealt round-robin over `folds`. */
export function foldAssignment(rows: number, folds: number, seed: number): Uint8Array {
  const order = shuffledIndexes(rows, mulberry32(deriveSeed(seed, FOLD_STREAM)));
  const fold = new Uint8Array(rows);
  order.forEach((row, i) => (fold[row] = i % folds));
  return fold;
}

export function foldSplits(rows: number, folds: number, seed: number): FoldSplit[] {
  const fold = foldAssignment(rows, folds, seed);
  return Array.from({ length: folds }, (_, k) => {
    const train: number[] = [];
    const valid: number[] = [];
    for (let r = 0; r < rows; r++) (fold[r] === k ? valid : train).push(r);
    return { train: Uint32Array.from(train), valid: Uint32Array.from(valid) };
  });
}

export function gridSearch(input: GridSearchInput): GridSearchResult {
  if (input.candidates.length < 2) return { ok: false, error: 'a grid search needs at least two candidates' };
  if (input.rows < input.folds) return { ok: false, error: `${input.rows} rows cannot make ${input.folds} folds` };
  const splits = foldSplits(input.rows, input.folds, input.seed);
  const results: Tuning['candidates'] = [];
  for (const [index, candidate] of input.candidates.entries()) {
    const started = performance.now();
    const values: number[] = [];
    for (const [k, split] of splits.entries()) {
      const outcome = input.evaluate(candidate, split, k);
      if (!outcome.ok)
        return { ok: false, error: `tuning candidate ${describeCandidate(candidate)}, fold ${k + 1} of ${input.folds}: ${outcome.error}` };
      values.push(outcome.value);
    }
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    // Population standard deviation over the folds (as scikit-learn's std_test_score).
    const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    const result = { hyperparameters: { ...candidate }, mean, std };
    results.push(result);
    input.onCandidate?.(index, result, (performance.now() - started) / 1000);
  }
  let selected = 0;
  results.forEach((r, i) => {
    const best = results[selected]!.mean;
    if (input.higherIsBetter ? r.mean > best : r.mean < best) selected = i;
  });
  return {
    ok: true,
    best: input.candidates[selected]!,
    tuning: {
      method: 'grid',
      folds: input.folds,
      seed: input.seed,
      metric: input.metric,
      higher_is_better: input.higherIsBetter,
      candidates: results,
      selected,
    },
  };
}

/** `max_depth 6 · learning_rate 0.1`, for messages. */
export function describeCandidate(candidate: Candidate): string {
  return Object.entries(candidate)
    .map(([name, value]) => `${name} ${String(value)}`)
    .join(' · ');
}
