/**
 * The rows an estimator node reads, for instances: the encoded input tensor itself when the estimator reads a
 * graph input, or else the intermediate tensor computed by the graph's own preprocessing (the compiled evaluator
 * runs the graph with that tensor exposed as its output).
 *
 * @example
 * const input = estimatorInput(graph, manifest, 'transformed_column');
 * if (input.ok) input.run(rows).tensor; // [rows, F]
 */
import { compileOnnx } from '../inference/compiled/compile-onnx.ts';
import { compileTensorEncoder } from '../model/encoding.ts';
import type { Row } from '../model/instance-validator.ts';
import { modelInputs, type Encoding } from '../model/manifest.ts';
import type { Tensor, TensorDtype } from '../model/tensor.ts';
import { batchRunner } from './batch-runner.ts';
import { withOutput, type OnnxGraph } from './onnx-graph.ts';

export interface EstimatorRows {
  readonly tensor: Tensor;
  readonly width: number;
}

export type EstimatorInputResult =
  | { ok: true; run: (rows: readonly Row[]) => EstimatorRows; computed: boolean }
  | { ok: false; reason: string };

const CANDIDATE_DTYPES: readonly TensorDtype[] = ['float32', 'float64', 'int64', 'int32'];

export function estimatorInput(
  graph: OnnxGraph,
  manifest: { readonly features: readonly { name: string }[]; readonly encoding: Encoding },
  name: string,
): EstimatorInputResult {
  const encoder = compileTensorEncoder(manifest);
  if (modelInputs(manifest.encoding).some((i) => i.name === name)) {
    return {
      ok: true,
      computed: false,
      run: (rows) => {
        const tensor = encoder.encode(rows)[name]!;
        return { tensor, width: rows.length === 0 ? 0 : tensor.data.length / rows.length };
      },
    };
  }
  let reason = `"${name}" cannot be computed`;
  for (const dtype of CANDIDATE_DTYPES) {
    const compiled = compileOnnx(withOutput(graph, name, dtype));
    if (compiled.ok) {
      const run = batchRunner(compiled.session, encoder, name, manifest.encoding);
      return { ok: true, computed: true, run: (rows) => run(rows) };
    }
    reason = compiled.reason;
    if (!/is declared \w+ but computes as/.test(compiled.reason)) break;
  }
  return { ok: false, reason: `the estimator's input "${name}" cannot be computed: ${reason}` };
}
