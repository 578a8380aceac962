/**
 * Exact path-dependent TreeSHAP (Lundberg, Erion & Lee 2018, "Consistent Individualized Feature Attribution for
 * Tree Ensembles", Algorithm 2), ported from the `shap` package's `tree_shap.h` (`tree_shap_recursive`,
 * `extend_path`, `unwind_path`, `unwound_path_sum`). For each tree it computes the Shapley values of the game
 * v(S) = E[f(x) | x_S], where a split on a feature outside S sends the expectation down both children in
 * proportion to their cover.
 *
 * Splits are labelled by *player* rather than by input column: when several columns come from one original
 * feature (one-hot, is_null), they share a player, and the result is the Shapley value of that feature itself
 * (not the sum of its columns' values, which differs when one path splits on two of its columns).
 *
 * @example
 * const phi = new Float64Array(forest.players * forest.outputs);
 * treeShap(forest, row, 0, phi); // phi[p·outputs + k]: player p's contribution to output k
 */

export interface ShapForest {
  /** The first node of each tree. */
  readonly roots: Int32Array;
  /** Per node: the player its split reads, −1 for a leaf. */
  readonly player: Int32Array;
  readonly trueChild: Int32Array;
  readonly falseChild: Int32Array;
  /** Per node: the share of its parent's cover that reaches it (a split's two children sum to 1; roots 1). */
  readonly coverShare: Float64Array;
  /** Per leaf, one value per output: leafValues[node·outputs + k] (0 for split nodes). */
  readonly leafValues: Float64Array;
  readonly outputs: number;
  readonly players: number;
  /** Longest root-to-leaf path, in splits. */
  readonly maxDepth: number;
  /** Whether the row at `offset` of `x` follows the true branch of split node `node`. */
  readonly goesTrue: (node: number, x: ArrayLike<number>, offset: number) => boolean;
}

/** The expected value of each output under the cover: Σ leaves of value × the product of shares on its path. */
export function expectedValues(forest: ShapForest): Float64Array {
  const out = new Float64Array(forest.outputs);
  const K = forest.outputs;
  const stack: [number, number][] = [];
  for (const root of forest.roots) {
    stack.push([root, forest.coverShare[root]!]);
    while (stack.length > 0) {
      const [n, weight] = stack.pop()!;
      if (weight === 0) continue;
      if (forest.player[n]! < 0) {
        for (let k = 0; k < K; k++) out[k]! += weight * forest.leafValues[n * K + k]!;
        continue;
      }
      const t = forest.trueChild[n]!;
      const f = forest.falseChild[n]!;
      stack.push([t, weight * forest.coverShare[t]!], [f, weight * forest.coverShare[f]!]);
    }
  }
  return out;
}

/** Reusable scratch space for `treeShap`: the unique-path arrays of every recursion depth. */
export interface TreeShapScratch {
  readonly feature: Int32Array;
  readonly zero: Float64Array;
  readonly one: Float64Array;
  readonly weight: Float64Array;
}

export function treeShapScratch(forest: ShapForest): TreeShapScratch {
  const maxd = forest.maxDepth + 2;
  const size = ((maxd + 1) * (maxd + 2)) / 2 + 1;
  return { feature: new Int32Array(size), zero: new Float64Array(size), one: new Float64Array(size), weight: new Float64Array(size) };
}

/** Adds the contributions of the row at `offset` of `x` to `phi` (players × outputs, row-major). */
export function treeShap(
  forest: ShapForest,
  x: ArrayLike<number>,
  offset: number,
  phi: Float64Array,
  scratch: TreeShapScratch = treeShapScratch(forest),
): void {
  const { player, trueChild, falseChild, coverShare, leafValues, goesTrue } = forest;
  const K = forest.outputs;
  const { feature: pf, zero: pz, one: po, weight: pw } = scratch;

  const unwind = (s: number, depth: number, index: number): void => {
    const one = po[s + index]!;
    const zero = pz[s + index]!;
    let next = pw[s + depth]!;
    for (let i = depth - 1; i >= 0; i--) {
      if (one !== 0) {
        const tmp = pw[s + i]!;
        pw[s + i] = (next * (depth + 1)) / ((i + 1) * one);
        next = tmp - (pw[s + i]! * zero * (depth - i)) / (depth + 1);
      } else {
        pw[s + i] = (pw[s + i]! * (depth + 1)) / (zero * (depth - i));
      }
    }
    for (let i = index; i < depth; i++) {
      pf[s + i] = pf[s + i + 1]!;
      pz[s + i] = pz[s + i + 1]!;
      po[s + i] = po[s + i + 1]!;
    }
  };

  const recurse = (node: number, depth: number, parent: number, zero: number, one: number, feature: number): void => {
    const s = parent + depth + 1;
    for (let i = 0; i <= depth; i++) {
      pf[s + i] = pf[parent + i]!;
      pz[s + i] = pz[parent + i]!;
      po[s + i] = po[parent + i]!;
      pw[s + i] = pw[parent + i]!;
    }
    // extend_path (inlined, as unwound_path_sum below: this is the hot loop)
    pf[s + depth] = feature;
    pz[s + depth] = zero;
    po[s + depth] = one;
    pw[s + depth] = depth === 0 ? 1 : 0;
    for (let i = depth - 1; i >= 0; i--) {
      const w = pw[s + i]!;
      pw[s + i + 1]! += (one * w * (i + 1)) / (depth + 1);
      pw[s + i] = (zero * w * (depth - i)) / (depth + 1);
    }
    const split = player[node]!;
    if (split < 0) {
      const at = node * K;
      const last = pw[s + depth]!;
      for (let e = 1; e <= depth; e++) {
        // unwound_path_sum
        const eOne = po[s + e]!;
        const eZero = pz[s + e]!;
        let total = 0;
        if (eOne !== 0) {
          let next = last;
          for (let i = depth - 1; i >= 0; i--) {
            const tmp = next / ((i + 1) * eOne);
            total += tmp;
            next = pw[s + i]! - tmp * eZero * (depth - i);
          }
        } else {
          for (let i = depth - 1; i >= 0; i--) total += pw[s + i]! / (eZero * (depth - i));
        }
        const scale = total * (depth + 1) * (eOne - eZero);
        const to = pf[s + e]! * K;
        for (let k = 0; k < K; k++) phi[to + k]! += scale * leafValues[at + k]!;
      }
      return;
    }
    const toTrue = goesTrue(node, x, offset);
    const hot = toTrue ? trueChild[node]! : falseChild[node]!;
    const cold = toTrue ? falseChild[node]! : trueChild[node]!;
    let incomingZero = 1;
    let incomingOne = 1;
    let index = 0;
    while (index <= depth && pf[s + index] !== split) index++;
    if (index <= depth) {
      incomingZero = pz[s + index]!;
      incomingOne = po[s + index]!;
      unwind(s, depth, index);
      depth -= 1;
    }
    // A child no cover reaches and x does not follow adds nothing (and would divide by zero when unwound).
    const hotZero = coverShare[hot]! * incomingZero;
    if (hotZero !== 0 || incomingOne !== 0) recurse(hot, depth + 1, s, hotZero, incomingOne, split);
    const coldZero = coverShare[cold]! * incomingZero;
    if (coldZero !== 0) recurse(cold, depth + 1, s, coldZero, 0, split);
  };

  pf[0] = -1;
  pz[0] = 1;
  po[0] = 1;
  pw[0] = 1;
  for (const root of forest.roots) recurse(root, 0, 0, 1, 1, -1);
}
