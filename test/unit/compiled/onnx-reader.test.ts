import { readdirSync, readFileSync } from 'node:fs';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { attr, FLOAT, floatTensor, INT64, node, STRING, tensorInfo } from '../../../cli/onnx/proto.ts';
import { readOnnxGraph, withOutput } from '../../../src/explain/onnx-graph.ts';
import { compileOnnx } from '../../../src/inference/compiled/compile-onnx.ts';
import { OnnxNode } from '../../../src/inference/compiled/onnx-node.ts';
import { fieldSpans, readOnnxModel, type ModelProto } from '../../../src/inference/compiled/onnx-reader.ts';
import { decodeTensor } from '../../../src/inference/compiled/onnx-tensor.ts';
import { graph, ML } from './parity.ts';
import { comparable, expectReaderMatchesOnnxProto } from './proto-equivalence.ts';

const { onnx } = onnxProto;

const MODELS = new URL('../../../models/', import.meta.url);
const BYOM = new URL('../../fixtures/byom/', import.meta.url);

const bundled = readdirSync(MODELS, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) =>
    readdirSync(new URL(`${d.name}/`, MODELS), { withFileTypes: true })
      .filter((v) => v.isDirectory())
      .map((v) => `${d.name}/${v.name}`),
  )
  .filter((id) => readdirSync(new URL(`${id}/`, MODELS)).includes('model.onnx'));
const byom = readdirSync(BYOM).filter((f) => f.endsWith('.onnx'));

/** A tiny protobuf writer, for bytes onnx-proto would not write (unpacked repeated fields, odd wire types). */
const wire = {
  varint(value: bigint | number): number[] {
    let v = BigInt.asUintN(64, BigInt(value));
    const out: number[] = [];
    while (v > 0x7fn) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    return out;
  },
  tag: (field: number, wireType: number) => wire.varint(field * 8 + wireType),
  int: (field: number, value: bigint | number) => [...wire.tag(field, 0), ...wire.varint(value)],
  float(field: number, value: number): number[] {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    return [...wire.tag(field, 5), ...b];
  },
  double(field: number, value: number): number[] {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, value, true);
    return [...wire.tag(field, 1), ...b];
  },
  bytes: (field: number, body: ArrayLike<number>) => [...wire.tag(field, 2), ...wire.varint(body.length), ...Array.from(body)],
  string: (field: number, s: string) => wire.bytes(field, new TextEncoder().encode(s)),
};

/** A model whose graph holds one node with the given attribute bytes (AttributeProto bodies). */
function modelWithAttributes(...attributes: number[][]): Uint8Array {
  const nodeBytes = [
    ...wire.string(1, 'x'),
    ...wire.string(2, 'y'),
    ...wire.string(4, 'Custom'),
    ...attributes.flatMap((a) => wire.bytes(5, a)),
  ];
  const graphBytes = [...wire.bytes(1, nodeBytes), ...wire.string(2, 'g')];
  return Uint8Array.from([...wire.int(1, 8), ...wire.bytes(7, graphBytes), ...wire.bytes(8, [...wire.string(1, ''), ...wire.int(2, 17)])]);
}

function read(bytes: Uint8Array): ModelProto {
  const result = readOnnxModel(bytes);
  if (!result.ok) throw new Error(result.reason);
  return result.model;
}

