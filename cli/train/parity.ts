/**
 * The export check: ONNX Runtime's scores for the written model must match the in-memory model's. ORT
 * computes in float32, so they differ by rounding; anything beyond 1e-4 relative means the graph does not
 * compute what was trained. "Relative" is to the larger of the two values and the scores' RMS, so a
 * regression prediction near 0 is not held to a tolerance float32 arithmetic cannot meet.
 *
 * @example
 * const parity = compareScores(model.score(x, rows), ortScores);
 * if (!parity.ok) throw new Error(parity.message);
 */

export const PARITY_TOLERANCE = 1e-4;

export type ParityResult = { ok: true; worst: number } | { ok: false; message: string };

export function compareScores(expected: Float64Array, actual: Float64Array, tolerance = PARITY_TOLERANCE): ParityResult {
  if (expected.length !== actual.length) return { ok: false, message: `${actual.length} scores for ${expected.length} rows` };
  let squares = 0;
  for (const v of expected) squares += v * v;
  const rms = Math.sqrt(squares / Math.max(expected.length, 1));
  let worst = 0;
  let worstRow = -1;
  for (let r = 0; r < expected.length; r++) {
    const a = expected[r]!;
    const b = actual[r]!;
    const error = Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), rms, Number.MIN_VALUE);
    if (Number.isNaN(error)) return { ok: false, message: `holdout row ${r}: trained ${a}, ONNX Runtime ${b}` };
    if (error > worst) {
      worst = error;
      worstRow = r;
    }
  }
  if (worst > tolerance) {
    return {
      ok: false,
      message:
        `holdout row ${worstRow}: trained ${expected[worstRow]}, ONNX Runtime ${actual[worstRow]} ` +
        `(relative error ${worst.toExponential(2)})`,
    };
  }
  return { ok: true, worst };
}

/** Largest |p0 + p1 - 1| over rows of a [rows, 2] probability tensor. */
export function probabilitySumError(probabilities: Float32Array, rows: number): number {
  let worst = 0;
  for (let r = 0; r < rows; r++) worst = Math.max(worst, Math.abs(probabilities[2 * r]! + probabilities[2 * r + 1]! - 1));
  return worst;
}
