/**
 * A tree image: the arrays compileTreeEnsemble reads from a model's tree attributes (TreeArrays), stored by the
 * build for a bundled model's bytes so that a cold isolate takes them as typed-array views instead of reading
 * and checking tens of thousands of nodes (most of a compiled cold start). An image names the sha256 of the
 * bytes it was made from; CompiledRuntime uses it only for those bytes, and anything it cannot read in full is
 * ignored (the model then compiles from its bytes, as without an image).
 *
 * Layout (little-endian): "VGTI", the format version, the artifact's sha256 (64 hex characters), the number of
 * ensembles; then per ensemble a 32-byte header (node index in the graph, nodes, trees, weights, max feature id,
 * weight ids as written, three flags) and its arrays, each from an 8-byte boundary.
 *
 * @example
 * const trees = new Map<number, TreeArrays>();
 * compileOnnx(bytes, trees); // fills `trees`
 * const image = encodeTreeImage(sha256, trees);
 * const read = readTreeImage(image); // { ok: true, sha256, trees }
 */
import type { TreeArrays } from './ops/tree-ensemble.ts';

/** Bump whenever TreeArrays, or what compileTreeEnsemble puts in them, changes meaning. */
export const TREE_IMAGE_VERSION = 1;
const MAGIC = 0x49544756; // "VGTI" read as a little-endian u32
const HEADER = 80;
const ENSEMBLE_HEADER = 32;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export type TreeImageResult = { ok: true; sha256: string; trees: Map<number, TreeArrays> } | { ok: false; reason: string };

type ArrayKind = 'i32' | 'f64' | 'u8';
type ArrayName = {
  [K in keyof TreeArrays]: TreeArrays[K] extends Int32Array | Float64Array | Uint8Array ? K : never;
}[keyof TreeArrays];
type Length = 'nodes' | 'trees' | 'weights';

/** The arrays in the order they are stored, with their element type and length. */
const ARRAYS: readonly (readonly [ArrayName, ArrayKind, Length])[] = [
  ['featureIds', 'i32', 'nodes'],
  ['thresholds', 'f64', 'nodes'],
  ['modes', 'u8', 'nodes'],
  ['trueChild', 'i32', 'nodes'],
  ['falseChild', 'i32', 'nodes'],
  ['missingTracksTrue', 'u8', 'nodes'],
  ['roots', 'i32', 'trees'],
  ['leafFirstWeight', 'i32', 'nodes'],
  ['leafWeightCount', 'i32', 'nodes'],
  ['weightTargets', 'i32', 'weights'],
  ['weightValues', 'f64', 'weights'],
  ['leafValues', 'f64', 'nodes'],
];

const WIDTH: Record<ArrayKind, number> = { i32: 4, f64: 8, u8: 1 };
const align8 = (n: number) => (n + 7) & ~7;

function counts(a: TreeArrays): Record<Length, number> {
  return { nodes: a.featureIds.length, trees: a.roots.length, weights: a.weightValues.length };
}

export function encodeTreeImage(sha256: string, trees: ReadonlyMap<number, TreeArrays>): Uint8Array {
  if (!LITTLE_ENDIAN) throw new Error('tree images are written on little-endian machines only');
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
  const entries = [...trees].sort((a, b) => a[0] - b[0]);
  let size = HEADER;
  for (const [, a] of entries) {
    const n = counts(a);
    size += ENSEMBLE_HEADER;
    for (const [name, kind, length] of ARRAYS) {
      if (a[name].length !== n[length]) throw new Error(`${name} has ${a[name].length} values, expected ${n[length]}`);
      size = align8(size + n[length] * WIDTH[kind]);
    }
  }
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, TREE_IMAGE_VERSION, true);
  out.set(new TextEncoder().encode(sha256), 8);
  view.setUint32(72, entries.length, true);
  let at = HEADER;
  for (const [index, a] of entries) {
    const n = counts(a);
    view.setUint32(at, index, true);
    view.setUint32(at + 4, n.nodes, true);
    view.setUint32(at + 8, n.trees, true);
    view.setUint32(at + 12, n.weights, true);
    view.setInt32(at + 16, a.maxFeatureId, true);
    view.setUint32(at + 20, a.weightIdCount, true);
    out[at + 24] = a.oneWeightId ? 1 : 0;
    out[at + 25] = a.noNegativeWeight ? 1 : 0;
    out[at + 26] = a.onlyLeq ? 1 : 0;
    at += ENSEMBLE_HEADER;
    for (const [name] of ARRAYS) {
      const values = a[name];
      out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), at);
      at = align8(at + values.byteLength);
    }
  }
  return out;
}

/** The image's arrays as views of its bytes (copied once when they do not start on an 8-byte boundary). */
export function readTreeImage(image: ArrayBuffer | Uint8Array): TreeImageResult {
  if (!LITTLE_ENDIAN) return { ok: false, reason: 'tree images are read on little-endian machines only' };
  let bytes = image instanceof Uint8Array ? image : new Uint8Array(image);
  if (bytes.byteOffset % 8 !== 0) bytes = bytes.slice();
  if (bytes.length < HEADER) return { ok: false, reason: `${bytes.length} bytes are too few for a tree image` };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) return { ok: false, reason: 'not a tree image' };
  const version = view.getUint32(4, true);
  if (version !== TREE_IMAGE_VERSION) return { ok: false, reason: `tree image version ${version}, this build reads ${TREE_IMAGE_VERSION}` };
  const sha256 = new TextDecoder().decode(bytes.subarray(8, 72));
  const count = view.getUint32(72, true);
  const trees = new Map<number, TreeArrays>();
  let at = HEADER;
  for (let e = 0; e < count; e++) {
    if (at + ENSEMBLE_HEADER > bytes.length) return { ok: false, reason: `ensemble ${e} runs past the end of the image` };
    const index = view.getUint32(at, true);
    const n: Record<Length, number> = {
      nodes: view.getUint32(at + 4, true),
      trees: view.getUint32(at + 8, true),
      weights: view.getUint32(at + 12, true),
    };
    const facts = {
      maxFeatureId: view.getInt32(at + 16, true),
      weightIdCount: view.getUint32(at + 20, true),
      oneWeightId: bytes[at + 24] === 1,
      noNegativeWeight: bytes[at + 25] === 1,
      onlyLeq: bytes[at + 26] === 1,
    };
    at += ENSEMBLE_HEADER;
    const arrays: Partial<Record<ArrayName, Int32Array | Float64Array | Uint8Array>> = {};
    for (const [name, kind, length] of ARRAYS) {
      const size = n[length] * WIDTH[kind];
      if (at + size > bytes.length) return { ok: false, reason: `ensemble ${e}'s ${name} runs past the end of the image` };
      const offset = bytes.byteOffset + at;
      arrays[name] =
        kind === 'i32'
          ? new Int32Array(bytes.buffer, offset, n[length])
          : kind === 'f64'
            ? new Float64Array(bytes.buffer, offset, n[length])
            : new Uint8Array(bytes.buffer, offset, n[length]);
      at = align8(at + size);
    }
    trees.set(index, { ...(arrays as unknown as Pick<TreeArrays, ArrayName>), ...facts });
  }
  if (at !== bytes.length) return { ok: false, reason: `${bytes.length - at} bytes follow the last ensemble` };
  return { ok: true, sha256, trees };
}
