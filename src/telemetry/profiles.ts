/**
 * Feature profiles: per model version and time bucket, mergeable aggregates of every feature (count, nulls,
 * invalid values, sum, sum of squares, min, max, counts per training decile bin or per category), of the
 * predictions (`__prediction__`: value or positive-class probability; `__label__`: predicted label) and of the
 * instances themselves (`__instances__`: served, and rejected as `invalid`; `__errors__`: failed). They cover
 * 100 % of traffic: every served instance is counted once in `__instances__`.count.
 *
 * Aggregates merge by addition (min/max by min/max), so any number of isolates can flush into one bucket.
 */
import { binIndex } from '../model/binning.ts';
import type { Row } from '../model/instance-validator.ts';
import type { Manifest } from '../model/manifest.ts';
import type { ProfileRecord } from './records.ts';

export const PREDICTION_FEATURE = '__prediction__';
export const LABEL_FEATURE = '__label__';
export const INSTANCES_FEATURE = '__instances__';
/** Instances a version failed on (model errors, not client mistakes): `count`. */
export const ERRORS_FEATURE = '__errors__';
export const DEFAULT_BUCKET_MS = 60_000;

/** What a feature's profile counts, in the isolate and summed over a window by the checks. */
export interface ProfileMoments {
  /** Instances seen, nulls among them, and values refused by validation (rejected requests). */
  count: number;
  nulls: number;
  invalid: number;
  /** Of the numeric values: sum, sum of squares, extremes (null when none, and always for PII numbers). */
  sum: number;
  sumSq: number;
  min: number | null;
  max: number | null;
}

export interface Aggregate extends ProfileMoments {
  bins: Map<string, number>;
  /** Counts per numeric bin index, kept as an array on the hot path and folded into `bins` when drained. */
  binCounts?: number[];
}

export function emptyAggregate(): Aggregate {
  return { count: 0, nulls: 0, invalid: 0, sum: 0, sumSq: 0, min: null, max: null, bins: new Map() };
}

/** The aggregate's bins, numeric bin counts included, as one map of bin label to count. */
export function allBins(a: Aggregate): Map<string, number> {
  if (!a.binCounts) return a.bins;
  const bins = new Map(a.bins);
  a.binCounts.forEach((n, i) => {
    if (n > 0) bins.set(String(i), (bins.get(String(i)) ?? 0) + n);
  });
  return bins;
}

/** Adds `b` into `a` (the merge D1's upsert performs). */
export function mergeAggregate(a: Aggregate, b: Aggregate): Aggregate {
  a.count += b.count;
  a.nulls += b.nulls;
  a.invalid += b.invalid;
  a.sum += b.sum;
  a.sumSq += b.sumSq;
  a.min = a.min === null ? b.min : b.min === null ? a.min : Math.min(a.min, b.min);
  a.max = a.max === null ? b.max : b.max === null ? a.max : Math.max(a.max, b.max);
  const merged = allBins(a);
  for (const [bin, n] of allBins(b)) merged.set(bin, (merged.get(bin) ?? 0) + n);
  a.bins = merged;
  delete a.binCounts;
  return a;
}

function countBin(a: Aggregate, bin: number, bins: number): void {
  const counts = (a.binCounts ??= new Array<number>(bins).fill(0));
  counts[bin]! += 1;
}

function addNumber(a: Aggregate, v: number, bin: number, bins: number): void {
  a.count++;
  a.sum += v;
  a.sumSq += v * v;
  a.min = a.min === null || v < a.min ? v : a.min;
  a.max = a.max === null || v > a.max ? v : a.max;
  countBin(a, bin, bins);
}

function addCategory(a: Aggregate, bin: string): void {
  a.count++;
  a.bins.set(bin, (a.bins.get(bin) ?? 0) + 1);
}

type FeatureProfiler = (a: Aggregate, value: Row[number]) => void;

/** How a version's instances are counted into profiles, compiled from its manifest once (ServedModel.profiler). */
export interface CompiledProfiler {
  names: string[];
  profilers: FeatureProfiler[];
  predictionEdges: readonly number[];
  classification: boolean;
}

