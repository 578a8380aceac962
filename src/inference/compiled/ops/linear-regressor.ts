/**
 * ai.onnx.ml LinearRegressor as ONNX Runtime computes it: X·Wᵀ (+ intercepts when there is one per target)
 * through MLAS's SGEMM on float32 input; the post transform through `batched_update_scores_inplace`, which for a
 * single target applies only PROBIT.
 */
import { KernelRunError, refuse, type KernelCompiler } from '../kernel.ts';
import { batchedUpdateScores, isPostTransform } from '../ml-common.ts';
import { sgemm } from '../sgemm.ts';

export const compileLinearRegressor: KernelCompiler = (node, inputs) => {
  const input = inputs[0];
  if (!input) return refuse(node, 'has no input');
  if (input.dtype !== 'float32') return refuse(node, `reads ${input.dtype} input (ONNX Runtime takes float32 only)`);
  if (input.dims && input.dims.length > 2) return refuse(node, `reads a rank-${input.dims.length} input`);
  const transform = node.string('post_transform', 'NONE');
  if (!isPostTransform(transform)) return refuse(node, `has post_transform "${transform}"`);
  const targets = node.int('targets', 1);
  if (targets <= 0) return refuse(node, `has targets ${targets}`);
  const coefficients = Float32Array.from(node.floats('coefficients'));
  if (coefficients.length === 0 || coefficients.length % targets !== 0)
    return refuse(node, `has ${coefficients.length} coefficients for ${targets} targets`);
  const features = coefficients.length / targets;
  const allIntercepts = node.floats('intercepts');
  const intercepts = allIntercepts.length === targets ? Float32Array.from(allIntercepts) : undefined;

  return {
    ok: true,
    // ONNX infers no shape for LinearRegressor; ONNX Runtime reports the declared one.
    outputs: [{ dtype: 'float32' }],
    run: ([x]) => {
      const rows = x!.dims.length <= 1 ? 1 : x!.dims[0]!;
      const width = x!.dims.length <= 1 ? x!.data.length : x!.dims[1]!;
      if (width !== features) throw new KernelRunError(node, `has ${features} coefficients per target for rows of ${width} features`);
      const out = new Float32Array(rows * targets);
      if (intercepts) for (let r = 0; r < rows; r++) out.set(intercepts, r * targets);
      sgemm(
        { m: rows, n: targets, k: features, transA: false },
        1,
        x!.data as Float32Array,
        coefficients,
        1,
        out,
        intercepts !== undefined,
      );
      if (transform !== 'NONE') batchedUpdateScores(out, rows, targets, transform, false);
      return [{ dtype: 'float32', data: out, dims: [rows, targets] }];
    },
  };
};
