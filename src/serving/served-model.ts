/**
 * A model version ready to serve in this isolate: its manifest, the validator, encoder and decoder compiled
 * from it, and how to reach its ONNX session (the session cache holds sessions; a run asks for its session
 * each time, so an evicted session is loaded again rather than used after release). Built once per version per
 * isolate.
 */
import { ModelOutputError, ModelUnavailableError, VersionNotFoundError, VersionNotServableError } from '../errors.ts';
import { compileModel, predictRows, type CompiledModel } from '../inference/model-runner.ts';
import type { ModelSession } from '../inference/model-runtime.ts';
import type { SessionCache } from '../inference/session-cache.ts';
import { PromiseCache } from '../lib/promise-cache.ts';
import { OutputDecodeError, type CompiledDecoder, type Prediction } from '../model/decode.ts';
import { compileValidator, type CompiledValidator, type Row } from '../model/instance-validator.ts';
import { modelInputs, type Manifest } from '../model/manifest.ts';
import { verifyArtifact } from '../registry/artifact.ts';
import type { ModelPackage, ModelStore } from '../registry/model-store.ts';

export class ServedModel {
  readonly name: string;
  readonly version: string;
  readonly manifest: Manifest;
  readonly validator: CompiledValidator;
  readonly model: CompiledModel;
  readonly decoder: CompiledDecoder;
  readonly #sessions: SessionCache;
  readonly #loadBytes: () => Promise<Uint8Array>;

  constructor(pkg: ModelPackage, sessions: SessionCache) {
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

  /** Runs `task` on this version's session, loading it again if the cache released it. */
  withSession<T>(task: (session: ModelSession) => Promise<T>): Promise<T> {
    return this.#sessions.use(this.manifest.artifact.sha256, this.#loadBytes, task);
  }

  /** Encodes validated rows, runs the model and decodes its outputs, which must be complete and finite. */
  async predictRows(rows: readonly Row[]): Promise<Prediction[]> {
    try {
      return await this.withSession((session) => predictRows(session, this.model, rows));
    } catch (error) {
      if (error instanceof OutputDecodeError) throw new ModelOutputError(this.name, this.version, error.message);
      throw error;
    }
  }
}

/** How many versions' compiled validators, encoders and decoders an isolate keeps. */
const SERVED_MODELS_CAPACITY = 64;

/** ServedModel per `name@version`, built on first use; failures are not cached so the next request retries. */
export class ServedModelCache {
  readonly #store: ModelStore;
  readonly #sessions: SessionCache;
  readonly #models = new PromiseCache<string, ServedModel>({ capacity: SERVED_MODELS_CAPACITY });

  constructor(store: ModelStore, sessions: SessionCache) {
    this.#store = store;
    this.#sessions = sessions;
  }

  get(name: string, version: string): Promise<ServedModel> {
    return this.#models.get(`${name}@${version}`, () => this.#load(name, version));
  }

  get size(): number {
    return this.#models.size;
  }

  async #load(name: string, version: string): Promise<ServedModel> {
    const pkg = await this.#store.get(name, version);
    if (!pkg) throw new VersionNotFoundError(name, version, await this.#store.versions(name));
    if (pkg.status === 'qa_failed') throw new VersionNotServableError(name, version, pkg.qaFailure);
    const served = new ServedModel(pkg, this.#sessions);
    let session: Pick<ModelSession, 'inputs' | 'outputs'>;
    try {
      session = await served.withSession(async (s) => ({ inputs: s.inputs, outputs: s.outputs }));
    } catch (error) {
      throw new ModelUnavailableError(name, version, error instanceof Error ? error.message : String(error));
    }
    const missingInput = modelInputs(pkg.manifest.encoding).find((input) => !session.inputs.some((i) => i.name === input.name));
    if (missingInput) {
      throw new ModelUnavailableError(name, version, `the ONNX model has no input "${missingInput.name}" (it has ${session.inputs.map((i) => i.name).join(', ')})`);
    }
    const { tensor, label_tensor } = pkg.manifest.output;
    const missingOutput = [tensor, ...(label_tensor ? [label_tensor] : [])].find((n) => !session.outputs.some((o) => o.name === n));
    if (missingOutput) {
      throw new ModelUnavailableError(name, version, `the ONNX model has no output "${missingOutput}" (it has ${session.outputs.map((o) => o.name).join(', ')})`);
    }
    return served;
  }
}
