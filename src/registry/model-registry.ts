/**
 * The model registry: every version, bundled or pushed, goes through the same QA gate and is recorded in D1
 * with its result. Serving reads packages through it (it is the Worker's ModelStore), so a version that failed
 * QA can never serve.
 *
 * @example
 * const result = await registry.push({ model: 'adult-income', version: '3', manifestJson, bytes, actor: 'ana' });
 */
import {
  EngineNotProvenError,
  InvalidManifestError,
  ServiceUnavailableError,
  type ErrorDetail,
  VersionExistsError,
  VersionNotFoundError,
  VersionNotServableError,
  VersionOrderError,
} from '../errors.ts';
import type { Engine } from '../inference/model-runtime.ts';
import type { SessionCache } from '../inference/session-cache.ts';
import { canonicalJson } from '../lib/canonical-json.ts';
import { PromiseCache } from '../lib/promise-cache.ts';
import type { ArtifactStore } from './artifact-store.ts';
import { sha256Hex, verifyArtifact } from './artifact.ts';
import { MODEL_NAME_PATTERN, parseManifest, type Manifest } from '../model/manifest.ts';
import { compareVersions, type BundledModelStore, type ModelPackage, type ModelStore } from './model-store.ts';
import { chooseEngine, type EngineChoice } from './engine-choice.ts';
import { loadFailureReport, runQaGate, type QaReport } from './qa-gate.ts';
import { effectiveEngine, firstQaFailure, type VersionRecord, type VersionRepository, type VersionSummary } from './version-repository.ts';

export interface PushInput {
  model: string;
  version: string;
  manifestJson: string;
  bytes: Uint8Array;
  actor: string;
}

export interface PushResult {
  /** false when the identical package was already registered (pushing is idempotent). */
  created: boolean;
  record: VersionRecord;
}

export interface ModelRegistryDeps {
  bundled: BundledModelStore;
  repository: VersionRepository;
  artifacts: ArtifactStore;
  sessions: SessionCache;
  now?: () => Date;
  /**
   * Seconds a model's version list and a version's package are cached in the isolate (changes made through this
   * isolate refresh them at once; other isolates see them within this time).
   */
  listTtlSeconds?: number;
}

export interface EngineChange {
  engine: Engine | 'auto';
  actor: string;
  reason: string | null;
}

/** Models and versions an isolate keeps track of (each a few small objects). */
const MODELS_CAPACITY = 256;
const PACKAGES_CAPACITY = 1024;

export type Existence = 'yes' | 'no' | 'unknown';

export class ModelRegistry implements ModelStore {
  readonly #bundled: BundledModelStore;
  readonly #repository: VersionRepository;
  readonly #artifacts: ArtifactStore;
  readonly #sessions: SessionCache;
  readonly #now: () => Date;
  // Every map is keyed by models that exist (names are checked against the model list first) and bounded; lists
  // answer from their last value while D1 fails.
  readonly #names: PromiseCache<'all', string[]>;
  readonly #registered = new PromiseCache<string, void>({ capacity: MODELS_CAPACITY });
  readonly #packages: PromiseCache<string, ModelPackage | null>;
  readonly #lists: PromiseCache<string, VersionSummary[]>;
  readonly #engineListeners: ((model: string, version: string, engine: Engine) => void)[] = [];

  constructor(deps: ModelRegistryDeps) {
    this.#bundled = deps.bundled;
    this.#repository = deps.repository;
    this.#artifacts = deps.artifacts;
    this.#sessions = deps.sessions;
    this.#now = deps.now ?? (() => new Date());
    const ttlMs = (deps.listTtlSeconds ?? 10) * 1000;
    const now = () => this.#now().getTime();
    this.#names = new PromiseCache({ capacity: 1, ttlMs, staleOnError: true, now });
    this.#lists = new PromiseCache({ capacity: MODELS_CAPACITY, ttlMs, staleOnError: true, now });
    // A version is immutable but for its engine, which an operator may force: re-read in the background, so a
    // request never waits on D1 for a package it already has.
    this.#packages = new PromiseCache({ capacity: PACKAGES_CAPACITY, ttlMs, staleWhileReload: true, now });
  }

