/**
 * The source, in WebAssembly text, of the tree walker that `vigil prepare` assembles into
 * src/inference/compiled/tree-walker.gen.wasm (see src/inference/compiled/ops/tree-walker.ts for how it is used).
 * Workers cannot compile WebAssembly at run time, so the walker is one fixed module for every model: the trees are
 * data in its memory, not code.
 *
 * Each `sum_rows_<feature width>` export is completeLeqLeaves' batch `sum` (ops/tree-ensemble.ts) over the complete
 * layout: for each tree in turn, rows walk down it eight in lockstep (then four, then one), each step
 * `n = 2n + step[t] + !(x[feature[n]] <= threshold[n])`, and each row's sum gains its leaf slot's value in float32
 * (`f32.add` rounds as Math.fround does). A NaN fails `f32.le` and goes false, as in JavaScript. The exports differ
 * only in how a node's feature id is stored: bytes, 16-bit or 32-bit (featureArray).
 *
 * Each `leaves_rows_<feature width>` export is its batch `walk` the same way: each row's leaf of tree t, from the
 * slot's leaf node, to out[t * rows + r].
 *
 * Parameters, all byte addresses or counts: feature, threshold (f32), step (i32 per tree), toLeaf (i32 per tree),
 * slot (per leaf slot: an f32 value for sum_rows, an i32 leaf node for leaves_rows), trees, height, branches (per
 * tree, 2^height − 1), x (f32 rows of `width`), rows, width, and out: for sum_rows f32 per row, the sums so far,
 * updated in place; for leaves_rows i32 per tree and row.
 *
 * `linked_rows` is linkedLeqLeaves' batch walk (deep or lopsided trees, such as random forests): each node's
 * children side by side in `kids` (a leaf is its own child, reading feature 0 against +∞), each tree walked
 * exactly its height from its root, `n = kids[2n + !(x[feature[n]] <= threshold[n])]`, the node reached written
 * to out[t * rows + r]. Parameters: feature (i32), threshold (f32), kids (i32, two per node), roots and heights
 * (i32 per tree), trees, x, rows, width, out.
 */

export type FeatureWidth = 8 | 16 | 32;

export const FEATURE_WIDTHS: readonly FeatureWidth[] = [8, 16, 32];

/** Rows walked in lockstep, widest first; the last must be 1. */
const LANES = [8, 4, 1] as const;

const PARAMS = ['feature', 'threshold', 'step', 'toLeaf', 'slot', 'trees', 'height', 'branches', 'x', 'rows', 'width', 'out'];
const LINKED_PARAMS = ['feature', 'threshold', 'kids', 'roots', 'heights', 'trees', 'x', 'rows', 'width', 'out'];

/**
 * Complete trees: add the leaf slot's value to the row's sum, or write the slot's leaf node. Linked trees: write
 * the node reached.
 */
type Mode = 'sum' | 'leaves' | 'linked';

const get = (name: string) => `(local.get $${name})`;
const add = (a: string, b: string) => `(i32.add ${a} ${b})`;
const shl = (a: string, bits: number) => (bits === 0 ? a : `(i32.shl ${a} (i32.const ${bits}))`);
const int = (n: number) => `(i32.const ${n})`;

function featureLoad(width: FeatureWidth, n: string): string {
  if (width === 8) return `(i32.load8_u ${add(get('feature'), n)})`;
  if (width === 16) return `(i32.load16_u ${add(get('feature'), shl(n, 1))})`;
  return `(i32.load ${add(get('feature'), shl(n, 2))})`;
}

/** One step down the tree for lane `i`: its node `n<i>`, its row's values from byte address `xo<i>`. */
function step(mode: Mode, width: FeatureWidth, i: number): string {
  const n = get(`n${i}`);
  const value = `(f32.load ${add(get(`xo${i}`), shl(featureLoad(width, n), 2))})`;
  const threshold = `(f32.load ${add(get('threshold'), shl(n, 2))})`;
  const goesFalse = `(i32.eqz (f32.le ${value} ${threshold}))`;
  if (mode === 'linked') return `(local.set $n${i} (i32.load ${add(get('kids'), shl(add(shl(n, 1), goesFalse), 2))}))`;
  return `(local.set $n${i} ${add(add(shl(n, 1), get('k')), goesFalse)})`;
}

/**
 * Sum: `out[r + i] += slot[n<i> + leaf]`, in float32. Leaves: `out[t * rows + r + i] = slot[n<i> + leaf]`. Linked:
 * `out[t * rows + r + i] = n<i>`.
 */