describe('readOnnxModel', () => {
  it.each(bundled)('reads models/%s/model.onnx as onnx-proto does', (id) => {
    expectReaderMatchesOnnxProto(readFileSync(new URL(`${id}/model.onnx`, MODELS)), id);
  });

  it.each(byom)('reads the sklearn-onnx export %s as onnx-proto does', (file) => {
    expectReaderMatchesOnnxProto(readFileSync(new URL(file, BYOM)), file);
  });

  it('reads every attribute and tensor field onnx-proto writes (packed repeated fields)', () => {
    const bytes = graph({
      inputs: [
        tensorInfo('x', FLOAT, ['N', 3]),
        { name: 'unknown dims', type: { tensorType: { elemType: FLOAT, shape: { dim: [{}, { dimValue: 2 ** 40 }, { dimParam: '' }] } } } },
      ],
      outputs: [
        tensorInfo('y', FLOAT, ['N', 1]),
        {
          name: 'maps',
          type: { sequenceType: { elemType: { mapType: { keyType: INT64, valueType: { tensorType: { elemType: FLOAT } } } } } },
        },
        { name: 'no shape', type: { tensorType: { elemType: STRING } } },
        { name: 'no type' },
      ],
      initializers: [
        floatTensor('raw', [2, 2], [1, -0, Number.NaN, 3.5]),
        { name: 'floats', dims: [3], dataType: FLOAT, floatData: [1.5, -2, Number.POSITIVE_INFINITY] },
        { name: 'doubles', dims: [2], dataType: 11, doubleData: [Math.PI, -1e300] },
        { name: 'int32s', dims: [3], dataType: 6, int32Data: [-1, 2 ** 31 - 1, -(2 ** 31)] },
        { name: 'int64s', dims: [4], dataType: INT64, int64Data: [-1, 2 ** 53 - 1, -(2 ** 53 - 1), 0] },
        { name: 'uint64s', dims: [1], dataType: 13, uint64Data: [2 ** 52] },
        { name: 'strings', dims: [2], dataType: STRING, stringData: [new TextEncoder().encode('café'), new Uint8Array()] },
        { name: 'external', dims: [1], dataType: FLOAT, dataLocation: 1, externalData: [{ key: 'location', value: 'weights.bin' }] },
        { name: 'segment', dims: [1], dataType: FLOAT, segment: { begin: 0, end: 1 }, floatData: [1] },
      ],
      nodes: [
        node('Custom', ['x'], ['y'], {
          ...ML,
          attributes: [
            attr.int('negative', -5),
            attr.float('f', -0.25),
            attr.string('s', 'BRANCH_LEQ'),
            attr.ints('ints', [0, 1, -1, 127, 128, 16_383, 16_384, 2 ** 28, 2 ** 31, -(2 ** 31), 2 ** 53 - 1]),
            attr.floats('floats', [0.1, Number.NaN, -0]),
            attr.strings('strings', ['a', 'bé', '']),
            { name: 't', type: 4, t: floatTensor('t', [1], [7]) },
            { name: 'tensors', type: 9, tensors: [floatTensor('a', [1], [1]), floatTensor('b', [2], [2, 3])] },
            { name: 'g', type: 5, g: { name: 'sub', node: [node('Relu', ['a'], ['b'])], output: [tensorInfo('b', FLOAT, [1])] } },
            { name: 'graphs', type: 10, graphs: [{ name: 'one' }, { name: 'two' }] },
            { name: 'untyped' },
          ],
        }),
      ],
    });
    expectReaderMatchesOnnxProto(bytes);
    const model = read(bytes);
    const inputs = model.graph!.input;
    expect(inputs[1]!.type!.tensorType!.shape!.dim).toEqual([
      { dimValue: undefined, dimParam: undefined },
      { dimValue: 2 ** 40, dimParam: undefined },
      { dimValue: undefined, dimParam: '' },
    ]);
  });

  it('reads repeated fields written one record per value (proto2), in runs and split by other fields', () => {
    const ints = [3, -1, 300, 70_000, 2 ** 40, -(2 ** 40)];
    const floats = [0.5, -1.25, Number.NaN, 3e-40];
    const attribute = [
      ...wire.string(1, 'mixed'),
      ...ints.slice(0, 3).flatMap((v) => wire.int(8, v)),
      ...floats.slice(0, 2).flatMap((v) => wire.float(7, v)),
      ...wire.int(20, 7),
      ...ints.slice(3).flatMap((v) => wire.int(8, v)),
      ...floats.slice(2).flatMap((v) => wire.float(7, v)),
      ...['LEAF', 'BRANCH_LEQ'].flatMap((s) => wire.string(9, s)),
      ...wire.int(3, 1),
      ...wire.string(9, 'tail'),
    ];
    const tensor = [
      ...wire.string(8, 'unpacked'),
      ...[2, 3].flatMap((d) => wire.int(1, d)),
      ...wire.int(2, 11),
      ...[1, 2, 3, 4, 5, 6].flatMap((v) => wire.double(10, v / 3)),
    ];
    const bytes = modelWithAttributes(attribute, [...wire.string(1, 't'), ...wire.int(20, 4), ...wire.bytes(5, tensor)]);
    expectReaderMatchesOnnxProto(bytes);
    const a = read(bytes).graph!.node[0]!.attribute[0]!;
    expect(a.ints).toEqual(ints);
    expect(Array.from(a.floats)).toEqual(floats.map(Math.fround));
    expect(a.strings.strings()).toEqual(['LEAF', 'BRANCH_LEQ', 'tail']);
    const t = read(bytes).graph!.node[0]!.attribute[1]!.t!;
    expect(decodeTensor(t)).toEqual({
      ok: true,
      tensor: { dtype: 'float64', data: Float64Array.from([1, 2, 3, 4, 5, 6], (v) => v / 3), dims: [2, 3] },
    });
  });

  it('keeps int64 values beyond 2^53 exact: the whole list becomes bigints, single values a bigint', () => {
    const big = [2n ** 53n, 2n ** 63n - 1n, -(2n ** 63n), -(2n ** 53n) - 1n];
    const bytes = modelWithAttributes(
      [...wire.string(1, 'ints'), ...wire.int(20, 7), ...[1n, -1n, ...big].flatMap((v) => wire.int(8, v))],
      [
        ...wire.string(1, 'packed'),
        ...wire.int(20, 7),
        ...wire.bytes(
          8,
          [1n, ...big].flatMap((v) => wire.varint(v)),
        ),
      ],
      [...wire.string(1, 'i'), ...wire.int(20, 2), ...wire.int(3, 2n ** 63n - 1n)],
      [...wire.string(1, 'safe'), ...wire.int(20, 2), ...wire.int(3, -(2n ** 53n) + 1n)],
      [
        ...wire.string(1, 'u'),
        ...wire.int(20, 4),
        ...wire.bytes(5, [...wire.int(2, 13), ...wire.int(1, 2n ** 62n), ...wire.int(11, 2n ** 64n - 1n), ...wire.int(11, 5)]),
      ],
    );
    expectReaderMatchesOnnxProto(bytes);
    const [ints, packed, i, safe, u] = read(bytes).graph!.node[0]!.attribute;
    expect(ints!.ints).toEqual([1n, -1n, ...big]);
    expect(packed!.ints).toEqual([1n, ...big]);
    expect(i!.i).toBe(2n ** 63n - 1n);
    expect(safe!.i).toBe(-(2 ** 53) + 1);
    expect(u!.t!.dims).toEqual([2n ** 62n]);
    expect(u!.t!.uint64Data).toEqual([2n ** 64n - 1n, 5n]);

    const n = new OnnxNode(read(bytes).graph!.node[0]!, 1);
    expect(n.bigints('ints')).toEqual([1n, -1n, ...big]);
    expect(n.ints('ints')).toEqual([1, -1, ...big.map(Number)]);
    expect(n.bigint('i', 0n)).toBe(2n ** 63n - 1n);
    expect(n.int('safe', 0)).toBe(-(2 ** 53) + 1);
  });

  it('reads negative ints and large dims written by onnx-proto', () => {
    const bytes = graph({
      inputs: [tensorInfo('x', FLOAT, [2 ** 33, 3])],
      outputs: [tensorInfo('y', FLOAT, ['N', 1])],
      initializers: [{ name: 'shape', dims: [2 ** 35], dataType: INT64, int64Data: [] }],
      nodes: [
        node('Custom', ['x'], ['y'], { attributes: [attr.ints('axes', [-1, -2, -(2 ** 31) - 1, -(2 ** 52)]), attr.int('axis', -3)] }),
      ],
    });
    const model = read(bytes);
    expect(model.graph!.node[0]!.attribute[0]!.ints).toEqual([-1, -2, -(2 ** 31) - 1, -(2 ** 52)]);
    expect(model.graph!.node[0]!.attribute[1]!.i).toBe(-3);
    expect(model.graph!.input[0]!.type!.tensorType!.shape!.dim[0]!.dimValue).toBe(2 ** 33);
    expect(model.graph!.initializer[0]!.dims).toEqual([2 ** 35]);
  });

  it('decodes repeated strings as TextDecoder does each one: UTF-8, invalid bytes, a leading BOM', () => {
    const values = [
      ...Array.from({ length: 12 }, (_, i) => new TextEncoder().encode(`v${i}`)),
      new TextEncoder().encode('\uFEFFbom'),
      Uint8Array.of(0xc3, 0x28),
      new TextEncoder().encode('naïve'),
    ];
    const ascii = Array.from({ length: 20 }, (_, i) => new TextEncoder().encode(i % 2 ? 'BRANCH_LEQ' : 'LEAF'));
    const bytes = modelWithAttributes(
      [...wire.string(1, 'mixed'), ...values.flatMap((v) => wire.bytes(9, v))],
      [...wire.string(1, 'ascii'), ...ascii.flatMap((v) => wire.bytes(9, v))],
    );
    const [mixed, plain] = read(bytes).graph!.node[0]!.attribute;
    const decoder = new TextDecoder();
    expect(mixed!.strings.strings()).toEqual(values.map((v) => decoder.decode(v)));
    expect(plain!.strings.strings()).toEqual(ascii.map((v) => decoder.decode(v)));
    expect(mixed!.strings.at(13)).toEqual(values[13]);
  });

  it('returns bytes fields as views of the input, not copies', () => {
    const bytes = graph({
      inputs: [tensorInfo('x', FLOAT, ['N', 1])],
      outputs: [tensorInfo('y', FLOAT, ['N', 1])],
      initializers: [floatTensor('w', [2], [1, 2])],
      nodes: [node('Custom', ['x'], ['y'], { attributes: [attr.string('s', 'abc'), attr.strings('list', ['d', 'e'])] })],
    });
    const model = read(bytes);
    const [s, list] = model.graph!.node[0]!.attribute;
    for (const view of [model.graph!.initializer[0]!.rawData, s!.s, list!.strings.at(1)]) {
      expect(view.buffer).toBe(bytes.buffer);
      expect(view.length).toBeGreaterThan(0);
    }
  });

  it('skips unknown fields of every wire type, groups included', () => {
    const unknown = [
      ...wire.int(99, 5),
      ...wire.double(98, 1),
      ...wire.float(97, 1),
      ...wire.string(96, 'x'),
      ...wire.tag(95, 3),
      ...wire.int(1, 1),
      ...wire.string(2, 'in group'),
      ...wire.tag(95, 4),
    ];
    const bytes = modelWithAttributes([...unknown, ...wire.string(1, 'a'), ...unknown, ...wire.int(3, 4), ...wire.int(20, 2)]);
    const withUnknownModelFields = Uint8Array.from([...unknown, ...bytes, ...unknown]);
    expectReaderMatchesOnnxProto(withUnknownModelFields);
    expect(read(withUnknownModelFields).graph!.node[0]!.attribute[0]).toMatchObject({ name: 'a', i: 4, type: 2 });
  });

  it('refuses truncated and malformed bytes with the byte where reading stopped', () => {
    const cases: [string, ArrayLike<number>, RegExp][] = [
      ['a truncated varint', [0x08, 0x80], /^truncated varint at byte 2$/],
      ['a varint longer than 10 bytes', [0x08, ...Array<number>(10).fill(0xff), 0x01], /^varint longer than 10 bytes at byte 11$/],
      ['a length beyond the end', [0x3a, 0x05, 0x01], /^length 5 runs past the end of its message \(1 byte left\) at byte 1$/],
      [
        'a nested length beyond its message',
        [0x3a, 0x03, 0x0a, 0x09, 0x00],
        /^length 9 runs past the end of its message \(1 byte left\) at byte 3$/,
      ],
      [
        'a string length beyond its message',
        modelWithAttributes([0x4a, 0x09, 0x61]),
        /^length 9 runs past the end of its message \(1 byte left\)/,
      ],
      ['the graph as a varint', [0x38, 0x01], /^ModelProto\.graph has wire type 0, expected 2 at byte 1$/],
      ['ir_version as bytes', [0x0a, 0x00], /^ModelProto\.ir_version has wire type 2, expected 0/],
      ['floats as varints', modelWithAttributes([0x38, 0x01]), /^AttributeProto\.floats has wire type 0, expected 5/],
      ['packed floats of 3 bytes', modelWithAttributes([0x3a, 0x03, 0, 0, 0]), /^AttributeProto\.floats has 3 bytes, not a multiple of 4/],
      ['a float cut short', modelWithAttributes([0x15, 0, 0]), /^truncated AttributeProto\.f|truncated float/],
      ['field number 0', [0x00, 0x01], /^invalid field tag 0/],
      ['wire type 7', [0x57], /^invalid wire type 7 \(field 10\)/],
      ['an unterminated group', [0x9b, 0x06, 0x08, 0x01], /^unterminated group 99/],
      ['a stray end of group', [0x9c, 0x06], /^invalid wire type 4/],
    ];
    for (const [what, bytes, reason] of cases) {
      const result = readOnnxModel(Uint8Array.from(bytes));
      expect(result, what).toMatchObject({ ok: false, reason: expect.stringMatching(reason) });
    }
  });

  it('refuses every bundled model cut short, and compileOnnx says the bytes are not an ONNX model', () => {
    for (const id of bundled) {
      const bytes = new Uint8Array(readFileSync(new URL(`${id}/model.onnx`, MODELS)));
      // The last top-level field (opset_import) loses its end: its length now runs past the bytes.
      const cut = bytes.subarray(0, bytes.length - 1);
      expect(readOnnxModel(cut), id).toMatchObject({ ok: false });
      expect(compileOnnx(cut), id).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/^the bytes are not an ONNX model \(.+ at byte \d+\)$/),
      });
    }
  });
});

