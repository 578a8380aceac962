import { afterAll, describe, it } from 'vitest';
import { attr, BOOL, DOUBLE, FLOAT, floatTensor, INT32, INT64, int64Tensor, node, STRING, tensorInfo } from '../../../cli/onnx/proto.ts';
import type { Tensor, TensorDtype } from '../../../src/model/tensor.ts';
import { awkwardFloat, expectParity, expectParityOnDraws, graph, pick, printParityReport, prng } from './parity.ts';

afterAll(printParityReport);

const ROWS = 1000;
const ELEMENT: Record<TensorDtype, number> = { float32: FLOAT, float64: DOUBLE, int64: INT64, int32: INT32, string: STRING, bool: BOOL };

/** Symbolic output dims, so ONNX Runtime's shape inference never disagrees with the test's declaration. */
const free = (rank: number) => Array.from({ length: rank }, (_, i) => `o${i}`);

function tensor(random: () => number, dtype: TensorDtype, dims: number[], range = 10): Tensor {
  const size = dims.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: size }, () => awkwardFloat(random, range, [0, 1, -1, 0.5, -0.5, 2.5]));
  switch (dtype) {
    case 'float32':
      return { dtype, data: Float32Array.from(values), dims };
    case 'float64':
      return { dtype, data: Float64Array.from(values, (v) => v * (1 + 1e-12)), dims };
    case 'int64':
      return {
        dtype,
        data: BigInt64Array.from(values, (v) => BigInt(Number.isFinite(v) ? Math.round(Math.max(-1e15, Math.min(1e15, v))) : 4)),
        dims,
      };
    case 'int32':
      return {
        dtype,
        data: Int32Array.from(values, (v) => (Number.isFinite(v) ? Math.round(Math.max(-2e9, Math.min(2e9, v))) : -4)),
        dims,
      };
    case 'bool':
      return { dtype, data: Uint8Array.from(values, (v) => (v > 0 ? 1 : 0)), dims };
    case 'string':
      return { dtype, data: values.map((v) => `s${Math.round(v)}`), dims };
  }
}

describe('Cast', () => {
  const types: TensorDtype[] = ['float32', 'float64', 'int64', 'int32', 'bool'];
  const pairs = types.flatMap((from) => types.map((to) => [from, to] as const));
  it.each(pairs)('matches ONNX Runtime casting %s to %s (NaN, ±inf, huge and negative fractions included)', async (from, to) => {
    const random = prng(from.length * 17 + to.length);
    const x = tensor(random, from, [ROWS, 3], 1e3);
    if (from === 'float32' || from === 'float64') {
      // Values past the integer ranges and the infinities, which C++ casts saturate in WebAssembly.
      (x.data as Float32Array | Float64Array).set(
        [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 3e9, -3e9, 1e19, -1e19, -0.9, 0.9, -2.5],
        0,
      );
    }
    const bytes = graph({
      inputs: [tensorInfo('x', ELEMENT[from], ['N', 3])],
      outputs: [tensorInfo('y', ELEMENT[to], ['N', 3])],
      nodes: [node('Cast', ['x'], ['y'], { attributes: [attr.int('to', ELEMENT[to])] })],
    });
    await expectParity(`Cast ${from}→${to}`, bytes, { x });
  });
});

describe('Concat', () => {
  it.each([
    ['float32 on axis 1', 'float32', 1, [[3], [1], [4]]],
    ['float32 on axis -1', 'float32', -1, [[2], [2]]],
    ['int64 on axis 1', 'int64', 1, [[2], [3]]],
    ['string on axis 1', 'string', 1, [[1], [2]]],
    [
      '3-D float32 on axis 1',
      'float32',
      1,
      [
        [2, 3],
        [1, 3],
      ],
    ],
    [
      '3-D float32 on axis 2',
      'float32',
      2,
      [
        [2, 3],
        [2, 1],
      ],
    ],
  ] as const)('matches ONNX Runtime concatenating %s', async (label, dtype, axis, trailing) => {
    const random = prng(label.length);
    const feeds = Object.fromEntries(trailing.map((t, i) => [`x${i}`, tensor(random, dtype, [ROWS, ...t])]));
    const bytes = graph({
      inputs: trailing.map((t, i) => tensorInfo(`x${i}`, ELEMENT[dtype], ['N', ...t])),
      outputs: [tensorInfo('y', ELEMENT[dtype], free(trailing[0]!.length + 1))],
      nodes: [
        node(
          'Concat',
          trailing.map((_, i) => `x${i}`),
          ['y'],
          { attributes: [attr.int('axis', axis)] },
        ),
      ],
    });
    await expectParity(`Concat ${label}`, bytes, feeds);
  });

  it('matches ONNX Runtime concatenating along the batch axis', async () => {
    const random = prng(5);
    const bytes = graph({
      inputs: [tensorInfo('a', FLOAT, ['N', 3]), tensorInfo('b', FLOAT, [2, 3])],
      outputs: [tensorInfo('y', FLOAT, free(2))],
      nodes: [node('Concat', ['a', 'b'], ['y'], { attributes: [attr.int('axis', 0)] })],
    });
    await expectParity(
      'Concat axis 0',
      bytes,
      { a: tensor(random, 'float32', [ROWS, 3]), b: tensor(random, 'float32', [2, 3]) },
      { singleRows: 0 },
    );
  });
});

