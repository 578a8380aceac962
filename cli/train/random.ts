/**
 * Seeded pseudo-random numbers for training (mulberry32): the same seed gives the same split, subsamples
 * and therefore the same model bytes on every machine.
 *
 * @example
 * const random = mulberry32(42);
 * const order = shuffledIndexes(10, random); // a fixed permutation of 0..9 for seed 42
 */

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A Fisher–Yates shuffle of 0..n-1. */
export function shuffledIndexes(n: number, random: Random): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}
