/**
 * Compiles the explainer of a model version: exact TreeSHAP when the output comes from one tree ensemble, exact
 * linear contributions when it comes from one linear map, and otherwise (or when the estimator's input cannot be
 * traced back to single features) a sampling Shapley estimate over the original features. Expected failures are
 * values: a graph that cannot be read or run, or a method asked for that does not apply.
 *
 * @example
 * const compiled = compileExplainer(manifest, onnxBytes);
 * if (compiled.ok) {
 *   const [e] = compiled.explainer.explain(rows);
 *   // e.method 'tree_shap', e.space 'raw', e.prediction[0] − e.base_value[0] === Σ e.contributions[f][0]
 * }
 */
import { compileOnnx } from '../inference/compiled/compile-onnx.ts';
import { compileTensorEncoder } from '../model/encoding.ts';
import type { Row } from '../model/instance-validator.ts';
import { modelInputs, type Manifest } from '../model/manifest.ts';
import { drawBackgroundRows } from '../model/sample-rows.ts';
import { encodedColumnMeans } from './background.ts';
import { batchRunner, numbers } from './batch-runner.ts';
import { traceColumns } from './column-provenance.ts';
import { estimatorInput } from './estimator-input.ts';
import type { Explainer, ExplainerInfo, ExplanationMethod } from './explanation.ts';
import { findEstimator } from './find-estimator.ts';
import { compileLinearExplainer } from './linear-explainer.ts';
import { readOnnxGraph, type OnnxGraph } from './onnx-graph.ts';
import { mulberry32 } from '../lib/random.ts';
import { samplingExplainer } from './sampling-explainer.ts';
import { compileTreeExplainer, type CompileExactResult, type ExactContext } from './tree-explainer.ts';

/** What explaining needs of the manifest. */
export type ExplainManifest = Pick<Manifest, 'task' | 'features' | 'encoding'> & { output: Pick<Manifest['output'], 'tensor' | 'labels'> };

export const DEFAULT_BACKGROUND_ROWS = 1000;

export interface ExplainerOptions {
  /** 'auto' (default): the exact method the graph allows, else sampling. A named method is used or refused. */
  method?: 'auto' | ExplanationMethod;
  /**
   * Validated rows (manifest feature order) to take expectations from instead of the training statistics: the
   * cover of TreeSHAP, E[x] of linear models, the background of sampling.
   */
  background?: readonly Row[];
  /** Rows drawn from the training statistics when no background is given (default 1000). */
  backgroundSize?: number;
  /** Seed of the background draw (default 0). */
  seed?: number;
}

export type CompileExplainerResult = { ok: true; explainer: Explainer } | { ok: false; reason: string };

export function compileExplainer(manifest: ExplainManifest, onnxBytes: Uint8Array, options: ExplainerOptions = {}): CompileExplainerResult {
  const read = readOnnxGraph(onnxBytes);
  if (!read.ok) return read;
  const method = options.method ?? 'auto';
  const given = options.background;
  if (given && given.length === 0) return { ok: false, reason: 'the background has no rows' };
  const background =
    given ?? drawBackgroundRows(manifest.features, options.backgroundSize ?? DEFAULT_BACKGROUND_ROWS, mulberry32(options.seed ?? 0));
  const reference: ExplainerInfo['reference'] = given ? 'background rows' : 'training statistics';

  let exactReason: string | undefined;
  if (method !== 'sampling_shapley') {
    const exact = attempt(() => compileExact(read.graph, manifest, background, reference, given === undefined, method));
    if (exact.ok || method !== 'auto') return exact;
    exactReason = exact.reason;
  }

  const compiled = compileOnnx(onnxBytes);
  if (!compiled.ok)
    return {
      ok: false,
      reason:
        `${exactReason ? `no exact method applies (${exactReason}) and ` : ''}` +
        `the graph cannot be evaluated for sampling: ${compiled.reason}`,
    };
  const labels = manifest.output.labels ?? [];
  const outputs = manifest.task === 'regression' ? ['value'] : labels;
  const run = batchRunner(compiled.session, compileTensorEncoder(manifest), manifest.output.tensor, manifest.encoding);
  const value = (rows: readonly Row[]): Float64Array => {
    const out = run(rows);
    if (out.width !== outputs.length)
      throw new Error(`output "${manifest.output.tensor}" has ${out.width} values per row, the manifest describes ${outputs.length}`);
    return numbers(out.tensor);
  };
  // One background row through the model, so a graph that fails on the manifest's rows is refused here.
  const probe = attempt(() => {
    value(background.slice(0, 1));
    return { ok: true as const };
  });
  if (!probe.ok) return { ok: false, reason: `the model cannot be run for sampling: ${probe.reason}` };
  return {
    ok: true,
    explainer: samplingExplainer({
      features: manifest.features.map((f) => f.name),
      outputs,
      space: manifest.task === 'regression' ? 'value' : 'probability',
      value,
      background,
      reference,
      ...(exactReason ? { fallbackReason: exactReason } : {}),
    }),
  };
}

function compileExact(
  graph: OnnxGraph,
  manifest: ExplainManifest,
  background: readonly Row[],
  reference: ExplainerInfo['reference'],
  fromStatistics: boolean,
  method: 'auto' | ExplanationMethod,
): CompileExactResult {
  const found = findEstimator(graph, manifest.output.tensor);
  if (!found.ok) return found;
  const estimator = found.estimator;
  const wanted = estimator.kind === 'tree' ? 'tree_shap' : 'linear';
  if (method !== 'auto' && method !== wanted)
    return {
      ok: false,
      reason: `${method} does not apply: the output comes from a ${estimator.kind === 'tree' ? 'tree ensemble' : 'linear map'}`,
    };
  const traced = traceColumns(graph, manifest, estimator.input);
  if (!traced.ok) return { ok: false, reason: `the estimator's input cannot be traced to single features: ${traced.reason}` };
  if (traced.columns.dims.length !== 1)
    return { ok: false, reason: `the estimator reads a tensor of shape [N, ${traced.columns.dims.join(', ')}], not [N, F]` };
  const input = estimatorInput(graph, manifest, estimator.input);
  if (!input.ok) return input;

  const labels = manifest.output.labels ?? [];
  const context: ExactContext = {
    features: manifest.features.map((f) => f.name),
    players: traced.columns.features,
    input: input.run,
    background,
    reference,
    outputNames: (scores) => {
      if (manifest.task === 'regression') return scores === 1 ? ['value'] : Array.from({ length: scores }, (_, k) => `value[${k}]`);
      if (scores === labels.length) return [...labels];
      if (scores === 1 && labels.length === 2) return [labels[1]!];
      return { reason: `has ${scores} scores for ${labels.length} labels` };
    },
  };
  if (estimator.kind === 'tree') return compileTreeExplainer(estimator, context);

  // E[x] straight from the statistics when the linear map reads a graph input whose columns they determine.
  const graphInput = modelInputs(manifest.encoding).find((i) => i.name === estimator.input);
  const means =
    fromStatistics && graphInput && graphInput.dtype !== 'string' ? encodedColumnMeans(manifest.features, graphInput.columns) : undefined;
  return compileLinearExplainer(estimator, context, means?.ok ? means.means : undefined);
}

/** Runs a compile step whose run-time failures (a kernel rejecting the rows) become a refusal. */
function attempt<T extends { ok: boolean }>(step: () => T): T | { ok: false; reason: string } {
  try {
    return step();
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}