describe('Reshape, Flatten, Squeeze, Unsqueeze, Identity', () => {
  const x3 = (random: () => number) => tensor(random, 'float32', [ROWS, 2, 3]);
  const cases: [string, number, Parameters<typeof node>[], { name: string; dims: number[]; values: number[] }[]][] = [
    ['Reshape to [-1, 6]', 17, [['Reshape', ['x', 's'], ['y']]], [{ name: 's', dims: [2], values: [-1, 6] }]],
    ['Reshape to [0, 3, 2]', 17, [['Reshape', ['x', 's'], ['y']]], [{ name: 's', dims: [3], values: [0, 3, 2] }]],
    ['Reshape to [0, -1]', 13, [['Reshape', ['x', 's'], ['y']]], [{ name: 's', dims: [2], values: [0, -1] }]],
    ['Flatten axis 1', 17, [['Flatten', ['x'], ['y'], { attributes: [attr.int('axis', 1)] }]], []],
    ['Flatten axis 2', 17, [['Flatten', ['x'], ['y'], { attributes: [attr.int('axis', 2)] }]], []],
    ['Flatten axis -1', 17, [['Flatten', ['x'], ['y'], { attributes: [attr.int('axis', -1)] }]], []],
    ['Flatten axis 0', 17, [['Flatten', ['x'], ['y'], { attributes: [attr.int('axis', 0)] }]], []],
    ['Unsqueeze axes attribute (opset 11)', 11, [['Unsqueeze', ['x'], ['y'], { attributes: [attr.ints('axes', [1, -1])] }]], []],
    ['Unsqueeze axes input (opset 13)', 13, [['Unsqueeze', ['x', 'a'], ['y']]], [{ name: 'a', dims: [2], values: [0, 3] }]],
    [
      'Unsqueeze then Squeeze (opset 11 attributes)',
      11,
      [
        ['Unsqueeze', ['x'], ['u'], { attributes: [attr.ints('axes', [2])] }],
        ['Squeeze', ['u'], ['y'], { attributes: [attr.ints('axes', [2])] }],
      ],
      [],
    ],
    [
      'Unsqueeze then Squeeze (opset 13 inputs, negative axis)',
      13,
      [
        ['Unsqueeze', ['x', 'a'], ['u']],
        ['Squeeze', ['u', 'b'], ['y']],
      ],
      [
        { name: 'a', dims: [1], values: [3] },
        { name: 'b', dims: [1], values: [-1] },
      ],
    ],
    [
      'Squeeze without axes',
      17,
      [
        ['Unsqueeze', ['x', 'a'], ['u']],
        ['Squeeze', ['u'], ['y']],
      ],
      [{ name: 'a', dims: [1], values: [1] }],
    ],
    ['Identity', 17, [['Identity', ['x'], ['y']]], []],
  ];
  it.each(cases)('matches ONNX Runtime: %s', async (label, opset, nodes, constants) => {
    const random = prng(label.length * 3);
    const bytes = graph({
      opset,
      inputs: [tensorInfo('x', FLOAT, ['N', 2, 3])],
      outputs: [
        tensorInfo(
          'y',
          FLOAT,
          free(
            label.startsWith('Flatten') || label.includes('-1, 6') || label.includes('0, -1')
              ? 2
              : label.startsWith('Unsqueeze axes')
                ? 5
                : 3,
          ),
        ),
      ],
      initializers: constants.map((c) => int64Tensor(c.name, c.dims, c.values)),
      nodes: nodes.map((n) => node(...n)),
    });
    await expectParity(label, bytes, { x: x3(random) });
  });

  it('matches ONNX Runtime on Reshape with allowzero = 1 (opset 14)', async () => {
    const bytes = graph({
      opset: 14,
      inputs: [tensorInfo('x', FLOAT, ['N', 2, 3])],
      outputs: [tensorInfo('y', FLOAT, free(2))],
      initializers: [int64Tensor('s', [2], [-1, 6])],
      nodes: [node('Reshape', ['x', 's'], ['y'], { attributes: [attr.int('allowzero', 1)] })],
    });
    await expectParity('Reshape allowzero', bytes, { x: tensor(prng(14), 'float32', [ROWS, 2, 3]) });
  });
});

