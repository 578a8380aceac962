/**
 * ai.onnx Constant: its value (a tensor, or value_float(s) / value_int(s) / value_string(s)) becomes a
 * constant the rest of the graph can read at compile time.
 */
import type { Tensor } from '../../../model/tensor.ts';
import { refuse, type KernelCompiler } from '../kernel.ts';

export const compileConstant: KernelCompiler = (node) => {
  let value: Tensor | undefined;
  const tensor = node.tensor('value');
  if (tensor) {
    if (!tensor.ok) return refuse(node, `has a value that cannot be read: ${tensor.reason}`);
    value = tensor.tensor;
  } else if (node.has('value_float')) value = { dtype: 'float32', data: Float32Array.of(node.float('value_float', 0)), dims: [] };
  else if (node.has('value_floats'))
    value = { dtype: 'float32', data: Float32Array.from(node.floats('value_floats')), dims: [node.floats('value_floats').length] };
  else if (node.has('value_int')) value = { dtype: 'int64', data: BigInt64Array.of(node.bigint('value_int', 0n)), dims: [] };
  else if (node.has('value_ints'))
    value = { dtype: 'int64', data: BigInt64Array.from(node.bigints('value_ints')), dims: [node.bigints('value_ints').length] };
  else if (node.has('value_string')) value = { dtype: 'string', data: [node.string('value_string', '')], dims: [] };
  else if (node.has('value_strings'))
    value = { dtype: 'string', data: node.strings('value_strings'), dims: [node.strings('value_strings').length] };
  if (!value) return refuse(node, `has no value this evaluator reads (${node.attributeNames.join(', ') || 'no attributes'})`);
  const constant = value;
  return { ok: true, outputs: [{ dtype: constant.dtype, dims: constant.dims, constant }], run: () => [constant] };
};
