/**
 * A model version ready to serve in this isolate: its manifest, the validator, encoder and decoder compiled
 * from it, and its ONNX session. Built once per version per isolate.
 */
import { ModelOutputError, ModelUnavailableError, VersionNotFoundError, VersionNotServableError } from '../errors.ts';
import { compileDecoder, type CompiledDecoder, type Prediction } from '../model/decode.ts';
import { compileEncoder, type CompiledEncoder } from '../model/encoding.ts';
import type { ModelSession } from '../inference/model-runtime.ts';
import type { SessionCache } from '../inference/session-cache.ts';
import { verifyArtifact } from '../registry/artifact.ts';
import { compileValidator, type CompiledValidator, type Row } from '../model/instance-validator.ts';
import type { Manifest } from '../model/manifest.ts';
import type { ModelPackage, ModelStore } from '../registry/model-store.ts';

export class ServedModel {
  readonly name: string;
  readonly version: string;
  readonly manifest: Manifest;
  readonly validator: CompiledValidator;
  readonly encoder: CompiledEncoder;
  readonly decoder: CompiledDecoder;
  readonly session: ModelSession;

  constructor(pkg: ModelPackage, session: ModelSession) {
    this.name = pkg.name;
    this.version = pkg.version;
    this.manifest = pkg.manifest;
    this.validator = compileValidator(pkg.manifest);
    this.encoder = compileEncoder(pkg.manifest);
    this.decoder = compileDecoder(pkg.manifest);
    this.session = session;
  }

  /** Encodes validated rows, runs the model and decodes its output. */
  async predictRows(rows: readonly Row[]): Promise<Prediction[]> {
    const output = await this.runEncoded(this.encoder.encode(rows), rows.length);
    return this.decoder.decode(output, rows.length);
  }

  /** Runs the model on an already encoded matrix and checks the output is complete and finite. */
  async runEncoded(input: Float32Array, rows: number): Promise<Float32Array> {
    const { manifest } = this;
    const output = await this.session.run(manifest.encoding.input_name, input, rows, this.encoder.width, manifest.output.tensor);
    const expected = rows * this.decoder.outputWidth;
    if (output.length !== expected) {
      throw new ModelOutputError(this.name, this.version, `${output.length} values for ${rows} instances, expected ${expected}`);
    }
    for (let i = 0; i < output.length; i++) {
      if (!Number.isFinite(output[i]!)) throw new ModelOutputError(this.name, this.version, `non-finite value ${output[i]} at position ${i}`);
    }
    return output;
  }
}

/** ServedModel per `name@version`, built on first use; failures are not cached so the next request retries. */
export class ServedModelCache {
  readonly #store: ModelStore;
  readonly #sessions: SessionCache;
  readonly #models = new Map<string, Promise<ServedModel>>();

  constructor(store: ModelStore, sessions: SessionCache) {
    this.#store = store;
    this.#sessions = sessions;
  }

  get(name: string, version: string): Promise<ServedModel> {
    const key = `${name}@${version}`;
    let served = this.#models.get(key);
    if (!served) {
      served = this.#load(name, version);
      this.#models.set(key, served);
      served.catch(() => {
        if (this.#models.get(key) === served) this.#models.delete(key);
      });
    }
    return served;
  }

  async #load(name: string, version: string): Promise<ServedModel> {
    const pkg = await this.#store.get(name, version);
    if (!pkg) throw new VersionNotFoundError(name, version, await this.#store.versions(name));
    if (pkg.status === 'qa_failed') throw new VersionNotServableError(name, version, pkg.qaFailure);
    const { sha256 } = pkg.manifest.artifact;
    let session: ModelSession;
    try {
      session = await this.#sessions.get(sha256, async () => verifyArtifact(await pkg.loadArtifact(), sha256));
    } catch (error) {
      throw new ModelUnavailableError(name, version, error instanceof Error ? error.message : String(error));
    }
    const { input_name } = pkg.manifest.encoding;
    const outputName = pkg.manifest.output.tensor;
    if (!session.inputs.some((i) => i.name === input_name)) {
      throw new ModelUnavailableError(name, version, `the ONNX model has no input "${input_name}" (it has ${session.inputs.map((i) => i.name).join(', ')})`);
    }
    if (!session.outputs.some((o) => o.name === outputName)) {
      throw new ModelUnavailableError(name, version, `the ONNX model has no output "${outputName}" (it has ${session.outputs.map((o) => o.name).join(', ')})`);
    }
    return new ServedModel(pkg, session);
  }
}
