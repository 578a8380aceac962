import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { attr, FLOAT, INT64, node, tensorInfo } from '../../../cli/onnx/proto.ts';
import { compileOnnx } from '../../../src/inference/compiled/compile-onnx.ts';
import { CompiledRuntime } from '../../../src/inference/compiled/compiled-runtime.ts';
import { readOnnxModel } from '../../../src/inference/compiled/onnx-reader.ts';
import type { TreeArrays } from '../../../src/inference/compiled/ops/tree-ensemble.ts';
import { encodeTreeImage, readTreeImage, TREE_IMAGE_VERSION } from '../../../src/inference/compiled/tree-image.ts';
import type { ModelSession } from '../../../src/inference/model-runtime.ts';
import type { Tensor } from '../../../src/model/tensor.ts';
import { awkwardFloat, compiled, expectSameOutputs, graph, ML, prng } from './parity.ts';
import { ALL_MODES, randomTrees, thresholdPool } from './random-trees.ts';

const MODELS = new URL('../../../models/', import.meta.url);
const FEATURES = 6;
const EXACT = { abs: 0, rel: 0 };

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function bundled(id: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`${id}/model.onnx`, MODELS)));
}

/** A random regressor or classifier with every node mode, NaN tracking and nodes listed out of order. */
function randomEnsemble(kind: 'regressor' | 'binary' | 'multiclass', seed: number): Uint8Array {
  const random = prng(seed);
  const thresholds = thresholdPool(random, 12);
  const classes = kind === 'multiclass' ? [0, 1, 2] : [0, 1];
  const t = randomTrees(random, {
    trees: 30,
    maxDepth: 5,
    features: FEATURES,
    modes: ALL_MODES,
    weightTargets: kind === 'regressor' ? [0, 1] : kind === 'binary' ? [1] : classes,
    weightsPerLeaf: kind === 'binary' ? 1 : 2,
    positiveWeights: false,
    missingTracks: true,
    thresholds,
    shuffled: seed % 2 === 0,
  });
  if (kind === 'regressor')
    return graph({
      inputs: [tensorInfo('x', FLOAT, ['N', FEATURES])],
      outputs: [tensorInfo('y', FLOAT, ['N', 2])],
      nodes: [
        node('TreeEnsembleRegressor', ['x'], ['y'], {
          ...ML,
          attributes: [...t.nodes, ...t.weights('target'), attr.int('n_targets', 2), attr.floats('base_values', [0.5, -1])],
        }),
      ],
    });
  return graph({
    inputs: [tensorInfo('x', FLOAT, ['N', FEATURES])],
    outputs: [tensorInfo('label', INT64, ['N']), tensorInfo('scores', FLOAT, ['N', classes.length])],
    nodes: [
      node('TreeEnsembleClassifier', ['x'], ['label', 'scores'], {
        ...ML,
        attributes: [
          ...t.nodes,
          ...t.weights('class'),
          attr.ints('classlabels_int64s', classes),
          attr.string('post_transform', kind === 'binary' ? 'LOGISTIC' : 'SOFTMAX'),
        ],
      }),
    ],
  });
}

const GRAPHS: [string, () => Uint8Array][] = [
  ['california-housing v2 (300 trees, regressor)', () => bundled('california-housing/2')],
  ['adult-income v2 (binary GBDT classifier)', () => bundled('adult-income/2')],
  ['random regressor, 2 targets, every mode', () => randomEnsemble('regressor', 1)],
  ['random regressor, nodes out of order', () => randomEnsemble('regressor', 2)],
  ['random binary classifier with negative weights', () => randomEnsemble('binary', 3)],
  ['random 3-class classifier', () => randomEnsemble('multiclass', 4)],
];

/** Rows for every input of `session`: awkward floats (NaNs, exact thresholds) in batches of 1, 3 and 200. */
function feedsFor(session: ModelSession, seed: number): Record<string, Tensor>[] {
  const random = prng(seed);
  return [1, 3, 200].map((rows) =>
    Object.fromEntries(
      session.inputs.map((i) => {
        const width = i.dims?.[1] as number;
        return [
          i.name,
          { dtype: 'float32', data: Float32Array.from({ length: rows * width }, () => awkwardFloat(random, 8)), dims: [rows, width] },
        ];
      }),
    ),
  );
}

async function expectSameSessions(label: string, expected: ModelSession, actual: ModelSession): Promise<void> {
  const names = expected.outputs.map((o) => o.name);
  for (const feeds of feedsFor(expected, label.length)) {
    expectSameOutputs(label, await expected.run(feeds, names), await actual.run(feeds, names), EXACT);
  }
}

function treesOf(bytes: Uint8Array): Map<number, TreeArrays> {
  const trees = new Map<number, TreeArrays>();
  const result = compileOnnx(bytes, trees);
  expect(result.ok).toBe(true);
  return trees;
}