describe('ArgMax', () => {
  const cases: [string, number, ReturnType<typeof attr.int>[], number][] = [
    ['axis 1, keepdims', 13, [attr.int('axis', 1)], 2],
    ['axis 1, keepdims 0', 13, [attr.int('axis', 1), attr.int('keepdims', 0)], 1],
    ['axis -1', 13, [attr.int('axis', -1)], 2],
    ['axis 0', 13, [attr.int('axis', 0)], 2],
    ['select_last_index', 13, [attr.int('axis', 1), attr.int('select_last_index', 1)], 2],
    ['opset 11 (no select_last_index)', 11, [attr.int('axis', 1)], 2],
  ];
  it.each(cases.flatMap(([label, ...rest]) => [5, 17].map((width) => [`${label}, width ${width}`, ...rest, width] as const)))(
    'matches ONNX Runtime on float32 with ties, NaN and ±0: %s',
    async (label, opset, attributes, rank, width) => {
      const random = prng(label.length * 5);
      // Few distinct values, so rows have ties.
      const x: Tensor = {
        dtype: 'float32',
        data: Float32Array.from({ length: ROWS * width }, () => pick(random, [0, -0, 1, 2, -1, 0.5, 2, Number.NaN])),
        dims: [ROWS, width],
      };
      const bytes = graph({
        opset,
        inputs: [tensorInfo('x', FLOAT, ['N', width])],
        outputs: [tensorInfo('y', INT64, free(rank))],
        nodes: [node('ArgMax', ['x'], ['y'], { attributes })],
      });
      await expectParity(`ArgMax ${label}`, bytes, { x });
    },
  );

  it('matches ONNX Runtime on int64 input', async () => {
    const random = prng(64);
    const bytes = graph({
      inputs: [tensorInfo('x', INT64, ['N', 4])],
      outputs: [tensorInfo('y', INT64, free(2))],
      nodes: [node('ArgMax', ['x'], ['y'], { attributes: [attr.int('axis', 1)] })],
    });
    await expectParity('ArgMax int64', bytes, {
      x: { dtype: 'int64', data: BigInt64Array.from({ length: ROWS * 4 }, () => BigInt(pick(random, [1, 2, 3, -5]))), dims: [ROWS, 4] },
    });
  });
});