  /** Model names, sorted (cached for the list TTL; `fresh` reads D1). Throws ServiceUnavailableError when D1 fails and nothing is known. */
  async models(options: { fresh?: boolean } = {}): Promise<string[]> {
    if (options.fresh) this.#names.delete('all');
    try {
      return await this.#names.get('all', async () => {
        const names = new Set([...(await this.#bundled.models()), ...(await this.#repository.models())]);
        return [...names].sort();
      });
    } catch (error) {
      throw new ServiceUnavailableError('the model registry', error);
    }
  }

  /**
   * Whether `model` exists, without touching any per-model state: 'no' for a name that cannot be a model or is
   * not in the (cached) model list; 'unknown' when D1 cannot be read and the model is not bundled.
   */
  async exists(model: string): Promise<Existence> {
    if (!MODEL_NAME_PATTERN.test(model)) return 'no';
    if ((await this.#bundled.versions(model)).length > 0) return 'yes';
    try {
      return (await this.models()).includes(model) ? 'yes' : 'no';
    } catch {
      return 'unknown';
    }
  }

  /** Sizes of the per-isolate caches (for the isolate's health and the soak test). */
  stats(): { model_lists: number; packages: number; registered: number } {
    return { model_lists: this.#lists.size, packages: this.#packages.size, registered: this.#registered.size };
  }

  async versions(model: string): Promise<string[]> {
    return (await this.summaries(model)).map((v) => v.version);
  }

  /** Every registered version of `model` with its QA status, ascending; `fresh` skips the isolate cache. */
  async summaries(model: string, options: { fresh?: boolean } = {}): Promise<VersionSummary[]> {
    if ((await this.exists(model)) === 'no') return [];
    if (options.fresh) this.#lists.delete(model);
    try {
      return await this.#lists.get(model, async () => {
        await this.ensureRegistered(model);
        return this.#repository.list(model);
      });
    } catch (error) {
      throw new ServiceUnavailableError(`the versions of "${model}"`, error);
    }
  }

  /**
   * A version's package. While D1 cannot be read, a bundled version is still served: its manifest and bytes are
   * in the build, and it goes through the QA gate in the isolate instead of D1's record of it.
   */
  async get(model: string, version: string): Promise<ModelPackage | null> {
    if ((await this.exists(model)) === 'no') return null;
    const key = `${model}@${version}`;
    try {
      const pkg = await this.#packages.get(key, () => this.#load(model, version));
      // A version that does not exist yet may be pushed (by another isolate) at any moment.
      if (!pkg) this.#packages.delete(key);
      return pkg;
    } catch (error) {
      if (error instanceof ServiceUnavailableError) throw error;
      const bundled = await this.#bundled.get(model, version).catch(() => null);
      if (!bundled) throw new ServiceUnavailableError(`version ${version} of "${model}"`, error);
      console.error(
        JSON.stringify({
          level: 'warn',
          message: 'D1 unreadable: serving the bundled package, QA-gated in the isolate',
          model,
          version,
          error: String(error),
        }),
      );
      return this.#packages.get(key, () => this.#bundledFallback(bundled));
    }
  }

  /**
   * The manifest a record stores. A bundled version's record normally holds the very manifest this build carries
   * (the build validated it): then that one is used as is, without validating it again on every cold start.
   */
  async #storedManifest(record: VersionRecord, key: string): Promise<Manifest> {
    if (record.source === 'bundled') {
      const bundled = await this.#bundled.get(record.model, record.version).catch(() => null);
      if (bundled && this.#bundled.manifestJson(record.model, record.version) === record.manifestJson) return bundled.manifest;
    }
    const parsed = parseManifest(JSON.parse(record.manifestJson));
    if (!parsed.ok) throw new Error(`stored manifest of ${key} no longer validates: ${parsed.issues[0]?.message}`);
    return parsed.manifest;
  }

  async #load(model: string, version: string): Promise<ModelPackage | null> {
    const key = `${model}@${version}`;
    // The record is read while the model's registration is checked (one D1 round trip instead of two on a cold
    // start); only a version the registration had to write first is read again.
    const registered = this.ensureRegistered(model);
    const [first] = await Promise.all([this.#repository.get(model, version), registered]);
    const record = first ?? (await this.#repository.get(model, version));
    if (!record) return null;
    return {
      name: model,
      version,
      manifest: await this.#storedManifest(record, key),
      source: record.source,
      status: record.status,
      ...(record.status === 'qa_failed' ? { qaFailure: firstQaFailure(record.qaReport) } : {}),
      engine: effectiveEngine(record).engine,
      loadArtifact: async () => {
        if (record.source === 'bundled') {
          const bundled = await this.#bundled.get(model, version);
          if (!bundled) throw new Error(`bundled artifact of ${key} is missing from this build`);
          return bundled.loadArtifact();
        }
        const bytes = await this.#artifacts.get(record.sha256);
        if (!bytes) throw new Error(`artifact ${record.sha256} of ${key} is missing from R2`);
        return bytes;
      },
    };
  }

  async #bundledFallback(pkg: ModelPackage): Promise<ModelPackage> {
    const report = await this.#qa(pkg.manifest, await pkg.loadArtifact());
    return {
      ...pkg,
      status: report.status,
      ...(report.status === 'qa_failed' ? { qaFailure: firstQaFailure(report) } : {}),
      engine: report.engine?.selected ?? 'onnxruntime',
    };
  }

  /** The full stored record of a version (manifest and QA report), or null. */
  async record(model: string, version: string): Promise<VersionRecord | null> {
    await this.ensureRegistered(model);
    return this.#repository.get(model, version);
  }

  /**
   * Registers the bundled versions of `model` that D1 does not know yet, running each through the QA gate.
   * Once per model per isolate; concurrent isolates race harmlessly (the first insert wins, the rest see it).
   */
  ensureRegistered(model: string): Promise<void> {
    return this.#registered.get(model, () => this.#registerBundled(model));
  }

  async #registerBundled(model: string): Promise<void> {
    const bundledVersions = await this.#bundled.versions(model);
    if (bundledVersions.length === 0) return;
    const known = new Set((await this.#repository.list(model)).map((v) => v.version));
    for (const version of bundledVersions) {
      if (known.has(version)) continue;
      const pkg = (await this.#bundled.get(model, version))!;
      const bytes = await pkg.loadArtifact();
      const report = await this.#qa(pkg.manifest, bytes);
      await this.#repository.insert({
        model,
        version,
        source: 'bundled',
        sha256: pkg.manifest.artifact.sha256,
        bytes: bytes.byteLength,
        manifestJson: this.#bundled.manifestJson(model, version)!,
        status: report.status,
        qaReport: report,
        createdAt: this.#now().getTime(),
        createdBy: 'vigil:bundled',
      });
    }
    this.#lists.delete(model);
    this.#names.delete('all');
  }

  async #qa(manifest: Manifest, bytes: Uint8Array): Promise<QaReport> {
    try {
      return await this.#sessions.use(
        manifest.artifact.sha256,
        async () => verifyArtifact(bytes, manifest.artifact.sha256),
        async (session) => {
          const report = await runQaGate(manifest, session, this.#now());
          // ONNX Runtime is the reference: the compiled evaluator serves only what it proves to match.
          if (report.status === 'qa_passed' && this.#sessions.compiles) report.engine = await chooseEngine(manifest, bytes, session);
          return report;
        },
      );
    } catch (error) {
      return loadFailureReport(error, this.#now());
    }
  }

  /**
   * Forces the engine of a QA-passed version, or ('auto') goes back to the QA gate's choice. Forcing the compiled
   * evaluator needs its parity with ONNX Runtime proven: by the QA report, or (for versions checked before the
   * evaluator existed) by running the proof now. Throws VigilError 404/409 with what to do instead.
   */
  async setEngine(model: string, version: string, change: EngineChange): Promise<VersionSummary> {
    const record = await this.record(model, version);
    if (!record) throw new VersionNotFoundError(model, version);
    if (record.status !== 'qa_passed') {
      const failure = firstQaFailure(record.qaReport) ?? 'failed QA';
      throw new VersionNotServableError(model, version, failure, {
        message: `version ${version} of "${model}" failed QA and never serves, on any engine`,
        details: [{ field: 'version', code: 'qa_failed', message: failure }],
      });
    }
    if (change.engine === 'compiled') {
      const proof = record.qaReport.engine?.selected === 'compiled' ? record.qaReport.engine : await this.#proveParity(record);
      if (proof.selected !== 'compiled') {
        throw new EngineNotProvenError(`version ${version} of "${model}" cannot run on the compiled evaluator: ${proof.reason}`, [
          { field: 'engine', code: 'engine_not_proven', message: proof.reason },
        ]);
      }
    }
    await this.#repository.setEngineOverride(
      model,
      version,
      change.engine === 'auto' ? null : { engine: change.engine, actor: change.actor, reason: change.reason, at: this.#now().getTime() },
    );
    this.#packages.delete(`${model}@${version}`);
    this.#lists.delete(model);
    const summary = (await this.summaries(model, { fresh: true })).find((v) => v.version === version);
    if (!summary) throw new Error(`version ${version} of "${model}" vanished while its engine was set`);
    for (const listener of this.#engineListeners) listener(model, version, summary.engine);
    return summary;
  }

  /** Calls `listener` when this isolate changes the engine of a version. */
  onEngineChange(listener: (model: string, version: string, engine: Engine) => void): void {
    this.#engineListeners.push(listener);
  }

  async #proveParity(record: VersionRecord): Promise<EngineChoice> {
    if (!this.#sessions.compiles)
      return { selected: 'onnxruntime', reason: 'this deployment has no compiled evaluator', probes: 0, max_abs_diff: null };
    const pkg = await this.get(record.model, record.version);
    if (!pkg) throw new Error(`version ${record.version} of "${record.model}" has no package`);
    const bytes = await verifyArtifact(await pkg.loadArtifact(), record.sha256);
    return this.#sessions.use(
      record.sha256,
      async () => bytes,
      (session) => chooseEngine(pkg.manifest, bytes, session),
    );
  }

  /** Checks, QA-gates, stores and records a pushed version. Throws VigilError for client mistakes. */
  async push(input: PushInput): Promise<PushResult> {
    const { model, version } = input;
    const manifest = parsePushedManifest(input.manifestJson);
    const mismatch: ErrorDetail[] = [];
    if (manifest.name !== model)
      mismatch.push({
        field: 'manifest.name',
        code: 'mismatch',
        message: `the manifest names model "${manifest.name}", the URL "${model}"`,
      });
    if (manifest.version !== version)
      mismatch.push({
        field: 'manifest.version',
        code: 'mismatch',
        message: `the manifest says version "${manifest.version}", the URL "${version}"`,
      });
    if (mismatch.length) throw new InvalidManifestError(mismatch.map((m) => m.message).join('; '), mismatch);

    const sha256 = await sha256Hex(input.bytes);
    if (sha256 !== manifest.artifact.sha256 || input.bytes.byteLength !== manifest.artifact.bytes) {
      throw new InvalidManifestError(
        `the uploaded model.onnx (${input.bytes.byteLength} bytes, sha256 ${sha256}) is not the artifact ` +
          `the manifest describes (${manifest.artifact.bytes} bytes, sha256 ${manifest.artifact.sha256})`,
        [{ field: 'manifest.artifact.sha256', code: 'sha256_mismatch', message: `model.onnx has sha256 ${sha256}` }],
      );
    }

    const existing = await this.record(model, version);
    if (existing) return this.#samePackageOrConflict(existing, sha256, manifest);
    const versions = await this.#repository.list(model);
    const latest = versions[versions.length - 1];
    if (latest && compareVersions(version, latest.version) < 0) {
      throw new VersionOrderError(
        `version ${version} is older than the latest version ${latest.version} ` +
          `of "${model}"; push version ${Number(latest.version) + 1} or higher`,
        [{ field: 'version', code: 'version_order', message: `must be greater than ${latest.version}` }],
      );
    }

    const report = await this.#qa(manifest, input.bytes);
    await this.#artifacts.put(sha256, input.bytes);
    const record: VersionRecord = {
      model,
      version,
      source: 'pushed',
      sha256,
      bytes: input.bytes.byteLength,
      manifestJson: input.manifestJson,
      status: report.status,
      qaReport: report,
      createdAt: this.#now().getTime(),
      createdBy: input.actor,
    };
    if ((await this.#repository.insert(record)) === 'exists') {
      return this.#samePackageOrConflict((await this.#repository.get(model, version))!, sha256, manifest);
    }
    this.#lists.delete(model);
    this.#names.delete('all');
    return { created: true, record };
  }

  /**
   * Pushing is idempotent for the identical package only. The same artifact with another manifest is a
   * different package too: answering with the stored record would report the old QA result for it.
   */
  #samePackageOrConflict(existing: VersionRecord, sha256: string, manifest: Manifest): PushResult {
    const sameBytes = existing.sha256 === sha256;
    if (sameBytes && sameManifest(existing.manifestJson, manifest)) return { created: false, record: existing };
    const difference = sameBytes ? 'the same artifact but a different manifest' : `different bytes (sha256 ${existing.sha256})`;
    throw new VersionExistsError(
      `version ${existing.version} of "${existing.model}" already exists ` +
        `with ${difference}; versions are immutable, push a new version number`,
      [
        {
          field: 'version',
          code: 'version_exists',
          message: sameBytes ? 'already exists with a different manifest' : 'already exists with a different artifact',
        },
      ],
    );
  }
}

/** Whether a stored manifest and a pushed one say the same, whatever their key order and defaults. */
function sameManifest(storedJson: string, manifest: Manifest): boolean {
  const stored = parseManifest(JSON.parse(storedJson));
  return stored.ok && canonicalJson(stored.manifest) === canonicalJson(manifest);
}

function parsePushedManifest(json: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new InvalidManifestError(`manifest is not valid JSON: ${(error as Error).message}`, [
      { field: 'manifest', code: 'malformed_json', message: (error as Error).message },
    ]);
  }
  const parsed = parseManifest(raw);
  if (!parsed.ok) {
    const details = parsed.issues.slice(0, 50).map((i) => ({ field: `manifest.${i.path}`, code: 'invalid', message: i.message }));
    throw new InvalidManifestError(`manifest is invalid: ${details[0]!.field}: ${details[0]!.message}`, details);
  }
  return parsed.manifest;
}
