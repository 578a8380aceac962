/**
 * Re-runs a package's golden examples through onnxruntime-web and reports the ones that do not reproduce
 * within the manifest's tolerance — the QA check serving applies, done here in Node.
 */
import { compileDecoder, type Prediction } from '../../../src/model/decode.ts';
import type { Manifest } from '../../../src/model/manifest.ts';
import { runOnnx } from '../../../cli/train/ort-runner.ts';

export async function goldenMismatches(manifest: Manifest, onnx: Uint8Array): Promise<string[]> {
  const width = manifest.golden[0]!.encoded.length;
  const x = Float32Array.from(manifest.golden.flatMap((g) => g.encoded));
  const output = await runOnnx(onnx, { inputName: manifest.encoding.input_name, outputName: manifest.output.tensor }, x, manifest.golden.length, width);
  const predictions = compileDecoder(manifest).decode(output, manifest.golden.length);
  const { abs, rel } = manifest.golden_tolerance;
  const close = (a: number, b: number) => Math.abs(a - b) <= abs + rel * Math.max(Math.abs(a), Math.abs(b));
  const mismatches: string[] = [];
  manifest.golden.forEach((g, k) => {
    const actual = predictions[k]!;
    if (!samePrediction(g.expected, actual, close)) mismatches.push(`golden ${k}: expected ${JSON.stringify(g.expected)}, got ${JSON.stringify(actual)}`);
  });
  return mismatches;
}

function samePrediction(expected: Manifest['golden'][number]['expected'], actual: Prediction, close: (a: number, b: number) => boolean): boolean {
  if ('value' in expected) return 'value' in actual && close(expected.value, actual.value);
  if (!('label' in actual) || actual.label !== expected.label) return false;
  return Object.entries(expected.probabilities).every(([label, p]) => close(p, actual.probabilities[label] ?? NaN));
}
