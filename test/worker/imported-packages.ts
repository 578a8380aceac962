/**
 * Packages made from ONNX exports inside workerd, as `vigil package` makes them (on the Worker's own ONNX
 * Runtime), and the multipart form that pushes one.
 */
import { packageModel, type PackagedModel } from '../../cli/package/package-model.ts';
import { parsePackageSpec } from '../../cli/package/spec.ts';
import { OrtRuntime } from '../../src/inference/ort-runtime.ts';

const runtime = new OrtRuntime();

export async function packaged(
  name: string,
  version: string,
  bytes: Uint8Array,
  csv: string,
  options: { target?: string; features?: string[] } = {},
): Promise<PackagedModel> {
  const spec = parsePackageSpec({});
  if (!spec.ok) throw new Error('spec');
  return packageModel({
    onnx: { file: `${name}.onnx`, bytes },
    data: { file: `${name}.csv`, bytes: new TextEncoder().encode(csv) },
    name,
    version,
    trainedAt: '2026-12-01T00:00:00Z',
    codeVersion: 'vigil-package test',
    ...(options.target ? { target: options.target } : {}),
    matrixFeatures: options.features ? { '': options.features } : {},
    spec: spec.spec,
    runtime,
  });
}

export function form(pkg: PackagedModel): FormData {
  const body = new FormData();
  body.append('model', new File([pkg.modelBytes], 'model.onnx'));
  body.append('manifest', new File([JSON.stringify(pkg.manifest)], 'manifest.json'));
  return body;
}
