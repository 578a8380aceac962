import { afterAll, describe, expect, it } from 'vitest';
import { attr, DOUBLE, FLOAT, INT32, INT64, int64Tensor, node, STRING, tensorInfo } from '../../../cli/onnx/proto.ts';
import { compileOnnx } from '../../../src/inference/compiled/compile-onnx.ts';
import type { Tensor } from '../../../src/model/tensor.ts';
import { awkwardFloat, compiled, expectParity, expectParityOnDraws, graph, ML, ort, pick, printParityReport, prng } from './parity.ts';

afterAll(printParityReport);

const ROWS = 1000;
const ELEMENT = { float32: FLOAT, float64: DOUBLE, int64: INT64, int32: INT32, string: STRING } as const;
type Numeric = 'float32' | 'float64' | 'int64' | 'int32';

function numeric(random: () => number, dtype: Numeric, rows: number, width: number, exact: number[] = []): Tensor {
  const values = Array.from({ length: rows * width }, () => awkwardFloat(random, 50, exact));
  const dims = [rows, width];
  switch (dtype) {
    case 'float32':
      return { dtype, data: Float32Array.from(values), dims };
    case 'float64':
      return { dtype, data: Float64Array.from(values, (v) => v * (1 + 1e-12)), dims };
    case 'int64':
      return {
        dtype,
        data: BigInt64Array.from(values, (v) => BigInt(Number.isFinite(v) ? Math.round(Math.max(-4e9, Math.min(4e9, v))) : -9)),
        dims,
      };
    case 'int32':
      return { dtype, data: Int32Array.from(values, (v) => (Number.isFinite(v) ? Math.round(Math.max(-6e4, Math.min(6e4, v))) : 0)), dims };
  }
}

function unaryGraph(
  op: string,
  attributes: ReturnType<typeof attr.int>[],
  input: Numeric | 'string',
  output: Numeric | 'string',
  width: number,
  outWidth = width,
  mlOpset = 3,
): Uint8Array {
  return graph({
    mlOpset,
    inputs: [tensorInfo('x', ELEMENT[input], ['N', width])],
    outputs: [tensorInfo('y', ELEMENT[output], ['N', outWidth])],
    nodes: [node(op, ['x'], ['y'], { ...ML, attributes })],
  });
}

describe('Scaler', () => {
  it.each([
    ['float32', 'per column'],
    ['float64', 'per column'],
    ['int64', 'per column'],
    ['int32', 'per column'],
    ['float32', 'one for all'],
  ] as const)('matches ONNX Runtime on %s input with %s scale/offset', async (dtype, mode) => {
    const random = prng(dtype.length * 31 + mode.length);
    const width = 5;
    const n = mode === 'one for all' ? 1 : width;
    const bytes = unaryGraph(
      'Scaler',
      [
        attr.floats(
          'offset',
          Array.from({ length: n }, () => Math.fround(random() * 10 - 5)),
        ),
        attr.floats(
          'scale',
          Array.from({ length: n }, () => Math.fround(random() * 4 - 2)),
        ),
      ],
      dtype,
      'float32',
      width,
    );
    await expectParity(`Scaler ${dtype} ${mode}`, bytes, { x: numeric(random, dtype, ROWS, width) });
  });
});

describe('Normalizer', () => {
  const cases = (['MAX', 'L1', 'L2'] as const).flatMap((norm) =>
    (['float32', 'float64', 'int64', 'int32'] as const).map((dtype) => [norm, dtype] as const),
  );
  it.each(cases)('matches ONNX Runtime with norm %s on %s input', async (norm, dtype) => {
    const random = prng(norm.length * 97 + dtype.length);
    const bytes = unaryGraph('Normalizer', [attr.string('norm', norm)], dtype, 'float32', 4);
    const x = numeric(random, dtype, ROWS, 4);
    // Rows of zeros (the zero-norm branch) and of all-negative values.
    if (dtype === 'float32') {
      (x.data as Float32Array).fill(0, 0, 8);
      (x.data as Float32Array).set([-1, -2, -0.5, -4], 8);
    }
    await expectParity(`Normalizer ${norm} ${dtype}`, bytes, { x });
  });
});