describe('tree images', () => {
  it.each(GRAPHS)('%s: the image holds the arrays the attributes give, and a session from it computes the same', async (label, make) => {
    const bytes = make();
    const trees = treesOf(bytes);
    expect(trees.size).toBe(1);
    const image = encodeTreeImage(sha256(bytes), trees);
    const read = readTreeImage(image);
    if (!read.ok) throw new Error(read.reason);
    expect(read.sha256).toBe(sha256(bytes));
    expect([...read.trees.keys()]).toEqual([...trees.keys()]);
    for (const [index, arrays] of trees) expect(read.trees.get(index)).toEqual(arrays);

    const fromImage = await new CompiledRuntime([image]).createSession(bytes, sha256(bytes));
    await expectSameSessions(label, compiled(bytes), fromImage);
  });

  it('is what the session evaluates: leaf values changed in the image change every prediction', async () => {
    const bytes = bundled('california-housing/2');
    const [[index, arrays]] = [...treesOf(bytes)] as [[number, TreeArrays]];
    const shifted: TreeArrays = {
      ...arrays,
      leafValues: arrays.leafValues.map((v) => v + 1),
      weightValues: arrays.weightValues.map((v) => v + 1),
    };
    const image = encodeTreeImage(sha256(bytes), new Map([[index, shifted]]));
    const session = await new CompiledRuntime([image]).createSession(bytes, sha256(bytes));
    const [feeds] = feedsFor(session, 7).slice(2);
    const want = (await compiled(bytes).run(feeds!, ['variable'])).variable!.data as Float32Array;
    const got = (await session.run(feeds!, ['variable'])).variable!.data as Float32Array;
    // One more per tree on every row: 300 trees.
    for (let r = 0; r < want.length; r++) expect(got[r]! - want[r]!).toBeCloseTo(arrays.roots.length, 1);
  });

  it('is ignored for other bytes, and when it is not a whole image of this version: the model compiles from its bytes', async () => {
    const bytes = bundled('california-housing/2');
    const trees = treesOf(bytes);
    const shifted = new Map([...trees].map(([i, a]) => [i, { ...a, leafValues: a.leafValues.map((v) => v + 1) }]));
    const reference = compiled(bytes);
    const other = encodeTreeImage(sha256(bundled('adult-income/2')), shifted);
    const good = encodeTreeImage(sha256(bytes), shifted);
    const wrongVersion = good.slice();
    new DataView(wrongVersion.buffer).setUint32(4, TREE_IMAGE_VERSION + 1, true);
    const cut = good.slice(0, good.length - 8);
    const notAnImage = good.slice();
    notAnImage[0] = 0;

    expect(readTreeImage(wrongVersion)).toEqual({
      ok: false,
      reason: `tree image version ${TREE_IMAGE_VERSION + 1}, this build reads ${TREE_IMAGE_VERSION}`,
    });
    expect(readTreeImage(cut)).toMatchObject({ ok: false, reason: expect.stringMatching(/runs past the end/) });
    expect(readTreeImage(notAnImage)).toEqual({ ok: false, reason: 'not a tree image' });
    expect(readTreeImage(new Uint8Array(10))).toMatchObject({ ok: false, reason: expect.stringMatching(/too few/) });
    for (const image of [other, wrongVersion, cut, notAnImage]) {
      const session = await new CompiledRuntime([image]).createSession(bytes, sha256(bytes));
      await expectSameSessions('california-housing v2, image ignored', reference, session);
    }
    // Without the bytes' sha256, no image applies either.
    await expectSameSessions('california-housing v2, no sha256', reference, await new CompiledRuntime([good]).createSession(bytes));
  });

  it('reads an image that does not start on an 8-byte boundary (a copy), and refuses one with bytes after its last ensemble', () => {
    const bytes = bundled('adult-income/2');
    const trees = treesOf(bytes);
    const image = encodeTreeImage(sha256(bytes), trees);
    const shiftedStart = new Uint8Array(image.length + 3);
    shiftedStart.set(image, 3);
    const read = readTreeImage(shiftedStart.subarray(3));
    if (!read.ok) throw new Error(read.reason);
    expect(read.trees.get(0)).toEqual(trees.get(0));
    const longer = new Uint8Array(image.length + 8);
    longer.set(image);
    expect(readTreeImage(longer)).toEqual({ ok: false, reason: '8 bytes follow the last ensemble' });
  });
});

describe('lazily read attributes', () => {
  it.each(GRAPHS)('%s: read on first use, they hold what an eager read gives', (_label, make) => {
    const bytes = make();
    const eager = readOnnxModel(bytes);
    const lazy = readOnnxModel(bytes, { lazyAttributes: true });
    if (!eager.ok || !lazy.ok) throw new Error('unreadable model');
    const fields = ['name', 'type', 'f', 'i', 's', 't', 'g', 'floats', 'ints', 'tensors', 'graphs'] as const;
    const nodes = eager.model.graph!.node;
    expect(lazy.model.graph!.node.length).toBe(nodes.length);
    nodes.forEach((n, i) => {
      const other = lazy.model.graph!.node[i]!;
      expect(other.attribute.map((a) => a.name)).toEqual(n.attribute.map((a) => a.name));
      n.attribute.forEach((a, k) => {
        const b = other.attribute[k]!;
        for (const field of fields) expect(b[field], `${a.name}.${field}`).toEqual(a[field]);
        expect(b.strings.strings()).toEqual(a.strings.strings());
      });
    });
  });
});