export function compileProfiler(manifest: Pick<Manifest, 'features' | 'output' | 'task'>): CompiledProfiler {
  const profilers = manifest.features.map((f): FeatureProfiler => {
    if ('bin_edges' in f.training && f.pii) {
      // A PII number keeps only its bin counts: no sum, min or max that could reveal one person's value.
      const edges = f.training.bin_edges;
      return (a, v) => {
        a.count++;
        if (v === null) a.nulls++;
        else countBin(a, binIndex(edges, v as number), edges.length + 1);
      };
    }
    if ('bin_edges' in f.training) {
      const edges = f.training.bin_edges;
      return (a, v) => {
        if (v === null) {
          a.count++;
          a.nulls++;
        } else addNumber(a, v as number, binIndex(edges, v as number), edges.length + 1);
      };
    }
    // Categories of PII features are stored by their position in the manifest, never as the raw value.
    const position = f.pii ? new Map((f.categories ?? []).map((cat, i) => [cat, `#${i}`])) : null;
    return (a, v) => {
      if (v === null) {
        a.count++;
        a.nulls++;
      } else addCategory(a, position ? (position.get(String(v)) ?? '#?') : String(v));
    };
  });
  return {
    names: manifest.features.map((f) => f.name),
    profilers,
    predictionEdges: manifest.output.training.bin_edges,
    classification: manifest.task !== 'regression',
  };
}

export class ProfileAccumulator {
  readonly #bucketMs: number;
  /** `model\0version\0bucket` -> feature -> aggregate */
  #buckets = new Map<string, Map<string, Aggregate>>();

  constructor(bucketMs = DEFAULT_BUCKET_MS) {
    this.#bucketMs = bucketMs;
  }

  /** Buckets waiting for the next flush. */
  get size(): number {
    return this.#buckets.size;
  }

  #aggregates(model: string, version: string, at: number): Map<string, Aggregate> {
    const bucket = Math.floor(at / this.#bucketMs) * this.#bucketMs;
    const key = `${model}\u0000${version}\u0000${bucket}`;
    let features = this.#buckets.get(key);
    if (!features) this.#buckets.set(key, (features = new Map()));
    return features;
  }

  static #get(features: Map<string, Aggregate>, name: string): Aggregate {
    let a = features.get(name);
    if (!a) features.set(name, (a = emptyAggregate()));
    return a;
  }

  /** Counts served instances: their features, scores and (for classifiers) predicted labels. */
  observe(
    model: string,
    version: string,
    c: CompiledProfiler,
    rows: readonly Row[],
    scores: readonly number[],
    labels: readonly (string | null)[],
    at: number,
  ): void {
    const features = this.#aggregates(model, version, at);
    for (let f = 0; f < c.names.length; f++) {
      const a = ProfileAccumulator.#get(features, c.names[f]!);
      const profile = c.profilers[f]!;
      for (const row of rows) profile(a, row[f] ?? null);
    }
    const prediction = ProfileAccumulator.#get(features, PREDICTION_FEATURE);
    for (const s of scores) addNumber(prediction, s, binIndex(c.predictionEdges, s), c.predictionEdges.length + 1);
    if (c.classification) {
      const label = ProfileAccumulator.#get(features, LABEL_FEATURE);
      for (const l of labels) if (l !== null) addCategory(label, l);
    }
    ProfileAccumulator.#get(features, INSTANCES_FEATURE).count += rows.length;
  }

  /** Counts a rejected request: its instances as invalid, and each invalid value under its feature. */
  observeRejected(
    model: string,
    version: string,
    manifest: Pick<Manifest, 'features'>,
    invalidByField: ReadonlyMap<string, number>,
    rejectedInstances: number,
    at: number,
  ): void {
    const features = this.#aggregates(model, version, at);
    for (const f of manifest.features) {
      const invalid = invalidByField.get(f.name);
      if (invalid) ProfileAccumulator.#get(features, f.name).invalid += invalid;
    }
    ProfileAccumulator.#get(features, INSTANCES_FEATURE).invalid += rejectedInstances;
  }

  /** Counts instances the version failed to predict (a server-side fault). */
  observeFailed(model: string, version: string, instances: number, at: number): void {
    ProfileAccumulator.#get(this.#aggregates(model, version, at), ERRORS_FEATURE).count += instances;
  }

  get isEmpty(): boolean {
    return this.#buckets.size === 0;
  }

  /** Everything accumulated so far, as records; the accumulator starts empty again. */
  drain(): ProfileRecord[] {
    const records: ProfileRecord[] = [];
    for (const [key, features] of this.#buckets) {
      const [model, version, bucket] = key.split('\u0000') as [string, string, string];
      for (const [feature, a] of features) {
        records.push({
          kind: 'profile',
          model,
          version,
          bucket: Number(bucket),
          bucket_ms: this.#bucketMs,
          feature,
          count: a.count,
          nulls: a.nulls,
          invalid: a.invalid,
          sum: a.sum,
          sum_sq: a.sumSq,
          min: a.min,
          max: a.max,
          bins: Object.fromEntries(allBins(a)),
        });
      }
    }
    this.#buckets = new Map();
    return records;
  }
}
