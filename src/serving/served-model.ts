/**
 * A model version ready to serve in this isolate: its manifest, the validator, encoder and decoder compiled
 * from it, and how to reach its ONNX session (the session cache holds sessions; a run asks for its session
 * each time, so an evicted session is loaded again rather than used after release). Built once per version per
 * isolate.
 */
import {
  ModelOutputError,
  ModelRunError,
  ModelUnavailableError,
  NotExplainableError,
  VersionNotFoundError,
  VersionNotServableError,
  VigilError,
} from '../errors.ts';
import { compileExplainer, type CompileExplainerResult, type Explainer } from '../explain/index.ts';
import { compileModel, predictRows, runRows, type CompiledModel } from '../inference/model-runner.ts';
import type { Engine, ModelSession } from '../inference/model-runtime.ts';
import type { SessionCache } from '../inference/session-cache.ts';
import { PromiseCache } from '../lib/promise-cache.ts';
import { OutputDecodeError, type CompiledDecoder, type Prediction } from '../model/decode.ts';
import type { Tensor, OutputTensor } from '../model/tensor.ts';
import { compileValidator, type CompiledValidator, type Row } from '../model/instance-validator.ts';
import { modelInputs, type Manifest } from '../model/manifest.ts';
import { verifyArtifact } from '../registry/artifact.ts';
import { compileProfiler, type CompiledProfiler } from '../telemetry/profiles.ts';
import { compileSlicer, type Slicer } from '../telemetry/slices.ts';
import type { ModelPackage, ModelStore } from '../registry/model-store.ts';

export type ExplainMethodChoice = 'auto' | 'sampling_shapley';

/** A tensor as JSON shows it: element type, dimensions and values (NaN as null, int64 as numbers). */
export interface TensorJson {
  type: string;
  dims: readonly number[];
  data: unknown[];
}

/** What a model saw and said for a request (the debug trace of `?debug=true`). */
export interface PredictionTrace {
  engine: Engine;
  /** Each instance after validation: the features in manifest order, defaults applied, null where absent. */
  validated: Record<string, unknown>[];
  /** The input tensors the encoder built, by input name. */
  inputs: Record<string, TensorJson>;
  /** Every output the decoder reads, raw, by output name. */
  outputs: Record<string, TensorJson>;
}

export class ServedModel {
  readonly name: string;
  readonly version: string;
  readonly manifest: Manifest;
  readonly validator: CompiledValidator;
  readonly model: CompiledModel;
  readonly decoder: CompiledDecoder;
  /** The engine runs use; an operator may change it while the version serves. */
  engine: Engine;
  readonly #sessions: SessionCache;
  readonly #loadBytes: () => Promise<Uint8Array>;
  /** Compiled explainers per method; a graph that cannot be explained is remembered, a failed read retried. */
  readonly #explainers = new PromiseCache<ExplainMethodChoice, CompileExplainerResult>({ capacity: 2 });
  #slicer: Slicer | undefined;
  #profiler: CompiledProfiler | undefined;
  /** Run failures not yet logged, and when they were last logged (one line per version every RUN_FAILURE_LOG_MS). */
  #unloggedFailures = 0;
  #failuresLoggedAt = -Infinity;

  constructor(pkg: ModelPackage, sessions: SessionCache) {
    this.engine = pkg.engine;
    this.name = pkg.name;
    this.version = pkg.version;
    this.manifest = pkg.manifest;
    this.validator = compileValidator(pkg.manifest);
    this.model = compileModel(pkg.manifest);
    this.decoder = this.model.decoder;
    this.#sessions = sessions;
    const { sha256 } = pkg.manifest.artifact;
    this.#loadBytes = async () => verifyArtifact(await pkg.loadArtifact(), sha256);
  }

  /** A row's values of the manifest's monitoring slices (samples and shadow comparisons), compiled on first use. */
  get slicer(): Slicer {
    this.#slicer ??= compileSlicer(this.manifest);
    return this.#slicer;
  }

  /** How the feature profiles count this version's instances, compiled on first use. */
  get profiler(): CompiledProfiler {
    this.#profiler ??= compileProfiler(this.manifest);
    return this.#profiler;
  }

  /** Runs `task` on this version's session, loading it again if the cache released it. */
  withSession<T>(task: (session: ModelSession) => Promise<T>): Promise<T> {
    return this.#sessions.use(this.manifest.artifact.sha256, this.#loadBytes, task, this.engine);
  }

  /** The encoded inputs and raw outputs for validated rows, run as predictions are (for the debug trace). */
  async trace(rows: readonly Row[]): Promise<PredictionTrace> {
    const inputs = this.model.encoder.encode(rows);
    const engine = this.engine;
    const outputs = await this.withSession((session) => runRows(session, this.model, rows));
    const names = this.manifest.features.map((f) => f.name);
    return {
      engine,
      validated: rows.map((row) => Object.fromEntries(names.map((name, i) => [name, row[i] ?? null]))),
      inputs: Object.fromEntries(Object.entries(inputs).map(([name, t]) => [name, tensorJson(t)])),
      outputs: Object.fromEntries(Object.entries(outputs).map(([name, t]) => [name, tensorJson(t)])),
    };
  }

