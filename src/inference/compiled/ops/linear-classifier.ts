/**
 * ai.onnx.ml LinearClassifier as ONNX Runtime computes it: scores = X·Wᵀ + intercepts through MLAS's SGEMM
 * (inputs cast to float32), the label by argmax (first maximum), or for a single score row `score > 0`, then
 * the post transform through `batched_update_scores_inplace` (MLAS logistic and, from batch sizes ORT picks, MLAS
 * softmax). With one coefficient row and two labels the scores become [1 − p, p], p = logistic(s) for LOGISTIC
 * and s itself for every other transform.
 */
import { KernelRunError, refuse, type KernelCompiler } from '../kernel.ts';
import { batchedUpdateScores, isPostTransform } from '../ml-common.ts';
import { sgemm } from '../sgemm.ts';
import { linearInput } from './linear-input.ts';

export const compileLinearClassifier: KernelCompiler = (node, inputs) => {
  const input = inputs[0];
  if (!input) return refuse(node, 'has no input');
  if (input.dtype === 'string' || input.dtype === 'bool') return refuse(node, `reads ${input.dtype} input`);
  const transform = node.string('post_transform', 'NONE');
  if (!isPostTransform(transform)) return refuse(node, `has post_transform "${transform}"`);
  const coefficients = Float32Array.from(node.floats('coefficients'));
  const intercepts = Float32Array.from(node.floats('intercepts'));
  const labelStrings = node.strings('classlabels_strings');
  const labelInts = node.bigints('classlabels_ints');
  const usingStrings = labelStrings.length > 0;
  const classCount = intercepts.length;
  if (classCount === 0) return refuse(node, 'has no intercepts (ONNX Runtime counts classes by intercepts)');
  if (coefficients.length === 0 || coefficients.length % classCount !== 0)
    return refuse(node, `has ${coefficients.length} coefficients for ${classCount} classes`);
  const features = coefficients.length / classCount;
  const labelCount = usingStrings ? labelStrings.length : labelInts.length;
  // ONNX Runtime's own checks: enough labels for the classes, exactly two (or none) for one coefficient row.
  if (classCount > 1 && labelCount < classCount) return refuse(node, `has ${labelCount} labels for ${classCount} classes`);
  if (classCount === 1 && labelCount !== 0 && labelCount !== 2)
    return refuse(node, `has ${labelCount} labels for one coefficient row (ONNX Runtime takes two)`);
  const addSecondClass = classCount === 1 && labelCount === 2;
  if (addSecondClass && transform === 'PROBIT')
    return refuse(node, 'is binary with PROBIT, where ONNX Runtime leaves the second score column unwritten');
  const outputClasses = addSecondClass ? 2 : classCount;
  const batch = input.dims?.length === 1 ? 1 : (input.dims?.[0] ?? null);

  return {
    ok: true,
    outputs: [
      { dtype: usingStrings ? 'string' : 'int64', dims: [batch] },
      { dtype: 'float32', dims: [batch, outputClasses] },
    ],
    run: ([x]) => {
      const { rows, width, data } = linearInput(x!);
      if (width !== features) throw new KernelRunError(node, `has ${features} coefficients per class for rows of ${width} features`);
      const scores = new Float32Array(rows * outputClasses);
      for (let r = 0; r < rows; r++) scores.set(intercepts, r * classCount);
      sgemm({ m: rows, n: classCount, k: features, transA: false }, 1, data, coefficients, 1, scores, true);
      const labelIndex = new Int32Array(rows);
      if (classCount === 1) {
        for (let r = 0; r < rows; r++) labelIndex[r] = scores[r]! > 0 ? 1 : 0;
      } else {
        for (let r = 0; r < rows; r++) {
          let best = 0;
          let bestScore = scores[r * classCount]!;
          for (let j = 1; j < classCount; j++) {
            if (scores[r * classCount + j]! > bestScore) {
              bestScore = scores[r * classCount + j]!;
              best = j;
            }
          }
          labelIndex[r] = best;
        }
      }
      if (transform !== 'NONE' || addSecondClass) batchedUpdateScores(scores, rows, classCount, transform, addSecondClass);
      // One score per row: labels are classlabels[1]/[0] with two labels, else "1"/"0" (1/0).
      const binary = classCount === 1;
      const twoLabels = labelCount === 2;
      const label = usingStrings
        ? {
            dtype: 'string' as const,
            data: Array.from(labelIndex, (i) => (binary && !twoLabels ? String(i) : labelStrings[i]!)),
            dims: [rows],
          }
        : {
            dtype: 'int64' as const,
            data: BigInt64Array.from(labelIndex, (i) => (binary && !twoLabels ? BigInt(i) : labelInts[i]!)),
            dims: [rows],
          };
      return [label, { dtype: 'float32', data: scores, dims: [rows, outputClasses] }];
    },
  };
};
