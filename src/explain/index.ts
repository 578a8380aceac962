/**
 * Explanations of predictions (issue 13): per instance, the prediction, a base value and one contribution per
 * original feature summing to prediction − base value — exact TreeSHAP for tree ensembles, exact linear
 * contributions for linear and logistic models, a sampling Shapley estimate with standard errors for any other
 * graph; plus summaries over rows (mean |contribution|) and the attribution of a shift of the mean prediction.
 * Pure code: no I/O, deterministic for a seed.
 *
 * @example
 * const compiled = compileExplainer(manifest, onnxBytes);
 * if (!compiled.ok) throw new Error(compiled.reason);
 * const explanations = compiled.explainer.explain(rows, { budget: { permutations: 64 }, seed: 1 });
 * const summary = summarizeExplanations(explanations);
 */
export { encodedColumnMeans } from './background.ts';
export { drawBackgroundRows } from '../model/sample-rows.ts';
export {
  compileExplainer,
  DEFAULT_BACKGROUND_ROWS,
  type CompileExplainerResult,
  type ExplainerOptions,
  type ExplainManifest,
} from './explainer.ts';
export type {
  ExplainOptions,
  Explainer,
  ExplainerInfo,
  Explanation,
  ExplanationMethod,
  ExplanationSpace,
  SamplingBudget,
} from './explanation.ts';
export {
  attributeShift,
  summarizeExplanations,
  type ExplanationSummary,
  type FeatureSummary,
  type ShiftAttribution,
  type ShiftResult,
  type SummarizeResult,
} from './importance.ts';
export { DEFAULT_PERMUTATIONS } from './sampling-explainer.ts';