describe('Imputer', () => {
  it.each([
    ['NaN replaced per column', Number.NaN, 4],
    ['NaN replaced by one value', Number.NaN, 1],
    ['0 replaced per column', 0, 4],
    ['-1 replaced by one value (a list that is neither 1 nor per column)', -1, 3],
  ] as const)('matches ONNX Runtime on float32 input: %s', async (label, replaced, count) => {
    const random = prng(label.length);
    const bytes = unaryGraph(
      'Imputer',
      [
        attr.floats(
          'imputed_value_floats',
          Array.from({ length: count }, (_, i) => i * 1.5 - 2),
        ),
        attr.float('replaced_value_float', replaced),
      ],
      'float32',
      'float32',
      4,
    );
    await expectParity(`Imputer ${label}`, bytes, { x: numeric(random, 'float32', ROWS, 4, [0, -1]) });
  });

  it('matches ONNX Runtime on int64 input', async () => {
    const random = prng(64);
    const bytes = unaryGraph(
      'Imputer',
      [attr.ints('imputed_value_int64s', [7, 8, 9]), attr.int('replaced_value_int64', -9)],
      'int64',
      'int64',
      3,
    );
    await expectParity('Imputer int64', bytes, { x: numeric(random, 'int64', ROWS, 3) });
  });

  it('takes the schema default 0 when replaced_value_float is absent, as ONNX Runtime does', async () => {
    const bytes = unaryGraph('Imputer', [attr.floats('imputed_value_floats', [5, 6])], 'float32', 'float32', 2);
    await expectParity('Imputer default replaced value', bytes, { x: numeric(prng(2), 'float32', ROWS, 2, [0]) });
  });
});

describe('OneHotEncoder', () => {
  const cities = ['paris', 'lyon', 'nice', 'lyon'];
  it.each([
    ['string [N, 1]', 'string', [1]],
    ['string [N]', 'string', []],
    ['int64 [N, 2]', 'int64', [2]],
    ['float32 [N, 1] (truncated to int64)', 'float32', [1]],
    ['float64 [N, 1]', 'float64', [1]],
  ] as const)('matches ONNX Runtime on %s input, unknown categories all zeros', async (label, dtype, trailing) => {
    const random = prng(label.length * 13);
    const dims = [ROWS, ...trailing];
    const size = dims.reduce((a, b) => a * b, 1);
    const cats = dtype === 'string' ? attr.strings('cats_strings', cities) : attr.ints('cats_int64s', [3, -2, 0, 7, 3]);
    const k = 4 + (dtype === 'string' ? 0 : 1);
    let x: Tensor;
    if (dtype === 'string') x = { dtype, data: Array.from({ length: size }, () => pick(random, [...cities, 'PARIS', '', 'rome'])), dims };
    else if (dtype === 'int64')
      x = { dtype, data: BigInt64Array.from({ length: size }, () => BigInt(pick(random, [3, -2, 0, 7, 5, -1]))), dims };
    else {
      const values = Array.from({ length: size }, () => pick(random, [3, -2, 0, 7, 3.9, -2.7, 0.5, -0.5, Number.NaN, 1e30, -0]));
      x = dtype === 'float32' ? { dtype, data: Float32Array.from(values), dims } : { dtype, data: Float64Array.from(values), dims };
    }
    const bytes = graph({
      inputs: [tensorInfo('x', ELEMENT[dtype], ['N', ...trailing])],
      outputs: [tensorInfo('y', FLOAT, ['N', ...trailing, k])],
      nodes: [node('OneHotEncoder', ['x'], ['y'], { ...ML, attributes: [cats, attr.int('zeros', 1)] })],
    });
    await expectParity(`OneHotEncoder ${label}`, bytes, { x });
  });

  it('fails the run on an unknown category when zeros = 0, as ONNX Runtime does', async () => {
    const bytes = graph({
      inputs: [tensorInfo('x', STRING, ['N', 1])],
      outputs: [tensorInfo('y', FLOAT, ['N', 1, 2])],
      nodes: [node('OneHotEncoder', ['x'], ['y'], { ...ML, attributes: [attr.strings('cats_strings', ['a', 'b']), attr.int('zeros', 0)] })],
    });
    const feeds = { x: { dtype: 'string' as const, data: ['a', 'c'], dims: [2, 1] } };
    const reference = await ort.createSession(bytes);
    await expect(reference.run(feeds, ['y'])).rejects.toThrow();
    await expect(compiled(bytes).run(feeds, ['y'])).rejects.toThrow(/unknown category/);
    const known = { x: { dtype: 'string' as const, data: ['b', 'a'], dims: [2, 1] } };
    await expectParity('OneHotEncoder zeros = 0', bytes, known);
  });
});