describe('Gemm and MatMul', () => {
  function weights(random: () => number, count: number): number[] {
    return Array.from({ length: count }, () => Math.fround(random() * 2 - 1));
  }
  const gemmCases: [
    string,
    {
      k: number;
      n: number;
      transA: number;
      transB: number;
      alpha: number;
      beta: number;
      bias: 'none' | 'scalar' | 'row' | '1xN' | 'full';
      constantB: boolean;
    },
  ][] = [
    ['plain, bias [N]', { k: 6, n: 4, transA: 0, transB: 0, alpha: 1, beta: 1, bias: 'row', constantB: true }],
    ['transB, bias [1, N]', { k: 6, n: 4, transA: 0, transB: 1, alpha: 1, beta: 1, bias: '1xN', constantB: true }],
    ['alpha 0.5, beta 2, scalar bias', { k: 6, n: 3, transA: 0, transB: 0, alpha: 0.5, beta: 2, bias: 'scalar', constantB: true }],
    ['no bias', { k: 5, n: 2, transA: 0, transB: 1, alpha: 1.25, beta: 1, bias: 'none', constantB: true }],
    ['B fed at run time', { k: 5, n: 3, transA: 0, transB: 0, alpha: 1, beta: 1, bias: 'row', constantB: false }],
    [
      'B fed at run time, 9 outputs, no bias (GEMV for one row)',
      { k: 11, n: 9, transA: 0, transB: 0, alpha: 1, beta: 1, bias: 'none', constantB: false },
    ],
    ['B fed at run time, 9 outputs, bias [N]', { k: 11, n: 9, transA: 0, transB: 0, alpha: 1, beta: 1, bias: 'row', constantB: false }],
    ['B fed at run time, alpha 2', { k: 6, n: 5, transA: 0, transB: 0, alpha: 2, beta: 1, bias: 'row', constantB: false }],
    ['B fed at run time, transposed', { k: 6, n: 5, transA: 0, transB: 1, alpha: 1, beta: 1, bias: 'row', constantB: false }],
    ['300 inputs, 1 output (one slice)', { k: 300, n: 1, transA: 0, transB: 0, alpha: 1, beta: 1, bias: 'row', constantB: true }],
    ['300 inputs, 200 outputs (slices of 128)', { k: 300, n: 200, transA: 0, transB: 1, alpha: 1, beta: 1, bias: 'row', constantB: true }],
    ['1,500 inputs, 2 outputs (slices of 1,024)', { k: 1500, n: 2, transA: 0, transB: 0, alpha: 1, beta: 1, bias: 'row', constantB: true }],
  ];
  it.each(gemmCases)('Gemm matches ONNX Runtime: %s', async (label, c) => {
    const random = prng(label.length * 11 + c.k);
    const bDims = c.transB ? [c.n, c.k] : [c.k, c.n];
    const biasTensor =
      c.bias === 'none'
        ? []
        : c.bias === 'scalar'
          ? [floatTensor('c', [], weights(random, 1))]
          : c.bias === 'row'
            ? [floatTensor('c', [c.n], weights(random, c.n))]
            : [floatTensor('c', [1, c.n], weights(random, c.n))];
    const bytes = graph({
      inputs: [tensorInfo('a', FLOAT, ['N', c.k]), ...(c.constantB ? [] : [tensorInfo('b', FLOAT, bDims)])],
      outputs: [tensorInfo('y', FLOAT, free(2))],
      initializers: [...(c.constantB ? [floatTensor('b', bDims, weights(random, c.k * c.n))] : []), ...biasTensor],
      nodes: [
        node('Gemm', ['a', 'b', ...(c.bias === 'none' ? [] : ['c'])], ['y'], {
          attributes: [
            attr.int('transA', c.transA),
            attr.int('transB', c.transB),
            attr.float('alpha', c.alpha),
            attr.float('beta', c.beta),
          ],
        }),
      ],
    });
    const feeds: Record<string, Tensor> = { a: tensor(random, 'float32', [ROWS, c.k], 3) };
    if (!c.constantB) feeds.b = { dtype: 'float32', data: Float32Array.from(weights(random, c.k * c.n)), dims: bDims };
    await expectParity(`Gemm ${label}`, bytes, feeds, { singleRows: c.k > 100 ? 5 : 20 });
  });

  it.each([
    ['a full [M, N] bias', [8, 3]],
    ['an [M, 1] bias', [8, 1]],
  ] as const)('Gemm matches ONNX Runtime with transA and %s (fixed batch, 125 draws of 8 rows)', async (label, biasDims) => {
    const random = prng(99 + biasDims[1]);
    const bytes = graph({
      inputs: [tensorInfo('a', FLOAT, [4, 8])],
      outputs: [tensorInfo('y', FLOAT, [8, 3])],
      initializers: [
        floatTensor('b', [4, 3], weights(random, 12)),
        floatTensor('c', [...biasDims], weights(random, biasDims[0] * biasDims[1])),
      ],
      nodes: [node('Gemm', ['a', 'b', 'c'], ['y'], { attributes: [attr.int('transA', 1), attr.float('beta', 0.75)] })],
    });
    await expectParityOnDraws(
      `Gemm transA ${label}`,
      bytes,
      Array.from({ length: 125 }, () => ({ a: tensor(random, 'float32', [4, 8], 3) })),
    );
  });

  it.each([
    ['[N, 7] × [7, 3] constant', 7, 3, true],
    ['[N, 7] × [7, 3] fed at run time', 7, 3, false],
    ['[N, 300] × [300, 1]', 300, 1, true],
    ['[N, 1500] × [1500, 2]', 1500, 2, true],
    ['[N, 300] × [300, 40]', 300, 40, true],
  ] as const)('MatMul matches ONNX Runtime: %s', async (label, k, n, constantB) => {
    const random = prng(label.length * 13 + k);
    const bytes = graph({
      inputs: [tensorInfo('a', FLOAT, ['N', k]), ...(constantB ? [] : [tensorInfo('b', FLOAT, [k, n])])],
      outputs: [tensorInfo('y', FLOAT, free(2))],
      initializers: constantB ? [floatTensor('b', [k, n], weights(random, k * n))] : [],
      nodes: [node('MatMul', ['a', 'b'], ['y'])],
    });
    const feeds: Record<string, Tensor> = { a: tensor(random, 'float32', [ROWS, k], 3) };
    if (!constantB) feeds.b = { dtype: 'float32', data: Float32Array.from(weights(random, k * n)), dims: [k, n] };
    await expectParity(`MatMul ${label}`, bytes, feeds, { singleRows: k > 100 ? 5 : 20 });
  });

  it('MatMul then Add matches ONNX Runtime (which may fuse them into Gemm)', async () => {
    const random = prng(7);
    const bytes = graph({
      inputs: [tensorInfo('a', FLOAT, ['N', 600])],
      outputs: [tensorInfo('y', FLOAT, free(2))],
      initializers: [floatTensor('w', [600, 3], weights(random, 1800)), floatTensor('bias', [3], weights(random, 3))],
      nodes: [node('MatMul', ['a', 'w'], ['p']), node('Add', ['p', 'bias'], ['y'])],
    });
    await expectParity('MatMul+Add', bytes, { a: tensor(random, 'float32', [ROWS, 600], 3) }, { singleRows: 5 });
  });
});

