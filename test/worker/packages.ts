/**
 * Pushable model packages for the admin API tests, built from the bundled demo packages.
 */
import { BUNDLED_MODELS } from '../../src/registry/bundled-models.gen.ts';
import { admin } from './helpers.ts';

export interface TestPackage {
  /** The manifest as raw JSON (edit freely before pushing). */
  manifest: Record<string, unknown> & {
    name: string;
    version: string;
    artifact: { sha256: string; bytes: number };
    golden: { expected: Record<string, unknown> }[];
  };
  bytes: Uint8Array;
}

/** A copy of a bundled package, renamed to `version`. */
export function bundledPackage(model: string, fromVersion: string, version = fromVersion): TestPackage {
  const source = BUNDLED_MODELS.find((p) => {
    const m = p.manifest as { name: string; version: string };
    return m.name === model && m.version === fromVersion;
  });
  if (!source) throw new Error(`no bundled ${model}@${fromVersion}`);
  const manifest = structuredClone(source.manifest) as TestPackage['manifest'];
  manifest.version = version;
  return { manifest, bytes: new Uint8Array(source.artifact.slice(0)) };
}

/** The same package with every golden expectation moved far outside tolerance. */
export function withBrokenGoldens(pkg: TestPackage): TestPackage {
  const manifest = structuredClone(pkg.manifest);
  for (const g of manifest.golden) {
    const expected = g.expected as { value?: number; label?: string; probabilities?: Record<string, number> };
    if (expected.value !== undefined) expected.value += 50_000;
    else if (expected.probabilities) {
      const labels = Object.keys(expected.probabilities);
      // Swap the probabilities of the two classes (still a distribution, but not what the model says).
      const [a, b] = labels as [string, string];
      [expected.probabilities[a], expected.probabilities[b]] = [expected.probabilities[b]!, expected.probabilities[a]!];
    }
  }
  return { manifest, bytes: pkg.bytes };
}

export interface PushParts {
  model?: Blob | string | null;
  manifest?: Blob | string | null;
}

export function packageForm(pkg: TestPackage, parts: PushParts = {}): FormData {
  const form = new FormData();
  const model = parts.model === undefined ? new File([pkg.bytes], 'model.onnx', { type: 'application/octet-stream' }) : parts.model;
  const manifest =
    parts.manifest === undefined ? new File([JSON.stringify(pkg.manifest)], 'manifest.json', { type: 'application/json' }) : parts.manifest;
  if (model !== null) form.append('model', model);
  if (manifest !== null) form.append('manifest', manifest);
  return form;
}

/** PUT /admin/models/{model}/versions/{version} with the package as multipart. */
export async function push<T = unknown>(
  model: string,
  version: string,
  body: FormData | string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T }> {
  const res = await admin(`/models/${model}/versions/${version}`, { method: 'PUT', body, headers });
  return { status: res.status, body: (await res.json()) as T };
}

export function pushPackage<T = unknown>(pkg: TestPackage, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  return push<T>(pkg.manifest.name, pkg.manifest.version, packageForm(pkg), headers);
}