describe('LabelEncoder', () => {
  const keys = ['a', 'b', 'c', 'b'];
  type Kind = 'string' | 'int64' | 'float32';
  const values: Record<Kind, ReturnType<typeof attr.int>> = {
    string: attr.strings('values_strings', ['x', 'y', 'z', 'w']),
    int64: attr.ints('values_int64s', [10, -20, 30, 40]),
    float32: attr.floats('values_floats', [0.5, -1.25, 1e10, 7]),
  };
  const keyAttrs: Record<Kind, ReturnType<typeof attr.int>> = {
    string: attr.strings('keys_strings', keys),
    int64: attr.ints('keys_int64s', [1, 2, -3, 2]),
    float32: attr.floats('keys_floats', [0.5, -0, Number.NaN, 0.5]),
  };
  const inputs: Record<Kind, (random: () => number) => Tensor> = {
    string: (random) => ({
      dtype: 'string',
      data: Array.from({ length: ROWS }, () => pick(random, ['a', 'b', 'c', 'd', ''])),
      dims: [ROWS],
    }),
    int64: (random) => ({
      dtype: 'int64',
      data: BigInt64Array.from({ length: ROWS }, () => BigInt(pick(random, [1, 2, -3, 4, 0]))),
      dims: [ROWS],
    }),
    float32: (random) => ({
      dtype: 'float32',
      data: Float32Array.from({ length: ROWS }, () => pick(random, [0.5, 0, -0, Number.NaN, 1.5, 0.50000006])),
      dims: [ROWS],
    }),
  };
  const kinds: Kind[] = ['string', 'int64', 'float32'];
  const pairs = kinds.flatMap((k) => kinds.map((v) => [k, v] as const));

  it.each(pairs)('opset 2 maps %s keys to %s values, defaults included, as ONNX Runtime does', async (keyKind, valueKind) => {
    const random = prng(keyKind.length * 7 + valueKind.length);
    for (const withDefaults of [false, true]) {
      const defaults = withDefaults
        ? [attr.string('default_string', 'none'), attr.int('default_int64', 99), attr.float('default_float', 3.5)]
        : [];
      const bytes = graph({
        mlOpset: 2,
        inputs: [tensorInfo('x', ELEMENT[keyKind], ['N'])],
        outputs: [tensorInfo('y', ELEMENT[valueKind], ['N'])],
        nodes: [node('LabelEncoder', ['x'], ['y'], { ...ML, attributes: [keyAttrs[keyKind], values[valueKind], ...defaults] })],
      });
      await expectParity(`LabelEncoder opset 2 ${keyKind}→${valueKind}${withDefaults ? ' with defaults' : ''}`, bytes, {
        x: inputs[keyKind](random),
      });
    }
  });

  it.each([
    ['string → int64', 'string', 'int64'],
    ['int64 → string', 'int64', 'string'],
  ] as const)('opset 1 maps %s through classes_strings as ONNX Runtime does', async (_label, from, to) => {
    const random = prng(from.length);
    const bytes = graph({
      mlOpset: 1,
      inputs: [tensorInfo('x', ELEMENT[from], ['N', 1])],
      outputs: [tensorInfo('y', ELEMENT[to], ['N', 1])],
      nodes: [
        node('LabelEncoder', ['x'], ['y'], {
          ...ML,
          attributes: [
            attr.strings('classes_strings', ['a', 'b', 'c']),
            attr.string('default_string', 'unknown'),
            attr.int('default_int64', -7),
          ],
        }),
      ],
    });
    const x: Tensor =
      from === 'string'
        ? { dtype: 'string', data: Array.from({ length: ROWS }, () => pick(random, ['a', 'b', 'c', 'z'])), dims: [ROWS, 1] }
        : { dtype: 'int64', data: BigInt64Array.from({ length: ROWS }, () => BigInt(pick(random, [0, 1, 2, 3, -1]))), dims: [ROWS, 1] };
    await expectParity(`LabelEncoder opset 1 ${from}→${to}`, bytes, { x });
  });

  it('refuses opset 4 (tensor-valued keys and NaN-matching keys)', () => {
    const bytes = graph({
      mlOpset: 4,
      inputs: [tensorInfo('x', STRING, ['N'])],
      outputs: [tensorInfo('y', INT64, ['N'])],
      nodes: [node('LabelEncoder', ['x'], ['y'], { ...ML, attributes: [keyAttrs.string, values.int64] })],
    });
    expect(compileOnnx(bytes)).toMatchObject({ ok: false, reason: expect.stringMatching(/opset 4/) });
  });
});

