/**
 * Whether a server reproduces a manifest's golden examples, within the manifest's own tolerance and by the QA
 * gate's rule (|actual − expected| ≤ abs + rel·|expected|; labels exactly). Run against Vigil and both baselines
 * before any load, so all of them serve the same model on the same tensors. Pure; unit-tested.
 */

export interface GoldenTolerance {
  abs: number;
  rel: number;
}

export interface GoldenExample {
  instance: Record<string, unknown>;
  expected: { value?: number; label?: string; probabilities?: Record<string, number> };
}

/** A prediction as Vigil and the baselines answer it: `{value}` for regression, `{label, probabilities}` otherwise. */
export interface AnsweredPrediction {
  value?: number;
  label?: string;
  probabilities?: Record<string, number>;
}

export function withinTolerance(actual: number, expected: number, tolerance: GoldenTolerance): boolean {
  return Math.abs(actual - expected) <= tolerance.abs + tolerance.rel * Math.abs(expected);
}

/** What differs between the answers and the golden expectations, one line per difference (empty: all match). */
export function goldenMismatches(
  answers: readonly (AnsweredPrediction | undefined)[],
  golden: readonly GoldenExample[],
  tolerance: GoldenTolerance,
): string[] {
  const out: string[] = [];
  if (answers.length !== golden.length) out.push(`${answers.length} predictions for ${golden.length} golden examples`);
  golden.forEach((g, i) => {
    const got = answers[i];
    if (!got) return;
    const { value, label, probabilities } = g.expected;
    if (value !== undefined) {
      if (typeof got.value !== 'number' || !withinTolerance(got.value, value, tolerance))
        out.push(`golden ${i}: predicted ${got.value}, the manifest expects ${value}`);
      return;
    }
    if (label !== undefined && got.label !== label) out.push(`golden ${i}: label ${got.label}, the manifest expects ${label}`);
    for (const [name, p] of Object.entries(probabilities ?? {})) {
      const actual = got.probabilities?.[name];
      if (typeof actual !== 'number' || !withinTolerance(actual, p, tolerance))
        out.push(`golden ${i}: P(${name}) ${actual}, the manifest expects ${p}`);
    }
  });
  return out;
}
