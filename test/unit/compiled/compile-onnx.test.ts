import { describe, expect, it } from 'vitest';
import { attr, FLOAT, floatTensor, INT64, node, tensorInfo } from '../../../cli/onnx/proto.ts';
import { compileOnnx, CompiledRuntime } from '../../../src/inference/compiled/index.ts';
import { compiled, graph, ML, ort } from './parity.ts';

const linear = () =>
  graph({
    inputs: [tensorInfo('x', FLOAT, ['N', 2])],
    outputs: [tensorInfo('y', FLOAT, ['N', 1]), tensorInfo('z', FLOAT, ['N', 1])],
    initializers: [floatTensor('w', [2, 1], [2, -1]), floatTensor('b', [1], [0.5])],
    nodes: [node('MatMul', ['x', 'w'], ['p']), node('Add', ['p', 'b'], ['y']), node('Relu', ['y'], ['z'])],
  });

describe('compileOnnx', () => {
  it('names the first unsupported node and its op type', () => {
    const bytes = graph({
      inputs: [tensorInfo('x', FLOAT, ['N', 2])],
      outputs: [tensorInfo('y', FLOAT, ['N', 2])],
      nodes: [node('Relu', ['x'], ['r']), node('Loop', ['r'], ['y'])],
    });
    expect(compileOnnx(bytes)).toEqual({ ok: false, reason: 'node "y" (Loop) is not supported' });
  });

  it('refuses a ZipMap output, naming the output', () => {
    const bytes = graph({
      inputs: [tensorInfo('x', FLOAT, ['N', 2])],
      outputs: [
        {
          name: 'probs',
          type: { sequenceType: { elemType: { mapType: { keyType: INT64, valueType: { tensorType: { elemType: FLOAT } } } } } },
        },
      ],
      nodes: [node('ZipMap', ['x'], ['probs'], { ...ML, attributes: [attr.ints('classlabels_int64s', [0, 1])] })],
    });
    expect(compileOnnx(bytes)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^output "probs" is a sequence of maps \(a ZipMap output\)/),
    });
  });

  it('refuses operators of other domains and unsupported attribute combinations, with the reason', () => {
    const custom = graph({
      inputs: [tensorInfo('x', FLOAT, ['N', 2])],
      outputs: [tensorInfo('y', FLOAT, ['N', 2])],
      nodes: [node('FusedGemm', ['x'], ['y'], { domain: 'com.microsoft' })],
    });
    expect(compileOnnx(custom)).toEqual({ ok: false, reason: 'node "y" (FusedGemm) is not supported (domain com.microsoft)' });
    const runtimeShape = graph({
      inputs: [tensorInfo('x', FLOAT, ['N', 2]), tensorInfo('s', INT64, [2])],
      outputs: [tensorInfo('y', FLOAT, ['N', 2])],
      nodes: [node('Reshape', ['x', 's'], ['y'])],
    });
    expect(compileOnnx(runtimeShape)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^node "y" \(Reshape\) takes its shape from a value computed at run time/),
    });
    const doubleTrees = graph({
      inputs: [tensorInfo('x', FLOAT, ['N', 2])],
      outputs: [tensorInfo('y', FLOAT, ['N', 1])],
      nodes: [
        node('TreeEnsembleRegressor', ['x'], ['y'], {
          ...ML,
          attributes: [attr.int('n_targets', 1), { name: 'nodes_values_as_tensor', type: 4, t: floatTensor('v', [1], [0]) }],
        }),
      ],
    });
    expect(compileOnnx(doubleTrees)).toMatchObject({ ok: false, reason: expect.stringMatching(/nodes_values_as_tensor/) });
  });

  it('refuses bytes that are not a model and graphs that read values nothing provides', () => {
    expect(compileOnnx(Uint8Array.of(1, 2, 3, 255))).toMatchObject({ ok: false });
    const dangling = graph({
      inputs: [tensorInfo('x', FLOAT, ['N', 2])],
      outputs: [tensorInfo('y', FLOAT, ['N', 2])],
      nodes: [node('Add', ['x', 'ghost'], ['y'])],
    });
    expect(compileOnnx(dangling)).toEqual({
      ok: false,
      reason: 'node "y" (Add) reads "ghost", which no input, initializer or node provides',
    });
  });

  it('compiles nodes listed out of order', async () => {
    const bytes = graph({
      inputs: [tensorInfo('x', FLOAT, ['N', 2])],
      outputs: [tensorInfo('y', FLOAT, ['N', 2])],
      nodes: [node('Relu', ['s'], ['y']), node('Sigmoid', ['x'], ['s'])],
    });
    const out = await compiled(bytes).run({ x: { dtype: 'float32', data: Float32Array.of(-1, 0), dims: [1, 2] } }, ['y']);
    expect(Array.from(out.y!.data as Float32Array)).toEqual([Math.fround(0.2689414322376251), 0.5]);
  });
});