describe('Add, Sub, Mul, Div', () => {
  const ops = ['Add', 'Sub', 'Mul', 'Div'] as const;
  const shapes: [string, (number | string)[], number[]][] = [
    ['[N, 4] with [4]', ['N', 4], [4]],
    ['[N, 4] with [1, 4]', ['N', 4], [1, 4]],
    ['[N, 4] with a scalar', ['N', 4], []],
    ['[N, 4] with [N, 4]', ['N', 4], [-1, 4]],
    ['[4] with [N, 4]', [4], [-2, 4]],
  ];
  const cases = ops.flatMap((op) => shapes.map(([label, a, b]) => [op, label, a, b] as const));
  it.each(cases)('%s matches ONNX Runtime on float32 %s', async (op, label, aDims, bDims) => {
    const random = prng(op.length * 7 + label.length);
    const runtimeB = bDims[0] === -1;
    const swapped = bDims[0] === -2;
    const constDims = runtimeB || swapped ? [] : bDims;
    const inputs = [tensorInfo('a', FLOAT, aDims)];
    if (runtimeB || swapped) inputs.push(tensorInfo('b', FLOAT, ['N', 4]));
    const bytes = graph({
      inputs,
      outputs: [tensorInfo('y', FLOAT, free(2))],
      initializers:
        runtimeB || swapped
          ? []
          : [
              floatTensor(
                'b',
                constDims,
                Array.from({ length: constDims.reduce((x, y) => x * y, 1) }, () => awkwardFloat(random, 5, [0], 0.2)),
              ),
            ],
      nodes: [node(op, ['a', 'b'], ['y'])],
    });
    const feeds: Record<string, Tensor> = {
      a: tensor(
        random,
        'float32',
        aDims.map((d) => (d === 'N' ? ROWS : (d as number))),
      ),
    };
    if (runtimeB || swapped) feeds.b = tensor(random, 'float32', [ROWS, 4]);
    await expectParity(`${op} ${label}`, bytes, feeds, { singleRows: swapped ? 0 : 20 });
  });

  it.each((['int64', 'int32', 'float64'] as const).flatMap((dtype) => ops.map((op) => [op, dtype] as const)))(
    '%s matches ONNX Runtime on %s',
    async (op, dtype) => {
      const random = prng(op.length + dtype.length * 3);
      const divisor = [3, -2, 7, 5];
      const b: Tensor =
        dtype === 'int64'
          ? { dtype, data: BigInt64Array.from(divisor, BigInt), dims: [4] }
          : dtype === 'int32'
            ? { dtype, data: Int32Array.from(divisor), dims: [4] }
            : { dtype, data: Float64Array.from(divisor, (d) => d * 1.1), dims: [4] };
      const raw = b.data as Float64Array | Int32Array | BigInt64Array;
      const init =
        dtype === 'int64'
          ? int64Tensor('b', [4], divisor)
          : {
              name: 'b',
              dims: [4],
              dataType: ELEMENT[dtype],
              ...(dtype === 'int32' ? { int32Data: Array.from(raw as Int32Array) } : { doubleData: Array.from(raw as Float64Array) }),
            };
      const bytes = graph({
        inputs: [tensorInfo('a', ELEMENT[dtype], ['N', 4])],
        outputs: [tensorInfo('y', ELEMENT[dtype], free(2))],
        initializers: [init],
        nodes: [node(op, ['a', 'b'], ['y'])],
      });
      await expectParity(`${op} ${dtype}`, bytes, { a: tensor(random, dtype, [ROWS, 4], 1e6) });
    },
  );
});