describe('fieldSpans', () => {
  it('lists each top-level field with its tag and value positions', () => {
    const bytes = Uint8Array.from([
      ...wire.int(1, 300),
      ...wire.string(2, 'ab'),
      ...wire.float(3, 1),
      ...wire.tag(4, 3),
      ...wire.int(1, 1),
      ...wire.tag(4, 4),
    ]);
    expect(fieldSpans(bytes)).toEqual([
      { field: 1, wireType: 0, start: 0, valueStart: 1, end: 3 },
      { field: 2, wireType: 2, start: 3, valueStart: 5, end: 7 },
      { field: 3, wireType: 5, start: 7, valueStart: 8, end: 12 },
      { field: 4, wireType: 3, start: 12, valueStart: 13, end: 16 },
    ]);
  });

  it('lets explanations cut a graph at an intermediate tensor keeping every other byte (withOutput)', () => {
    const bytes = readFileSync(new URL('titanic/1/model.onnx', MODELS));
    const read = readOnnxGraph(bytes);
    if (!read.ok) throw new Error(read.reason);
    const estimator = read.graph.nodes.find((n) => n.opType === 'LinearClassifier')!;
    const target = estimator.inputs[0]!;
    const cut = withOutput(read.graph, target, 'float32');
    const before = onnx.ModelProto.decode(bytes);
    const after = onnx.ModelProto.decode(cut);
    const nodes = before.graph?.node ?? [];
    // The nodes the target depends on, in graph order (what onnx-graph.ts kept when it re-encoded with onnx-proto).
    const needed = new Set([target]);
    for (let changed = true; changed; ) {
      changed = false;
      for (const n of nodes) {
        if (!(n.output ?? []).some((o) => needed.has(o))) continue;
        for (const i of n.input ?? []) {
          if (i === '' || needed.has(i)) continue;
          needed.add(i);
          changed = true;
        }
      }
    }
    const kept = nodes.filter((n) => (n.output ?? []).some((o) => needed.has(o)));
    expect(kept.length).toBeGreaterThan(1);
    expect(kept.length).toBeLessThan(nodes.length);
    expect(comparable(after)).toEqual(
      comparable({
        ...before,
        graph: { ...before.graph, node: kept, output: [{ name: target, type: { tensorType: { elemType: FLOAT } } }] },
      }),
    );
    // Fields no reader here looks at survive too.
    expect(after.docString).toBe(before.docString);
    expect(after.metadataProps).toEqual(before.metadataProps);
    expect(after.graph!.docString).toBe(before.graph!.docString);
    expect(compileOnnx(cut)).toMatchObject({ ok: true });
  });
});