describe('CompiledSession', () => {
  it('computes only the outputs asked for, in any order, for any batch size', async () => {
    const session = compiled(linear());
    const reference = await ort.createSession(linear());
    for (const rows of [1, 3, 17]) {
      const x = { dtype: 'float32' as const, data: Float32Array.from({ length: rows * 2 }, (_, i) => i - rows), dims: [rows, 2] };
      for (const names of [['z'], ['z', 'y'], ['y']]) {
        const got = await session.run({ x }, names);
        expect(Object.keys(got)).toEqual(names);
        expect(got).toEqual(await reference.run({ x }, names));
      }
    }
  });

  it('rejects feeds ONNX Runtime would reject: a missing input, a wrong element type, a wrong fixed dimension', async () => {
    const session = compiled(linear());
    const ok = { dtype: 'float32' as const, data: Float32Array.of(1, 2), dims: [1, 2] };
    await expect(session.run({}, ['y'])).rejects.toThrow(/input "x" is missing/);
    await expect(session.run({ x: { dtype: 'float64', data: Float64Array.of(1, 2), dims: [1, 2] } }, ['y'])).rejects.toThrow(
      /must be float32, got float64/,
    );
    await expect(session.run({ x: { ...ok, data: Float32Array.of(1, 2, 3), dims: [1, 3] } }, ['y'])).rejects.toThrow(/dimension 1 = 2/);
    await expect(session.run({ x: ok }, ['nope'])).rejects.toThrow(/"nope" is not an output/);
    await expect(session.run({ x: ok, extra: ok }, ['y'])).rejects.toThrow(/"extra" is not an input/);
  });

  it('returns its own copy of a constant passed through to an output', async () => {
    const bytes = graph({
      inputs: [tensorInfo('x', FLOAT, ['N', 2])],
      outputs: [tensorInfo('y', FLOAT, ['N', 2]), tensorInfo('w', FLOAT, [2])],
      initializers: [floatTensor('c', [2], [3, 4])],
      nodes: [node('Identity', ['x'], ['y']), node('Identity', ['c'], ['w'])],
    });
    const session = compiled(bytes);
    const x = { dtype: 'float32' as const, data: Float32Array.of(1, 2), dims: [1, 2] };
    const first = await session.run({ x }, ['w']);
    (first.w!.data as Float32Array)[0] = 99;
    expect(Array.from((await session.run({ x }, ['w'])).w!.data as Float32Array)).toEqual([3, 4]);
  });

  it('returns its own copy of a fed tensor passed through to an output', async () => {
    const bytes = graph({
      inputs: [tensorInfo('x', FLOAT, ['N', 2])],
      outputs: [tensorInfo('y', FLOAT, ['N', 2])],
      nodes: [node('Identity', ['x'], ['y'])],
    });
    const data = Float32Array.of(1, 2);
    const out = await compiled(bytes).run({ x: { dtype: 'float32', data, dims: [1, 2] } }, ['y']);
    expect(out.y!.data).toEqual(data);
    expect(out.y!.data).not.toBe(data);
  });

  it('fails a run the way ONNX Runtime does when rows are wider than the model reads', async () => {
    const session = compiled(
      graph({
        inputs: [tensorInfo('x', FLOAT, ['N', 'F'])],
        outputs: [tensorInfo('y', FLOAT, ['N', 1])],
        nodes: [
          node('LinearRegressor', ['x'], ['y'], { ...ML, attributes: [attr.floats('coefficients', [1, 2]), attr.int('targets', 1)] }),
        ],
      }),
    );
    await expect(session.run({ x: { dtype: 'float32', data: Float32Array.of(1, 2, 3), dims: [1, 3] } }, ['y'])).rejects.toThrow(
      /2 coefficients per target for rows of 3 features/,
    );
  });
});

describe('CompiledRuntime', () => {
  it('creates sessions for supported graphs and throws the reason for the others', async () => {
    const runtime = new CompiledRuntime();
    const session = await runtime.createSession(linear());
    expect(session.outputs.map((o) => o.name)).toEqual(['y', 'z']);
    const loop = graph({
      inputs: [tensorInfo('x', FLOAT, ['N', 2])],
      outputs: [tensorInfo('y', FLOAT, ['N', 2])],
      nodes: [node('Loop', ['x'], ['y'])],
    });
    await expect(runtime.createSession(loop)).rejects.toThrow(
      'the compiled evaluator cannot run this model: node "y" (Loop) is not supported',
    );
  });
});
