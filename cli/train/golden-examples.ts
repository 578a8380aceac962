/**
 * Golden examples: each chosen instance validated and encoded by the shared code, with the expectation
 * ONNX Runtime computes for the written model. Serving's QA gate replays them.
 *
 * @example
 * const result = await goldenExamples(instances, features, encoding, onnxBytes, names, decoder);
 */
import type { CompiledDecoder } from '../../src/model/decode.ts';
import { compileEncoder } from '../../src/model/encoding.ts';
import { compileValidator, FieldErrors, type FeatureSchemaSpec, type Row } from '../../src/model/instance-validator.ts';
import type { GoldenExample, MatrixEncoding } from '../../src/model/manifest.ts';
import type { Instance } from './instances.ts';
import { runOnnx, type OnnxTensorNames } from './ort-runner.ts';

export type GoldenResult = { ok: true; examples: GoldenExample[] } | { ok: false; errors: string[] };

export async function goldenExamples(
  instances: readonly Instance[],
  features: readonly FeatureSchemaSpec[],
  encoding: MatrixEncoding,
  onnxBytes: Uint8Array,
  names: OnnxTensorNames,
  decoder: CompiledDecoder,
): Promise<GoldenResult> {
  const validator = compileValidator({ features });
  const encoder = compileEncoder({ features, encoding });
  const rows: Row[] = [];
  for (const [k, instance] of instances.entries()) {
    const errors = new FieldErrors();
    const row = validator.validate(instance, k, errors);
    if (!row) return { ok: false, errors: errors.list.map((e) => `golden example ${k} is invalid (a training bug): ${e.message}`) };
    rows.push(row);
  }
  const x = encoder.encode(rows);
  const predictions = decoder.decodeValues(await runOnnx(onnxBytes, names, x, rows.length, encoder.width), rows.length);
  return {
    ok: true,
    examples: instances.map((instance, k) => ({
      instance,
      encoded: Array.from(x.subarray(k * encoder.width, (k + 1) * encoder.width)),
      expected: predictions[k]!,
    })),
  };
}