  /**
   * The explainer of this version, compiled on first use (TreeSHAP's cover, linear E[x] or the sampling
   * background come from the training statistics): the exact method the graph allows, or (`sampling_shapley`)
   * the estimate in the served output's space. A graph nothing can explain is a 422 naming why.
   */
  async explainer(method: ExplainMethodChoice = 'auto'): Promise<Explainer> {
    const compiled = await this.#explainers.get(method, async () => compileExplainer(this.manifest, await this.#loadBytes(), { method }));
    if (!compiled.ok) {
      throw new NotExplainableError(`version ${this.version} of "${this.name}" cannot be explained: ${compiled.reason}`, [
        { field: 'model', code: 'not_explainable', message: compiled.reason },
      ]);
    }
    return compiled.explainer;
  }

  /** Encodes validated rows, runs the model and decodes its outputs, which must be complete and finite. */
  async predictRows(rows: readonly Row[]): Promise<Prediction[]> {
    try {
      return await this.withSession((session) => predictRows(session, this.model, rows));
    } catch (error) {
      if (error instanceof OutputDecodeError) throw new ModelOutputError(this.name, this.version, error.message);
      if (error instanceof VigilError) throw error;
      this.#logRunFailure(error);
      throw new ModelRunError(this.name, this.version, error instanceof Error ? error.message : String(error));
    }
  }

  /** A failing version fails every request: its errors are logged with a count, at most once per interval. */
  #logRunFailure(error: unknown): void {
    this.#unloggedFailures++;
    const now = Date.now();
    if (now - this.#failuresLoggedAt < RUN_FAILURE_LOG_MS) return;
    console.error(
      JSON.stringify({
        level: 'error',
        message: 'model run failed',
        model: this.name,
        version: this.version,
        engine: this.engine,
        failures: this.#unloggedFailures,
        error: String(error),
      }),
    );
    this.#unloggedFailures = 0;
    this.#failuresLoggedAt = now;
  }
}

function tensorJson(t: Tensor | OutputTensor): TensorJson {
  const values = Array.from(t.data as ArrayLike<unknown>, (v) =>
    typeof v === 'bigint' ? Number(v) : typeof v === 'number' && !Number.isFinite(v) ? null : v,
  );
  return { type: 'dtype' in t ? t.dtype : t.type, dims: [...t.dims], data: values };
}

/** How often a failing version's run errors are logged (with the count since the last line). */
const RUN_FAILURE_LOG_MS = 10_000;

/** How many versions' compiled validators, encoders and decoders an isolate keeps. */
const SERVED_MODELS_CAPACITY = 64;

/**
 * ServedModel per `name@version`, built on first use; failures are not cached so the next request retries. Every
 * `ttlSeconds` the package is read again in the background, so an engine an operator forced reaches every isolate
 * (within twice the registry's cache time) without rebuilding anything.
 */
export class ServedModelCache {
  readonly #store: ModelStore;
  readonly #sessions: SessionCache;
  readonly #models: PromiseCache<string, ServedModel>;

  constructor(store: ModelStore, sessions: SessionCache, options: { ttlSeconds?: number; now?: () => number } = {}) {
    this.#store = store;
    this.#sessions = sessions;
    this.#models = new PromiseCache({
      capacity: SERVED_MODELS_CAPACITY,
      ttlMs: (options.ttlSeconds ?? 10) * 1000,
      staleWhileReload: true,
      ...(options.now ? { now: options.now } : {}),
    });
  }

  get(name: string, version: string): Promise<ServedModel> {
    return this.#models.get(`${name}@${version}`, () => this.#load(name, version));
  }

  get size(): number {
    return this.#models.size;
  }

  /** Switches the engine of a version this isolate already serves (others pick it up when they re-read it). */
  setEngine(name: string, version: string, engine: Engine): void {
    const served = this.#models.lastValue(`${name}@${version}`);
    if (served) served.engine = engine;
  }

  async #load(name: string, version: string): Promise<ServedModel> {
    const pkg = await this.#store.get(name, version);
    if (!pkg) throw new VersionNotFoundError(name, version, await this.#store.versions(name));
    if (pkg.status === 'qa_failed') throw new VersionNotServableError(name, version, pkg.qaFailure);
    const previous = this.#models.lastValue(`${name}@${version}`);
    if (previous && previous.manifest.artifact.sha256 === pkg.manifest.artifact.sha256) {
      previous.engine = pkg.engine;
      return previous;
    }
    const served = new ServedModel(pkg, this.#sessions);
    let session: Pick<ModelSession, 'inputs' | 'outputs'>;
    try {
      session = await served.withSession(async (s) => ({ inputs: s.inputs, outputs: s.outputs }));
    } catch (error) {
      throw new ModelUnavailableError(name, version, error instanceof Error ? error.message : String(error));
    }
    const missingInput = modelInputs(pkg.manifest.encoding).find((input) => !session.inputs.some((i) => i.name === input.name));
    if (missingInput) {
      throw new ModelUnavailableError(
        name,
        version,
        `the ONNX model has no input "${missingInput.name}" (it has ${session.inputs.map((i) => i.name).join(', ')})`,
      );
    }
    const { tensor, label_tensor } = pkg.manifest.output;
    const missingOutput = [tensor, ...(label_tensor ? [label_tensor] : [])].find((n) => !session.outputs.some((o) => o.name === n));
    if (missingOutput) {
      throw new ModelUnavailableError(
        name,
        version,
        `the ONNX model has no output "${missingOutput}" (it has ${session.outputs.map((o) => o.name).join(', ')})`,
      );
    }
    return served;
  }
}
