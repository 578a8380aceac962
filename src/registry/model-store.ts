/**
 * Where model packages come from. The Worker reads bundled packages (models/<name>/<version>/, discovered at
 * build time); pushed packages (R2) implement the same interface.
 */
import type { Engine } from '../inference/model-runtime.ts';
import { parseManifest, type Manifest } from '../model/manifest.ts';

export interface ModelPackage {
  readonly name: string;
  readonly version: string;
  readonly manifest: Manifest;
  readonly source: 'bundled' | 'pushed';
  /** QA result; 'unchecked' only for stores that do not gate (tests, benchmarks). */
  readonly status: 'qa_passed' | 'qa_failed' | 'unchecked';
  /** The first failed QA check, when status is qa_failed. */
  readonly qaFailure?: string;
  /** What evaluates it: the compiled evaluator only once the QA gate proved its parity with ONNX Runtime. */
  readonly engine: Engine;
  /** The ONNX bytes as stored; callers verify them against manifest.artifact.sha256. */
  loadArtifact(): Promise<Uint8Array>;
}

export interface ModelStore {
  /** Model names, sorted. */
  models(): Promise<string[]>;
  /** Versions of `model`, ascending by number; empty when the model is unknown. */
  versions(model: string): Promise<string[]>;
  get(model: string, version: string): Promise<ModelPackage | null>;
}

export interface BundledPackageSource {
  manifest: unknown;
  artifact: ArrayBuffer;
  /**
   * The build (`vigil prepare`) validated this manifest with this build's schema and found it complete (parsing
   * adds no default): it is used as is, not parsed again in every isolate.
   */
  validated?: boolean;
  /** The build's tree image of the artifact (see tree-image.ts), when the compiled evaluator runs its trees. */
  trees?: ArrayBuffer;
}

export function compareVersions(a: string, b: string): number {
  return Number(a) - Number(b);
}

/**
 * Packages compiled into the Worker. Manifests are validated once, on first use. On its own it serves
 * unchecked packages; the ModelRegistry puts them through the QA gate before they can serve.
 */
export class BundledModelStore implements ModelStore {
  readonly #byModel = new Map<string, Map<string, BundledPackageSource>>();
  readonly #parsed = new Map<string, ModelPackage>();
  readonly #json = new Map<string, string>();

  constructor(sources: readonly BundledPackageSource[]) {
    for (const source of sources) {
      const raw = source.manifest as { name?: unknown; version?: unknown };
      if (typeof raw.name !== 'string' || typeof raw.version !== 'string') throw new Error('bundled manifest without name/version');
      let versions = this.#byModel.get(raw.name);
      if (!versions) this.#byModel.set(raw.name, (versions = new Map()));
      versions.set(raw.version, source);
    }
  }

  async models(): Promise<string[]> {
    return [...this.#byModel.keys()].sort();
  }

  async versions(model: string): Promise<string[]> {
    return [...(this.#byModel.get(model)?.keys() ?? [])].sort(compareVersions);
  }

  async get(model: string, version: string): Promise<ModelPackage | null> {
    const key = `${model}@${version}`;
    const cached = this.#parsed.get(key);
    if (cached) return cached;
    const source = this.#byModel.get(model)?.get(version);
    if (!source) return null;
    const pkg: ModelPackage = {
      name: model,
      version,
      manifest: source.validated ? (source.manifest as Manifest) : parsedManifest(key, source.manifest),
      source: 'bundled',
      status: 'unchecked',
      engine: 'onnxruntime',
      loadArtifact: async () => new Uint8Array(source.artifact),
    };
    this.#parsed.set(key, pkg);
    return pkg;
  }

  /** The JSON text of a bundled version's manifest, as the registry stores it; undefined for an unknown version. */
  manifestJson(model: string, version: string): string | undefined {
    const key = `${model}@${version}`;
    let json = this.#json.get(key);
    if (json === undefined) {
      const source = this.#byModel.get(model)?.get(version);
      if (!source) return undefined;
      json = JSON.stringify(source.validated ? source.manifest : parsedManifest(key, source.manifest));
      this.#json.set(key, json);
    }
    return json;
  }
}

function parsedManifest(key: string, raw: unknown): Manifest {
  const result = parseManifest(raw);
  if (!result.ok) {
    throw new Error(`bundled manifest ${key} is invalid: ${result.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  }
  return result.manifest;
}
