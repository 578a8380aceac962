/**
 * ai.onnx.ml LabelEncoder, opset 1 (classes_strings: string ↔ int64 index) and opsets 2–3 (keys_* → values_*
 * for string, int64 and float32), as ONNX Runtime computes it: the first of repeated keys wins, a float key
 * never matches NaN and 0 matches −0, anything unmatched takes the default (opset 2 defaults: "_Unused", −1,
 * −0.0).
 */
import type { Tensor, TensorDtype } from '../../../model/tensor.ts';
import { refuse, type KernelCompiler } from '../kernel.ts';
import type { Dim } from '../shape-inference.ts';

type KeyValueType = 'string' | 'int64' | 'float32';

const SUFFIX: Readonly<Record<KeyValueType, string>> = { string: 'strings', int64: 'int64s', float32: 'floats' };

export const compileLabelEncoder: KernelCompiler = (node, inputs) => {
  const input = inputs[0];
  if (!input) return refuse(node, 'has no input');
  if (node.opset >= 4) return refuse(node, `is ai.onnx.ml opset ${node.opset} (LabelEncoder is supported up to opset 3)`);

  if (node.opset === 1) {
    const classes = node.strings('classes_strings');
    const defaultString = node.string('default_string', '_Unused');
    const defaultInt = node.bigint('default_int64', -1n);
    if (input.dtype === 'string') {
      const index = new Map<string, bigint>();
      classes.forEach((c, i) => index.set(c, BigInt(i)));
      return mapper(input.dims, 'int64', (x) => BigInt64Array.from(x.data as string[], (v) => index.get(v) ?? defaultInt));
    }
    if (input.dtype === 'int64') {
      return mapper(input.dims, 'string', (x) =>
        Array.from(x.data as BigInt64Array, (v) => (v >= 0n && v < BigInt(classes.length) ? classes[Number(v)]! : defaultString)),
      );
    }
    return refuse(node, `reads ${input.dtype} input (opset 1 maps string ↔ int64)`);
  }

  const keyType = input.dtype;
  if (keyType !== 'string' && keyType !== 'int64' && keyType !== 'float32') return refuse(node, `reads ${keyType} input`);
  const valueTypes = (['string', 'int64', 'float32'] as const).filter((t) => node.has(`values_${SUFFIX[t]}`));
  if (valueTypes.length !== 1) return refuse(node, `needs exactly one values_* attribute, has ${valueTypes.length}`);
  const valueType = valueTypes[0]!;
  const keys = readList(node, `keys_${SUFFIX[keyType]}`, keyType);
  const values = readList(node, `values_${SUFFIX[valueType]}`, valueType);
  if (keys.length !== values.length) return refuse(node, `has ${keys.length} keys and ${values.length} values`);
  const fallback: string | bigint | number =
    valueType === 'string'
      ? node.string('default_string', '_Unused')
      : valueType === 'int64'
        ? node.bigint('default_int64', -1n)
        : Math.fround(node.float('default_float', -0));
  const map = new Map<string | bigint | number, string | bigint | number>();
  keys.forEach((k, i) => {
    // A NaN key can never be found (NaN ≠ NaN); a JavaScript Map would find it.
    if (typeof k === 'number' && k !== k) return;
    if (!map.has(k)) map.set(k, values[i]!);
  });
  const lookup = (v: string | bigint | number) => (typeof v === 'number' && v !== v ? fallback : (map.get(v) ?? fallback));
  return mapper(input.dims, valueType, (x) => {
    const data = x.data as ArrayLike<string | bigint | number>;
    const size = data.length;
    if (valueType === 'string') return Array.from({ length: size }, (_, i) => lookup(data[i]!) as string);
    if (valueType === 'int64') return BigInt64Array.from({ length: size }, (_, i) => lookup(data[i]!) as bigint);
    return Float32Array.from({ length: size }, (_, i) => lookup(data[i]!) as number);
  });
};

function readList(node: Parameters<KernelCompiler>[0], name: string, type: KeyValueType): (string | bigint | number)[] {
  if (type === 'string') return node.strings(name);
  if (type === 'int64') return node.bigints(name);
  return node.floats(name).map(Math.fround);
}

function mapper(dims: readonly Dim[] | undefined, dtype: TensorDtype, map: (x: Tensor) => Tensor['data']): ReturnType<KernelCompiler> {
  return {
    ok: true,
    outputs: [{ dtype, ...(dims ? { dims } : {}) }],
    run: ([x]) => [{ dtype, data: map(x!), dims: x!.dims }],
  };
}
