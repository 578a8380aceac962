/**
 * Small builders over the onnx-proto message classes, so graph exporters read as graphs. Everything that
 * goes into the bytes is derived from the model: no timestamps, no random ids, so the same model always
 * serializes to the same bytes.
 *
 * @example
 * const bytes = encodeModel({
 *   graphName: 'house-prices', producerVersion: '0.1.0',
 *   inputs: [tensorInfo('input', FLOAT, ['N', 3])], outputs: [tensorInfo('variable', FLOAT, ['N', 1])],
 *   initializers: [floatTensor('W', [3, 1], weights)], nodes: [node('MatMul', ['input', 'W'], ['variable'])],
 * });
 */
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';

const { onnx } = onnxProto;
const AttributeType = onnx.AttributeProto.AttributeType;
const utf8 = new TextEncoder();

/** TensorProto.DataType values. */
export const FLOAT = 1;
export const INT32 = 6;
export const INT64 = 7;
export const STRING = 8;
export const BOOL = 9;
export const DOUBLE = 11;

export const IR_VERSION = 8;
export const OPSET_AI_ONNX = 17;
export const OPSET_AI_ONNX_ML = 3;
export const PRODUCER_NAME = 'vigil';

export type Attribute = Onnx.IAttributeProto;

export const attr = {
  int: (name: string, i: number): Attribute => ({ name, type: AttributeType.INT, i }),
  float: (name: string, f: number): Attribute => ({ name, type: AttributeType.FLOAT, f }),
  ints: (name: string, ints: ArrayLike<number>): Attribute => ({ name, type: AttributeType.INTS, ints: Array.from(ints) }),
  floats: (name: string, floats: ArrayLike<number>): Attribute => ({ name, type: AttributeType.FLOATS, floats: Array.from(floats) }),
  string: (name: string, s: string): Attribute => ({ name, type: AttributeType.STRING, s: utf8.encode(s) }),
  strings: (name: string, strings: readonly string[]): Attribute => ({
    name,
    type: AttributeType.STRINGS,
    strings: strings.map((s) => utf8.encode(s)),
  }),
};

export function node(
  opType: string,
  input: string[],
  output: string[],
  options: { domain?: string; attributes?: Attribute[] } = {},
): Onnx.INodeProto {
  return { opType, input, output, name: output[0]!, domain: options.domain ?? '', attribute: options.attributes ?? [] };
}

/** A float32 initializer stored as little-endian raw bytes (compact, and exact). */
export function floatTensor(name: string, dims: number[], values: ArrayLike<number>): Onnx.ITensorProto {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return { name, dims, dataType: FLOAT, rawData: bytes };
}

/** An int64 initializer (e.g. a Reshape's shape) as little-endian raw bytes. */
export function int64Tensor(name: string, dims: number[], values: readonly number[]): Onnx.ITensorProto {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return { name, dims, dataType: INT64, rawData: bytes };
}

/** A tensor input or output; string dims are symbolic (such as the batch dimension "N"). */
export function tensorInfo(name: string, elemType: number, dims: (string | number)[]): Onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  };
}

export interface ModelParts {
  graphName: string;
  producerVersion: string;
  nodes: Onnx.INodeProto[];
  inputs: Onnx.IValueInfoProto[];
  outputs: Onnx.IValueInfoProto[];
  initializers?: Onnx.ITensorProto[];
  /** Whether the graph uses ai.onnx.ml operators (tree ensembles). */
  usesMl?: boolean;
  /** Defaults to "vigil". */
  producerName?: string;
}

export function encodeModel(parts: ModelParts): Uint8Array {
  const opsetImport = [{ domain: '', version: OPSET_AI_ONNX }];
  if (parts.usesMl) opsetImport.push({ domain: 'ai.onnx.ml', version: OPSET_AI_ONNX_ML });
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    producerName: parts.producerName ?? PRODUCER_NAME,
    producerVersion: parts.producerVersion,
    opsetImport,
    graph: {
      name: parts.graphName,
      node: parts.nodes,
      input: parts.inputs,
      output: parts.outputs,
      initializer: parts.initializers ?? [],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
