/**
 * Turns the model's output tensors into predictions: `{value}` for regression, `{label, probabilities}` for
 * classification. Used by serving, by the QA gate, by training and by packaging (for golden examples), so all
 * of them read outputs the same way.
 *
 * The label is the model's own when the graph has a label output (`output.label_tensor`: sklearn-onnx,
 * onnxmltools), else the most probable class.
 */
import { positiveLabel, type Manifest } from './manifest.ts';
import type { OutputTensor } from './tensor.ts';

export interface RegressionPrediction {
  value: number;
}

export interface ClassificationPrediction {
  label: string;
  probabilities: Record<string, number>;
}

export type Prediction = RegressionPrediction | ClassificationPrediction;

/** The outputs do not have the shape or content the manifest describes. */
export class OutputDecodeError extends Error {
  override readonly name = 'OutputDecodeError';
}

export interface CompiledDecoder {
  /** Values per instance the main output tensor must hold: 1 for regression, one per label otherwise. */
  readonly outputWidth: number;
  /** The output tensors to fetch from the model. */
  readonly outputNames: readonly string[];
  /** Checks the outputs (complete, finite, known labels) and decodes them; throws OutputDecodeError. */
  decode(outputs: Readonly<Record<string, OutputTensor>>, rows: number): Prediction[];
  /** Decodes the main output's values alone (probabilities decide the label). */
  decodeValues(values: ArrayLike<number>, rows: number): Prediction[];
  /** The number monitoring tracks for a prediction: the value, or the positive (or top) class probability. */
  score(prediction: Prediction): number;
}

export type DecoderManifest = Pick<Manifest, 'task'> & {
  output: Pick<Manifest['output'], 'tensor' | 'label_tensor' | 'labels' | 'positive_label'>;
};

export function compileDecoder(manifest: DecoderManifest): CompiledDecoder {
  const tensor = manifest.output.tensor;
  const valuesOf = (outputs: Readonly<Record<string, OutputTensor>>, rows: number, width: number): ArrayLike<number> => {
    const output = outputs[tensor];
    if (!output) throw new OutputDecodeError(`the model produced no output "${tensor}"`);
    if (!(output.data instanceof Float32Array || output.data instanceof Float64Array))
      throw new OutputDecodeError(`output "${tensor}" is ${output.type}, expected a float tensor`);
    if (output.data.length !== rows * width)
      throw new OutputDecodeError(`${output.data.length} values for ${rows} instances, expected ${rows * width}`);
    for (let i = 0; i < output.data.length; i++) {
      if (!Number.isFinite(output.data[i]!)) throw new OutputDecodeError(`non-finite value ${output.data[i]} at position ${i}`);
    }
    return output.data;
  };

  if (manifest.task === 'regression') {
    const decodeValues = (values: ArrayLike<number>, rows: number): Prediction[] => {
      const out: Prediction[] = new Array(rows);
      for (let r = 0; r < rows; r++) out[r] = { value: values[r]! };
      return out;
    };
    return {
      outputWidth: 1,
      outputNames: [tensor],
      decode: (outputs, rows) => decodeValues(valuesOf(outputs, rows, 1), rows),
      decodeValues,
      score: (p) => (p as RegressionPrediction).value,
    };
  }

  const labels = manifest.output.labels ?? [];
  const k = labels.length;
  const known = new Set(labels);
  const positive = positiveLabel(manifest);
  const labelTensor = manifest.output.label_tensor;

  const decodeValues = (values: ArrayLike<number>, rows: number, modelLabels?: ArrayLike<unknown>): Prediction[] => {
    const out: Prediction[] = new Array(rows);
    for (let r = 0; r < rows; r++) {
      const probabilities: Record<string, number> = {};
      let best = 0;
      for (let j = 0; j < k; j++) {
        const p = values[r * k + j]!;
        probabilities[labels[j]!] = p;
        if (p > values[r * k + best]!) best = j;
      }
      let label = labels[best]!;
      if (modelLabels) {
        label = String(modelLabels[r]);
        if (!known.has(label))
          throw new OutputDecodeError(
            `the model predicted label ${JSON.stringify(label)}, which is not ` +
              `one of its labels ${labels.map((l) => JSON.stringify(l)).join(', ')}`,
          );
      }
      out[r] = { label, probabilities };
    }
    return out;
  };

  return {
    outputWidth: k,
    outputNames: labelTensor ? [tensor, labelTensor] : [tensor],
    decode(outputs, rows) {
      const values = valuesOf(outputs, rows, k);
      if (!labelTensor) return decodeValues(values, rows);
      const predicted = outputs[labelTensor];
      if (!predicted) throw new OutputDecodeError(`the model produced no output "${labelTensor}"`);
      if (predicted.data.length !== rows) throw new OutputDecodeError(`${predicted.data.length} labels for ${rows} instances`);
      return decodeValues(values, rows, predicted.data);
    },
    decodeValues: (values, rows) => decodeValues(values, rows),
    score(p) {
      const c = p as ClassificationPrediction;
      return positive !== undefined ? c.probabilities[positive]! : c.probabilities[c.label]!;
    },
  };
}
