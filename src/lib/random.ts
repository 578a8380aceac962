/**
 * Seeded pseudo-random numbers (mulberry32, with splitmix32 to derive independent streams): the same seed gives
 * the same training split and model bytes, the same QA parity probes and the same explanations on every machine.
 *
 * @example
 * const random = mulberry32(deriveSeed(42, instanceIndex));
 * const order = shuffledIndexes(10, random); // a fixed permutation of 0..9
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

/** A seed for stream `stream` of `seed` (splitmix32 of both), so streams do not overlap in practice. */
export function deriveSeed(seed: number, stream: number): number {
  let z = (Math.imul(seed >>> 0, 0x9e3779b9) + Math.imul((stream >>> 0) + 1, 0x85ebca6b)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97) >>> 0;
  return (z ^ (z >>> 15)) >>> 0;
}

/** An integer in [0, n). */
export function randomIndex(random: Random, n: number): number {
  return Math.min(n - 1, Math.floor(random() * n));
}

/** Fisher–Yates shuffle of `order` in place. */
export function shuffle(order: Int32Array | Uint32Array, random: Random): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = randomIndex(random, i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
}

/** A Fisher–Yates shuffle of 0..n-1. */
export function shuffledIndexes(n: number, random: Random): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  shuffle(order, random);
  return order;
}
