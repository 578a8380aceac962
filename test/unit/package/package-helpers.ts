/**
 * Packages a graph with `packageModel` on the Worker's ONNX Runtime build in Node, and serves instances through
 * the serving path (validate → encode into the graph's tensors → run → decode) the Worker uses.
 */
import { NodeOrtRuntime } from '../../../cli/lib/ort-node-runtime.ts';
import { packageModel, type PackagedModel, type PackageInput } from '../../../cli/package/package-model.ts';
import { parsePackageSpec } from '../../../cli/package/spec.ts';
import { compileModel, predictRows } from '../../../src/inference/model-runner.ts';
import type { Prediction } from '../../../src/model/decode.ts';
import { compileValidator, FieldErrors, type Row } from '../../../src/model/instance-validator.ts';
import { parseManifest, type Manifest } from '../../../src/model/manifest.ts';
import { runQaGate, type QaReport } from '../../../src/registry/qa-gate.ts';

export const runtime = new NodeOrtRuntime();

export type PackOptions = Partial<Omit<PackageInput, 'onnx' | 'data' | 'spec' | 'runtime'>> & {
  spec?: unknown;
  dataFile?: string;
  onnxFile?: string;
};

export function pack(bytes: Uint8Array, csv: string | Uint8Array, options: PackOptions = {}): Promise<PackagedModel> {
  const spec = parsePackageSpec(options.spec ?? {});
  if (!spec.ok) throw new Error(spec.issues.join('; '));
  const { spec: _spec, dataFile, onnxFile, ...rest } = options;
  return packageModel({
    onnx: { file: onnxFile ?? 'model.onnx', bytes },
    data: { file: dataFile ?? 'data.csv', bytes: typeof csv === 'string' ? new TextEncoder().encode(csv) : csv },
    name: 'test-model',
    version: '1',
    trainedAt: '2026-12-01T00:00:00Z',
    codeVersion: 'vigil-package test',
    matrixFeatures: {},
    ...rest,
    spec: spec.spec,
    runtime,
  });
}

export function parsed(pkg: PackagedModel): Manifest {
  const result = parseManifest(pkg.manifest);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.manifest;
}

/** Predictions for client instances, as the Worker computes them. */
export async function serve(pkg: PackagedModel, instances: readonly unknown[]): Promise<Prediction[]> {
  const manifest = parsed(pkg);
  const errors = new FieldErrors();
  const validator = compileValidator(manifest);
  const rows = instances.map((instance, i) => validator.validate(instance, i, errors));
  if (errors.count > 0) throw new Error(errors.list.map((e) => e.message).join('; '));
  const session = await runtime.createSession(pkg.modelBytes);
  try {
    return await predictRows(session, compileModel(manifest), rows as Row[]);
  } finally {
    await session.release();
  }
}

/** The QA gate the Worker runs on a push, here on the Node build of the same runtime. */
export async function qa(pkg: PackagedModel): Promise<QaReport> {
  const session = await runtime.createSession(pkg.modelBytes);
  try {
    return await runQaGate(parsed(pkg), session);
  } finally {
    await session.release();
  }
}

/** Close within float32 arithmetic. */
export function close(actual: number, expected: number, tolerance = 1e-5): boolean {
  return Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected));
}
