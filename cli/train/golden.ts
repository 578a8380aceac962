/**
 * Chooses the golden examples: holdout rows that exercise the encoding — missing values of every nullable
 * feature, every category and boolean value, both classes — topped up with evenly spaced holdout rows.
 * The choice depends only on the data and the split, so it is the same on every run.
 *
 * @example
 * const rows = chooseGoldenRows(split.holdout, dataset, 24); // dataset row indexes, ascending
 */
import type { FeatureSchemaSpec, Row } from '../../src/model/instance-validator.ts';
import type { Instance } from './instances.ts';

export interface GoldenSource {
  features: readonly FeatureSchemaSpec[];
  rows: readonly Row[];
  instances: readonly Instance[];
  /** Classification: 0/1 per row, so both classes get examples. */
  classes?: Float64Array;
}

/** Missing values each nullable feature should show in the goldens, when the holdout has them. */
const NULL_EXAMPLES_PER_FEATURE = 4;
const EXAMPLES_PER_CLASS = 4;
/** Goldens that keep the dataset's raw missing-value token (e.g. "?"); the others send null. */
export const RAW_TOKEN_EXAMPLES = 2;

export function chooseGoldenRows(holdout: Uint32Array, source: GoldenSource, minCount: number): number[] {
  const chosen = new Set<number>();
  const { features, rows } = source;
  const firstRows = (test: (r: number) => boolean, count: number) => {
    let have = [...chosen].filter(test).length;
    for (const r of holdout) {
      if (have >= count) return;
      if (!chosen.has(r) && test(r)) {
        chosen.add(r);
        have++;
      }
    }
  };

  features.forEach((f, i) => {
    if (f.nullable) firstRows((r) => rows[r]![i] === null, NULL_EXAMPLES_PER_FEATURE);
    const values: readonly (string | boolean)[] = f.type === 'category' ? (f.categories ?? []) : f.type === 'boolean' ? [false, true] : [];
    for (const v of values) firstRows((r) => rows[r]![i] === v, 1);
  });
  if (source.classes) for (const c of [0, 1]) firstRows((r) => source.classes![r] === c, EXAMPLES_PER_CLASS);

  const missing = minCount - chosen.size;
  const free = [...holdout].filter((r) => !chosen.has(r));
  for (let k = 0; k < missing && k < free.length; k++) chosen.add(free[Math.floor((k * free.length) / missing)]!);
  return [...chosen].sort((a, b) => a - b);
}

/**
 * The instance a client would send for each golden row: the CSV conversion, with missing-value tokens kept
 * on the first few examples that have them (proof that the tokens are read as missing) and sent as null
 * on the rest.
 */
export function goldenInstances(goldenRows: readonly number[], source: GoldenSource): Instance[] {
  let rawKept = 0;
  return goldenRows.map((r) => {
    const instance = { ...source.instances[r]! };
    const tokens = source.features.filter((f) => {
      const v = instance[f.name];
      return typeof v === 'string' && f.missing_values.includes(v);
    });
    if (tokens.length === 0) return instance;
    if (rawKept < RAW_TOKEN_EXAMPLES) {
      rawKept++;
      return instance;
    }
    for (const f of tokens) instance[f.name] = null;
    return instance;
  });
}
