/**
 * Turns the model's output tensor into predictions: `{value}` for regression, `{label, probabilities}` for
 * classification. Used by serving, by the QA gate and by training (for golden examples), so all three read
 * outputs the same way.
 */
import type { Manifest } from './manifest.ts';

export interface RegressionPrediction {
  value: number;
}

export interface ClassificationPrediction {
  label: string;
  probabilities: Record<string, number>;
}

export type Prediction = RegressionPrediction | ClassificationPrediction;

export interface CompiledDecoder {
  /** Values per instance the output tensor must hold: 1 for regression, one per label otherwise. */
  readonly outputWidth: number;
  decode(output: Float32Array | Float64Array, rows: number): Prediction[];
  /** The number monitoring tracks for a prediction: the value, or the positive (or top) class probability. */
  score(prediction: Prediction): number;
}

export function compileDecoder(manifest: Pick<Manifest, 'task' | 'output'>): CompiledDecoder {
  if (manifest.task === 'regression') {
    return {
      outputWidth: 1,
      decode(output, rows) {
        const out: Prediction[] = new Array(rows);
        for (let r = 0; r < rows; r++) out[r] = { value: output[r]! };
        return out;
      },
      score: (p) => (p as RegressionPrediction).value,
    };
  }
  const labels = manifest.output.labels ?? [];
  const k = labels.length;
  const positive = manifest.task === 'binary_classification' ? (manifest.output.positive_label ?? labels[1]!) : undefined;
  return {
    outputWidth: k,
    decode(output, rows) {
      const out: Prediction[] = new Array(rows);
      for (let r = 0; r < rows; r++) {
        const probabilities: Record<string, number> = {};
        let best = 0;
        for (let j = 0; j < k; j++) {
          const p = output[r * k + j]!;
          probabilities[labels[j]!] = p;
          if (p > output[r * k + best]!) best = j;
        }
        out[r] = { label: labels[best]!, probabilities };
      }
      return out;
    },
    score(p) {
      const c = p as ClassificationPrediction;
      return positive !== undefined ? c.probabilities[positive]! : c.probabilities[c.label]!;
    },
  };
}
