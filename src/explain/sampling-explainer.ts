/**
 * Sampling Shapley over the original features for any graph the compiled evaluator runs: the served output
 * (probabilities or the regression value), with background rows drawn from the training statistics or given.
 *
 * @example
 * const explainer = samplingExplainer({
 *   features, outputs: ['value'], space: 'value', value, background, reference: 'training statistics'
 * });
 * explainer.explain(rows, { budget: { permutations: 128 }, seed: 7 });
 */
import type { Row } from '../model/instance-validator.ts';
import type { Explainer, ExplainerInfo, Explanation } from './explanation.ts';
import { deriveSeed, mulberry32 } from '../lib/random.ts';
import { samplingShapley, type ValueFunction } from './sampling-shapley.ts';

export const DEFAULT_PERMUTATIONS = 64;

export interface SamplingExplainerInput {
  readonly features: readonly string[];
  readonly outputs: readonly string[];
  readonly space: 'probability' | 'value';
  readonly value: ValueFunction;
  readonly background: readonly Row[];
  readonly reference: ExplainerInfo['reference'];
  readonly fallbackReason?: string;
}

export function samplingExplainer(input: SamplingExplainerInput): Explainer {
  const { features, outputs, space, value, background } = input;
  const K = outputs.length;
  const info: ExplainerInfo = {
    method: 'sampling_shapley',
    space,
    outputs,
    transform: 'served output',
    reference: input.reference,
    background_rows: background.length,
    ...(input.fallbackReason ? { fallback_reason: input.fallbackReason } : {}),
  };
  return {
    info,
    features,
    explain(rows, options = {}) {
      const seed = options.seed ?? 0;
      return rows.map((row, i): Explanation => {
        const result = samplingShapley(value, K, row, background, {
          permutations: options.budget?.permutations ?? DEFAULT_PERMUTATIONS,
          random: mulberry32(deriveSeed(seed, i)),
          ...(options.budget?.timeMs !== undefined ? { timeMs: options.budget.timeMs } : {}),
          ...(options.now ? { now: options.now } : {}),
        });
        const contributions: Record<string, number[]> = {};
        const error: Record<string, number[]> = {};
        features.forEach((name, j) => {
          contributions[name] = Array.from(result.phi.subarray(j * K, (j + 1) * K));
          error[name] = Array.from(result.standardError.subarray(j * K, (j + 1) * K));
        });
        return {
          method: 'sampling_shapley',
          space,
          outputs,
          prediction: Array.from(result.prediction),
          base_value: Array.from(result.base),
          contributions,
          error,
          budget: {
            permutations: result.permutations,
            evaluations: result.evaluations,
            background_rows: background.length,
            stopped_by: result.stoppedBy,
          },
        };
      });
    },
  };
}
