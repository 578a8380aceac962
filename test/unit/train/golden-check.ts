/**
 * Re-runs a package's golden examples through onnxruntime-web and reports the ones that do not reproduce
 * within the manifest's tolerance — the QA check serving applies, done here in Node through the serving path
 * (validate, encode into the model's tensors, run, decode).
 */
import { NodeOrtRuntime } from '../../../cli/lib/ort-node-runtime.ts';
import { compileModel, predictRows } from '../../../src/inference/model-runner.ts';
import type { Prediction } from '../../../src/model/decode.ts';
import { compileValidator, FieldErrors, type Row } from '../../../src/model/instance-validator.ts';
import type { Manifest } from '../../../src/model/manifest.ts';

export async function goldenMismatches(manifest: Manifest, onnx: Uint8Array): Promise<string[]> {
  const validator = compileValidator(manifest);
  const errors = new FieldErrors();
  const rows = manifest.golden.map((g, k) => validator.validate(g.instance, k, errors));
  if (errors.count > 0) return errors.list.map((e) => `golden ${e.instance}: ${e.message}`);
  const session = await new NodeOrtRuntime().createSession(onnx);
  let predictions: Prediction[];
  try {
    predictions = await predictRows(session, compileModel(manifest), rows as Row[]);
  } finally {
    await session.release();
  }
  const { abs, rel } = manifest.golden_tolerance;
  const close = (a: number, b: number) => Math.abs(a - b) <= abs + rel * Math.max(Math.abs(a), Math.abs(b));
  const mismatches: string[] = [];
  manifest.golden.forEach((g, k) => {
    const actual = predictions[k]!;
    if (!samePrediction(g.expected, actual, close))
      mismatches.push(`golden ${k}: expected ${JSON.stringify(g.expected)}, got ${JSON.stringify(actual)}`);
  });
  return mismatches;
}

function samePrediction(
  expected: Manifest['golden'][number]['expected'],
  actual: Prediction,
  close: (a: number, b: number) => boolean,
): boolean {
  if ('value' in expected) return 'value' in actual && close(expected.value, actual.value);
  if (!('label' in actual) || actual.label !== expected.label) return false;
  return Object.entries(expected.probabilities).every(([label, p]) => close(p, actual.probabilities[label] ?? NaN));
}