function atLeaf(mode: Mode, i: number): string {
  if (mode === 'linked') return `(i32.store ${add(get('written'), shl(add(get('r'), int(i)), 2))} ${get(`n${i}`)})`;
  const slot = add(get('slot'), shl(add(get(`n${i}`), get('leaf')), 2));
  if (mode === 'leaves') return `(i32.store ${add(get('written'), shl(add(get('r'), int(i)), 2))} (i32.load ${slot}))`;
  const at = add(get('out'), shl(add(get('r'), int(i)), 2));
  return `(f32.store ${at} (f32.add (f32.load ${at}) (f32.load ${slot})))`;
}

/** Rows r, r + 1, …, r + lanes − 1 down tree t, while that many rows are left. */
function laneBlock(mode: Mode, width: FeatureWidth, lanes: number): string {
  const lane = Array.from({ length: lanes }, (_, i) => i);
  const rowBytes = shl(get('width'), 2);
  return `
      (block $rows${lanes}_done (loop $rows${lanes}
        (br_if $rows${lanes}_done (i32.gt_u ${add(get('r'), int(lanes))} ${get('rows')}))
        (local.set $xo0 ${add(get('x'), shl(`(i32.mul ${get('r')} ${get('width')})`, 2))})
        ${lane
          .slice(1)
          .map((i) => `(local.set $xo${i} ${add(get(`xo${i - 1}`), rowBytes)})`)
          .join('\n        ')}
        ${lane.map((i) => `(local.set $n${i} ${get('first')})`).join(' ')}
        (local.set $d ${get('levels')})
        (block $levels${lanes}_done (loop $levels${lanes}
          (br_if $levels${lanes}_done (i32.eqz ${get('d')}))
          ${lane.map((i) => step(mode, width, i)).join('\n          ')}
          (local.set $d (i32.sub ${get('d')} ${int(1)}))
          (br $levels${lanes})))
        ${lane.map((i) => atLeaf(mode, i)).join('\n        ')}
        (local.set $r ${add(get('r'), int(lanes))})
        (br $rows${lanes})))`;
}

function walkRows(mode: Mode, width: FeatureWidth): string {
  const lanes = Array.from({ length: LANES[0] }, (_, i) => i);
  const perTree = (array: string) => `(i32.load ${add(get(array), shl(get('t'), 2))})`;
  // Where tree t's walks start, how many levels they go down, and what the steps and leaves need of the tree.
  const tree =
    mode === 'linked'
      ? [`(local.set $first ${perTree('roots')})`, `(local.set $levels ${perTree('heights')})`]
      : [
          `(local.set $first (i32.mul ${get('t')} ${get('branches')}))`,
          `(local.set $levels ${get('height')})`,
          `(local.set $k ${perTree('step')})`,
          `(local.set $leaf ${perTree('toLeaf')})`,
        ];
  // Leaves and linked: tree t's leaves start at out + 4 t rows.
  if (mode !== 'sum') tree.push(`(local.set $written ${add(get('out'), shl(`(i32.mul ${get('t')} ${get('rows')})`, 2))})`);
  const name = mode === 'linked' ? 'linked_rows' : `${mode}_rows_u${width}`;
  return `
  (func $${name} (export "${name}") ${(mode === 'linked' ? LINKED_PARAMS : PARAMS).map((p) => `(param $${p} i32)`).join(' ')}
    (local $t i32) (local $first i32) (local $levels i32) (local $k i32) (local $leaf i32) (local $r i32) (local $d i32)
    (local $written i32)
    ${lanes.map((i) => `(local $n${i} i32) (local $xo${i} i32)`).join(' ')}
    (block $trees_done (loop $trees
      (br_if $trees_done (i32.ge_u ${get('t')} ${get('trees')}))
      ${tree.join('\n      ')}
      (local.set $r ${int(0)})${LANES.map((l) => laneBlock(mode, width, l)).join('')}
      (local.set $t ${add(get('t'), int(1))})
      (br $trees))))`;
}

/** The module's text: one memory (exported, grown by the caller), sum_rows_u8/u16/u32, leaves_rows_… and linked_rows. */
export function treeWalkerWat(): string {
  const functions = (['sum', 'leaves'] as const).flatMap((mode) => FEATURE_WIDTHS.map((width) => walkRows(mode, width)));
  functions.push(walkRows('linked', 32));
  return `;; Generated by cli/lib/tree-walker-wat.ts; see there.
(module
  (memory (export "memory") 1)${functions.join('')})
`;
}

/** The module's bytes, assembled and validated by wabt (the WebAssembly Binary Toolkit's own assembler). */
export async function assembleTreeWalker(): Promise<Uint8Array<ArrayBuffer>> {
  const wabt = await (await import('wabt')).default();
  const module = wabt.parseWat('tree-walker.wat', treeWalkerWat());
  try {
    module.resolveNames();
    module.validate();
    // With the function names, so CPU profiles name the walks (bench/lib/hot-path-categories.ts).
    return new Uint8Array(module.toBinary({ log: false, write_debug_names: true }).buffer); // a copy, not wabt's heap
  } finally {
    module.destroy();
  }
}
