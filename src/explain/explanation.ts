/**
 * What an explanation of one prediction is: the prediction and the base value in a stated space, and one
 * contribution per original feature and output, summing to prediction − base value.
 *
 * @example
 * const e: Explanation = {
 *   method: 'linear', space: 'margin', outputs: ['>50K'],
 *   prediction: [1.2], base_value: [-1.5], contributions: { age: [0.4], education: [2.3] },
 * };
 */
import type { Row } from '../model/instance-validator.ts';

/** tree_shap: exact path-dependent TreeSHAP; linear: exact w·(x − E x); sampling_shapley: Monte Carlo estimate. */
export type ExplanationMethod = 'tree_shap' | 'linear' | 'sampling_shapley';

/**
 * raw: a tree ensemble's summed leaf values plus base values, before its post_transform; margin: a linear map's
 * scores before the link (sigmoid, softmax); probability / value: the served output itself.
 */
export type ExplanationSpace = 'raw' | 'margin' | 'probability' | 'value';

export interface SamplingBudget {
  permutations: number;
  /** Model evaluations (rows run) for this instance. */
  evaluations: number;
  /** Rows the background rows were drawn from. */
  background_rows: number;
  /** Whether the permutation budget or the time budget ended sampling. */
  stopped_by: 'permutations' | 'time';
}

export interface Explanation {
  method: ExplanationMethod;
  space: ExplanationSpace;
  /** What each position of prediction, base_value and a feature's contributions refers to: class labels, or 'value'. */
  outputs: readonly string[];
  /** The model's output for the instance in `space`, per output. */
  prediction: number[];
  /** The expected output in `space` (under the cover, the training statistics or the background), per output. */
  base_value: number[];
  /** Per original feature (manifest order), one contribution per output; they sum to prediction − base_value. */
  contributions: Record<string, number[]>;
  /** Sampling only: the standard error of each contribution. */
  error?: Record<string, number[]>;
  /** Sampling only. */
  budget?: SamplingBudget;
}

/** How an explainer works for one model version, fixed when it is compiled. */
export interface ExplainerInfo {
  method: ExplanationMethod;
  space: ExplanationSpace;
  outputs: readonly string[];
  /**
   * What turns the explained space into the served output: the estimator's post_transform and the nodes after
   * it (e.g. "SOFTMAX", "LOGISTIC → Normalizer", "Sigmoid → Sub → Concat"); "served output" for sampling.
   */
  transform: string;
  /** TreeSHAP: where the node cover came from. */
  cover?: 'graph' | 'background rows';
  /**
   * Where expectations (base values, E[x], the cover, the background) come from: the manifest's training
   * statistics (exactly, or through rows drawn from them), background rows the caller gave, or the tree
   * ensemble's own hit rates.
   */
  reference: 'training statistics' | 'background rows' | 'graph';
  /** Background rows drawn or given (the cover's rows for TreeSHAP, E[x] for linear, the pool for sampling). */
  background_rows: number;
  /** Sampling only: why no exact method applies to this graph. */
  fallback_reason?: string;
}

export interface ExplainOptions {
  /** Sampling only: the most permutations per instance (default 64) and an optional time limit per instance. */
  budget?: { permutations?: number; timeMs?: number };
  /** Sampling only: the seed of the permutations and background draws (default 0); instance i uses stream i. */
  seed?: number;
  /** Sampling only: the clock the time budget reads (default Date.now). */
  now?: () => number;
}

/** Explains instances of one model version. */
export interface Explainer {
  readonly info: ExplainerInfo;
  /** Feature names, in manifest order (the rows' order). */
  readonly features: readonly string[];
  /** One explanation per validated row (a row of the manifest's features, as the validator returns it). */
  explain(rows: readonly Row[], options?: ExplainOptions): Explanation[];
}