describe('ArrayFeatureExtractor', () => {
  it.each([
    ['float32', [5]],
    ['int64', [5]],
    ['string', [5]],
    ['float32', [2, 5]],
  ] as const)('matches ONNX Runtime picking columns of %s input with trailing dims %j', async (dtype, trailing) => {
    const random = prng(dtype.length + trailing.length);
    const dims = [ROWS, ...trailing];
    const size = dims.reduce((a, b) => a * b, 1);
    const x: Tensor =
      dtype === 'string'
        ? { dtype, data: Array.from({ length: size }, (_, i) => `v${i % 17}`), dims }
        : dtype === 'int64'
          ? { dtype, data: BigInt64Array.from({ length: size }, (_, i) => BigInt(i * 3 - 7)), dims }
          : { dtype, data: Float32Array.from({ length: size }, () => awkwardFloat(random, 9)), dims };
    const bytes = graph({
      inputs: [tensorInfo('x', ELEMENT[dtype], ['N', ...trailing])],
      outputs: [tensorInfo('y', ELEMENT[dtype], ['N', ...trailing.slice(0, -1), 3])],
      initializers: [int64Tensor('picks', [3], [4, 0, 4])],
      nodes: [node('ArrayFeatureExtractor', ['x', 'picks'], ['y'], ML)],
    });
    await expectParity(`ArrayFeatureExtractor ${dtype} ${JSON.stringify(trailing)}`, bytes, { x });
  });

  it('gives [1, k] for a 1-D input, as ONNX Runtime does (1,000 draws)', async () => {
    const random = prng(6);
    const bytes = graph({
      inputs: [tensorInfo('x', FLOAT, [6])],
      outputs: [tensorInfo('y', FLOAT, [1, 2])],
      initializers: [int64Tensor('picks', [2], [5, 1])],
      nodes: [node('ArrayFeatureExtractor', ['x', 'picks'], ['y'], ML)],
    });
    const draws = Array.from({ length: ROWS }, () => ({
      x: { dtype: 'float32' as const, data: Float32Array.from({ length: 6 }, () => awkwardFloat(random, 9)), dims: [6] },
    }));
    await expectParityOnDraws('ArrayFeatureExtractor 1-D', bytes, draws);
  });
});