describe('Relu, Sigmoid, Tanh, Softmax', () => {
  it.each(['Relu', 'Sigmoid', 'Tanh'] as const)(
    '%s matches ONNX Runtime on awkward float32 (lengths that leave SIMD tails)',
    async (op) => {
      const random = prng(op.length);
      const bytes = graph({
        inputs: [tensorInfo('x', FLOAT, ['N', 7])],
        outputs: [tensorInfo('y', FLOAT, free(2))],
        nodes: [node(op, ['x'], ['y'])],
      });
      await expectParity(op, bytes, { x: tensor(random, 'float32', [ROWS, 7], 25) });
    },
  );

  it('Relu matches ONNX Runtime on float64', async () => {
    const bytes = graph({
      inputs: [tensorInfo('x', DOUBLE, ['N', 3])],
      outputs: [tensorInfo('y', DOUBLE, free(2))],
      nodes: [node('Relu', ['x'], ['y'])],
    });
    await expectParity('Relu float64', bytes, { x: tensor(prng(3), 'float64', [ROWS, 3]) });
  });

  const softmax: [string, number, ReturnType<typeof attr.int>[], number[]][] = [
    ['opset 11, axis 1, width 3', 11, [], [3]],
    ['opset 11, axis 1, width 5', 11, [attr.int('axis', 1)], [5]],
    ['opset 11, axis 1, width 21 (16-lane path)', 11, [], [21]],
    ['opset 11, axis 1 on [N, 2, 3] (rows of 6)', 11, [], [2, 3]],
    ['opset 11, axis 2 on [N, 2, 3]', 11, [attr.int('axis', 2)], [2, 3]],
    ['opset 13, default axis, width 4', 13, [], [4]],
    ['opset 13, axis 1 on [N, 3, 2] (not the last axis)', 13, [attr.int('axis', 1)], [3, 2]],
    ['opset 13, width 8', 13, [attr.int('axis', -1)], [8]],
  ];
  it.each(softmax)('Softmax matches ONNX Runtime: %s', async (label, opset, attributes, trailing) => {
    const random = prng(label.length * 19);
    const x = tensor(random, 'float32', [ROWS, ...trailing], 30);
    // Rows that reach exp's clamps: huge gaps, infinities.
    (x.data as Float32Array).set([1e30, -1e30, 0, -80, 100, -100, 88, -88.5, Number.NEGATIVE_INFINITY], 0);
    const bytes = graph({
      opset,
      inputs: [tensorInfo('x', FLOAT, ['N', ...trailing])],
      outputs: [tensorInfo('y', FLOAT, free(trailing.length + 1))],
      nodes: [node('Softmax', ['x'], ['y'], { attributes })],
    });
    await expectParity(`Softmax ${label}`, bytes, { x });
  });

  it('Softmax matches ONNX Runtime over the batch axis (opset 11, axis 0; 20 draws of 50 rows)', async () => {
    const random = prng(0);
    const bytes = graph({
      opset: 11,
      inputs: [tensorInfo('x', FLOAT, [50, 3])],
      outputs: [tensorInfo('y', FLOAT, free(2))],
      nodes: [node('Softmax', ['x'], ['y'], { attributes: [attr.int('axis', 0)] })],
    });
    await expectParityOnDraws(
      'Softmax axis 0',
      bytes,
      Array.from({ length: 20 }, () => ({ x: tensor(random, 'float32', [50, 3], 5) })),
    );
  });
});
