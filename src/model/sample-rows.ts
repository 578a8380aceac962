/**
 * Rows drawn from a manifest's training statistics, each feature independently from its training marginal: the
 * QA gate's parity probes of the compiled evaluator, and the background rows explanations compare with. Seeded,
 * so the same manifest and seed give the same rows.
 *
 * @example
 * const probes = sampleRows(manifest, 1000, 42); // Row[] in manifest feature order
 * const background = drawBackgroundRows(manifest.features, 1000, mulberry32(1));
 */
import { mulberry32, randomIndex, type Random } from '../lib/random.ts';
import type { Row } from './instance-validator.ts';
import type { CategoricalDistribution, Feature, FeatureValue, NumericDistribution } from './manifest.ts';

/** What drawing needs of a feature. */
export type BackgroundFeature = Pick<Feature, 'name' | 'type' | 'required' | 'nullable' | 'min' | 'max' | 'categories' | 'training'>;

/**
 * `count` rows, each feature drawn independently from its training distribution: null at its null rate (where
 * the schema allows null), a category by its frequency, a number within a decile bin chosen by the bin's
 * frequency (see `positionInBin`; integers among the integers of the bin), clamped to the schema's min/max.
 */
export function drawBackgroundRows(features: readonly BackgroundFeature[], count: number, random: Random): Row[] {
  const draws = features.map(featureSampler);
  const rows: Row[] = new Array(count);
  for (let r = 0; r < count; r++) rows[r] = draws.map((draw) => draw(random));
  return rows;
}

type Sampler = (random: Random) => FeatureValue;

function featureSampler(f: BackgroundFeature): Sampler {
  const nullRate = f.nullable || !f.required ? f.training.null_rate : 0;
  const value = 'bin_edges' in f.training ? numericSampler(f, f.training) : categorySampler(f, f.training);
  return nullRate > 0 ? (random) => (random() < nullRate ? null : value(random)) : value;
}

function categorySampler(f: BackgroundFeature, stats: CategoricalDistribution): Sampler {
  const values: FeatureValue[] = f.type === 'boolean' ? [true, false] : [...(f.categories ?? [])];
  const weights = values.map((v) => stats.category_frequencies[String(v)] ?? 0);
  const pick = weightedPicker(weights);
  return (random) => values[pick(random)] ?? null;
}

function numericSampler(f: BackgroundFeature, stats: NumericDistribution): Sampler {
  const clamp = (v: number) => Math.min(f.max ?? Infinity, Math.max(f.min ?? -Infinity, v));
  const bins = stats.bin_edges.length + 1;
  if (stats.count === 0 || stats.bin_frequencies.length !== bins || stats.bin_frequencies.every((w) => !(w > 0))) {
    return () => clamp(f.type === 'integer' ? Math.round(stats.mean) : stats.mean);
  }
  // Bin i holds (edges[i-1], edges[i]]; the first bin starts at the minimum, the last ends at the maximum.
  const lower = (i: number) => (i === 0 ? stats.min : stats.bin_edges[i - 1]!);
  const upper = (i: number) => (i === bins - 1 ? stats.max : stats.bin_edges[i]!);
  const integer = f.type === 'integer';
  const ranges: BinRange[] = Array.from({ length: bins }, (_, i) => {
    if (!integer) return { start: lower(i), span: upper(i) - lower(i) };
    const low = i === 0 ? Math.ceil(lower(i)) : Math.floor(lower(i)) + 1;
    const count = Math.floor(upper(i)) - low + 1;
    // Integers low … low + count − 1, as the continuous range [low − ½, low + count − ½] they round from.
    return count > 0 ? { start: low - 0.5, span: count } : { start: Math.round(upper(i)), span: 0 };
  });
  const position = positionInBin(stats, ranges);
  const pick = weightedPicker(stats.bin_frequencies);
  return (random) => {
    const i = pick(random);
    const { start, span } = ranges[i]!;
    const t = position(i, random);
    if (!integer) return clamp(start + t * span);
    return clamp(span === 0 ? start : start + 0.5 + Math.min(span - 1, Math.floor(t * span)));
  };
}

interface BinRange {
  start: number;
  span: number;
}

/**
 * Where in its bin a value falls, in [0, 1): uniform in interior bins; in the outer bins (down to the minimum,
 * up to the maximum) skewed toward the interior just enough for the drawn mean to match the training mean, since
 * a long tail (incomes, room counts) drawn uniformly up to its maximum would inflate it.
 */
function positionInBin(stats: NumericDistribution, ranges: readonly BinRange[]): (i: number, random: Random) => number {
  const p = stats.bin_frequencies;
  const total = p.reduce((s, w) => s + w, 0);
  const last = ranges.length - 1;
  const first = ranges[0]!;
  if (last === 0) {
    // One bin: a power of u toward whichever end the mean sits closer to.
    const q = first.span > 0 ? Math.min(Math.max((stats.mean - first.start) / first.span, 0.001), 0.999) : 0.5;
    const k = q <= 0.5 ? 1 / q - 1 : 1 / (1 - q) - 1;
    return (_i, random) => (q <= 0.5 ? random() ** k : 1 - random() ** k);
  }
  // The mean with uniform bins, and the outer bins' means as shares of their spans from their inner edges.
  let uniformMean = 0;
  ranges.forEach((r, i) => (uniformMean += (p[i]! / total) * (r.start + r.span / 2)));
  const gap = stats.mean - uniformMean;
  const lowMass = (p[0]! / total) * first.span;
  const highMass = (p[last]! / total) * ranges[last]!.span;
  const lowShare = gap > 0 && lowMass > 0 ? Math.max(0.5 - gap / lowMass, 0.001) : 0.5;
  const highShare = gap < 0 && highMass > 0 ? Math.max(0.5 + gap / highMass, 0.001) : 0.5;
  // E[u^k] = 1/(k + 1): the power that puts the outer bin's mean at that share of its span.
  const lowPower = 1 / lowShare - 1;
  const highPower = 1 / highShare - 1;
  return (i, random) => (i === 0 ? 1 - random() ** lowPower : i === last ? random() ** highPower : random());
}

/** Index i with probability weights[i] / Σ weights (uniform when no weight is positive). */
function weightedPicker(weights: readonly number[]): (random: Random) => number {
  const cumulative: number[] = [];
  let total = 0;
  for (const w of weights) {
    total += w > 0 ? w : 0;
    cumulative.push(total);
  }
  const n = weights.length;
  if (!(total > 0)) return (random) => randomIndex(random, Math.max(n, 1));
  return (random) => {
    const u = random() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (u < cumulative[mid]!) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}

/** `count` rows drawn from the training statistics of `manifest`'s features with seed `seed`. */
export function sampleRows(manifest: { features: readonly BackgroundFeature[] }, count: number, seed: number): Row[] {
  return drawBackgroundRows(manifest.features, count, mulberry32(seed));
}
