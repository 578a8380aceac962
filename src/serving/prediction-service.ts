/**
 * The data plane: one transport-independent prediction service that every protocol route calls. A request is
 * first resolved to the version that serves it (`resolve`: routing, or the pinned version, and the loaded
 * version with its manifest and engine); the route then decodes its wire format with that manifest in hand and
 * runs the handle (`run`, `explainResolved`), as MLServer's data plane does. `predict` and `explain` do both for
 * routes whose body needs no manifest to read.
 *
 * @example
 * const handle = await service.resolve('adult-income', { routingKey }, background);
 * const result = await service.run(handle, { instances: decode(body, handle.manifest), requestId }, background);
 */
import {
  InvalidInstanceError,
  ModelNotFoundError,
  NoInstancesError,
  TooManyInstancesError,
  VersionNotFoundError,
  VigilError,
} from '../errors.ts';
import type { Prediction } from '../model/decode.ts';
import { FieldErrors, type Row } from '../model/instance-validator.ts';
import type { Explanation, ExplainerInfo } from '../explain/index.ts';
import type { Engine } from '../inference/model-runtime.ts';
import type { Manifest } from '../model/manifest.ts';
import { verifyArtifact } from '../registry/artifact.ts';
import type { ModelStore } from '../registry/model-store.ts';
import type { RouteDecision, ServingRole, TrafficRouter } from '../traffic/router.ts';
import { AfterResponseQueue } from './after-response.ts';
import type { Background, PredictionObserver } from './observer.ts';
import type { PredictionTrace, ServedModel, ServedModelCache } from './served-model.ts';

export const MAX_INSTANCES = 1000;
/** Explaining costs more than predicting (TreeSHAP walks every path; sampling runs the model many times). */
export const MAX_EXPLAIN_INSTANCES = 100;
/** Sampling Shapley: permutations per instance, and the wall time a request's sampling may take in all. */
export const SAMPLING_PERMUTATIONS = 64;
export const SAMPLING_BUDGET_MS = 2000;

export interface ResolveOptions {
  /** Serve this exact version instead of routing through the deployment. */
  version?: string;
  routingKey?: string;
  /** Instances the request carries, when known: a version that fails to load is counted as failing them. */
  instanceCount?: number;
}

/** A request resolved to the version that serves it: the routing decision and the version, loaded. */
export interface ResolvedModel {
  model: string;
  decision: RouteDecision;
  served: ServedModel;
  manifest: Manifest;
  /** When resolution began (performance.now()), so the latency logged covers loading a version too. */
  started: number;
}

export interface RunRequest {
  instances: readonly unknown[];
  requestId: string;
  /** Add the debug trace (validated rows, encoded tensors, raw outputs, engine) to the result. */
  debug?: boolean;
}

export interface PredictRequest extends RunRequest, Omit<ResolveOptions, 'instanceCount'> {
  model: string;
}

export interface ExplainResult {
  model: string;
  version: string;
  requestId: string;
  manifest: Manifest;
  /** How this version is explained: method, space, what maps it to the served output, the reference. */
  info: ExplainerInfo;
  predictions: Prediction[];
  explanations: Explanation[];
}

export interface PredictResult {
  model: string;
  version: string;
  role: ServingRole;
  requestId: string;
  manifest: Manifest;
  predictions: Prediction[];
  /** Non-fatal notes for the caller, such as the use of deprecated features. */
  warnings: string[];
  /** Only when the request asked for it (admin callers): what the model saw and said. */
  trace?: PredictionTrace;
}

export interface ModelDescription {
  name: string;
  versions: string[];
  version: string;
  manifest: Manifest;
  engine: Engine;
}

export class PredictionService {
  readonly #store: ModelStore;
  readonly #models: ServedModelCache;
  readonly #router: TrafficRouter;
  readonly #observers: readonly PredictionObserver[];
  readonly #afterResponse = new AfterResponseQueue();

  constructor(deps: { store: ModelStore; models: ServedModelCache; router: TrafficRouter; observers?: readonly PredictionObserver[] }) {
    this.#store = deps.store;
    this.#models = deps.models;
    this.#router = deps.router;
    this.#observers = deps.observers ?? [];
  }

  /**
   * Validates and predicts. Shadows and telemetry are handed to `background` (the request's waitUntil) and
   * start only after the response has been returned.
   */
  async predict(request: PredictRequest, background: Background = noBackground): Promise<PredictResult> {
    const resolved = await this.resolve(request.model, { ...request, instanceCount: request.instances.length }, background);
    return this.run(resolved, request, background);
  }

  /**
   * The version that serves a request: the pinned one, or the deployment's choice for the routing key, loaded
   * (a client naming an unknown model or version gets 404 here, before anything is read of its body).
   */
  async resolve(model: string, options: ResolveOptions = {}, background: Background | null = noBackground): Promise<ResolvedModel> {
    const decision: RouteDecision =
      options.version !== undefined
        ? {
            version: await this.#requireVersion(model, options.version),
            role: 'pinned',
            shadows: [],
            sampleRate: await this.#router.sampleRate(model, background ?? noBackground),
          }
        : await this.#router.route(model, options.routingKey, background ?? noBackground);
    const started = performance.now();
    const served = await this.#served(model, decision.version, options.instanceCount ?? 1, background);
    return { model, decision, served, manifest: served.manifest, started };
  }

  /** Validates the instances against the resolved version and predicts; observers run after the response. */
  async run(resolved: ResolvedModel, request: RunRequest, background: Background = noBackground): Promise<PredictResult> {
    const { decision: target, served, started } = resolved;
    const { instances, rows } = this.#validated(resolved, request.instances, MAX_INSTANCES, background);
    let predictions: Prediction[];
    try {
      predictions = await served.predictRows(rows);
    } catch (error) {
      this.#notifyFailed(resolved.model, target.version, rows.length, error, background);
      throw error;
    }
    const latencyMs = performance.now() - started;
    if (this.#observers.length > 0) {
      const event = {
        requestId: request.requestId,
        model: resolved.model,
        decision: target,
        served,
        instances,
        rows,
        predictions,
        latencyMs,
        at: Date.now(),
      };
      this.#afterResponse.enqueue(
        background,
        this.#observers.map((o) => (bg: Background) => o.served(event, bg)),
      );
    }
    return {
      model: resolved.model,
      version: target.version,
      role: target.role,
      requestId: request.requestId,
      manifest: served.manifest,
      predictions,
      warnings: deprecationWarnings(served.manifest, served.validator.deprecated, rows),
      ...(request.debug ? { trace: await served.trace(rows) } : {}),
    };
  }

  /**
   * Explains what `predict` would answer: the same routing, validation and errors, then per instance the
   * prediction with one contribution per feature (see src/explain/). Explanations are not predictions: they are
   * neither logged nor profiled, and shadows do not run.
   */
  async explain(request: PredictRequest): Promise<ExplainResult> {
    const resolved = await this.resolve(request.model, request, null);
    return this.explainResolved(resolved, request);
  }

  /** Explains the instances on the resolved version (see `explain`). */
  async explainResolved(resolved: ResolvedModel, request: Omit<RunRequest, 'debug'>): Promise<ExplainResult> {
    const { decision: target, served } = resolved;
    const { rows } = this.#validated(resolved, request.instances, MAX_EXPLAIN_INSTANCES, null);
    const predictions = await served.predictRows(rows);
    const explainer = await served.explainer();
    const explanations = explainer.explain(rows, {
      budget: { permutations: SAMPLING_PERMUTATIONS, timeMs: SAMPLING_BUDGET_MS / rows.length },
      seed: 0,
    });
    return {
      model: resolved.model,
      version: target.version,
      requestId: request.requestId,
      manifest: served.manifest,
      info: explainer.info,
      predictions,
      explanations,
    };
  }

  /** A version ready to serve (its validator and explainers), for reports that explain logged traffic. */
  served(model: string, version: string): Promise<ServedModel> {
    return this.#models.get(model, version);
  }

  /**
   * Validates every instance against the resolved version (a client mistake throws 4xx). With a background,
   * rejections are reported to the observers (after the response); without one (explanations) nothing is.
   */
  #validated(resolved: ResolvedModel, instances: readonly unknown[], limit: number, background: Background | null) {
    const { served } = resolved;
    if (instances.length === 0) {
      throw new NoInstancesError('the request has no instances; send at least one', [
        { field: 'instances', code: 'no_instances', message: 'must contain at least one instance' },
      ]);
    }
    if (instances.length > limit) {
      throw new TooManyInstancesError(`the request has ${instances.length} instances; the limit is ${limit} per request`, [
        { field: 'instances', code: 'too_many_instances', message: `at most ${limit} instances per request` },
      ]);
    }

    const errors = new FieldErrors();
    const rows: Row[] = new Array(instances.length);
    // validate returns null only for an instance with errors (errors.count > 0, checked below).
    for (let i = 0; i < instances.length; i++) rows[i] = served.validator.validate(instances[i], i, errors)!;
    if (errors.count > 0) {
      if (background) this.#notifyRejected(served, instances.length, rows, errors, background);
      const first = errors.list[0]!;
      const more = errors.count > 1 ? ` (and ${errors.count - 1} more problem${errors.count > 2 ? 's' : ''}, listed in details)` : '';
      throw new InvalidInstanceError(`instance ${first.instance}: ${first.message}${more}`, errors.list);
    }
    return { instances, rows };
  }

  /** Model names. */
  models(): Promise<string[]> {
    return this.#store.models();
  }

  /** The manifest of `version`, or of the version the router serves by default. */
  async describe(model: string, version?: string): Promise<ModelDescription> {
    const versions = await this.#store.versions(model);
    if (versions.length === 0) throw new ModelNotFoundError(model, await this.#store.models().catch(() => []));
    const chosen = version ?? (await this.#router.route(model, undefined)).version;
    if (!versions.includes(chosen)) throw new VersionNotFoundError(model, chosen, versions);
    const pkg = await this.#store.get(model, chosen);
    if (!pkg) throw new VersionNotFoundError(model, chosen, versions);
    return { name: model, versions, version: chosen, manifest: pkg.manifest, engine: pkg.engine };
  }

  /**
   * Whether the version can serve. A version the deployment routes traffic to is loaded (verifying its artifact
   * and creating its session, which it needs anyway); any other is ready when it passed QA and its artifact is
   * intact, and gets a session only when a request pins it — a readiness probe never fills the isolate with
   * sessions of versions nobody uses.
   */
  async ready(model: string, version?: string): Promise<boolean> {
    const { version: chosen } = await this.describe(model, version);
    if (version !== undefined && !(await this.#router.servingVersions(model)).has(chosen)) {
      const pkg = await this.#store.get(model, chosen);
      if (!pkg || pkg.status === 'qa_failed') return false;
      return verifyArtifact(await pkg.loadArtifact(), pkg.manifest.artifact.sha256).then(
        () => true,
        () => false,
      );
    }
    try {
      await this.#models.get(model, chosen);
      return true;
    } catch (error) {
      if (error instanceof VigilError && (error.code === 'model_unavailable' || error.code === 'version_not_servable')) return false;
      throw error;
    }
  }

  /** The served model, reporting a version that fails to load as a failure of that version. */
  async #served(model: string, version: string, instanceCount: number, background: Background | null): Promise<ServedModel> {
    try {
      return await this.#models.get(model, version);
    } catch (error) {
      if (background && error instanceof VigilError && error.status >= 500) {
        this.#notifyFailed(model, version, instanceCount, error, background);
      }
      throw error;
    }
  }

  #notifyFailed(model: string, version: string, instanceCount: number, error: unknown, background: Background): void {
    const observers = this.#observers.filter((o) => o.failed);
    if (observers.length === 0) return;
    const event = { model, version, instanceCount, error: error instanceof Error ? error.message : String(error), at: Date.now() };
    this.#afterResponse.enqueue(
      background,
      observers.map((o) => (bg: Background) => o.failed!(event, bg)),
    );
  }

  #notifyRejected(
    served: ServedModel,
    instanceCount: number,
    rows: readonly (Row | null)[],
    errors: FieldErrors,
    background: Background,
  ): void {
    const observers = this.#observers.filter((o) => o.rejected);
    if (observers.length === 0) return;
    const rejectedInstances = rows.filter((r) => r === null).length;
    const event = { model: served.name, served, instanceCount, rejectedInstances, invalidByField: errors.byField, at: Date.now() };
    this.#afterResponse.enqueue(
      background,
      observers.map((o) => (bg: Background) => o.rejected!(event, bg)),
    );
  }

  async #requireVersion(model: string, version: string): Promise<string> {
    const versions = await this.#store.versions(model);
    if (versions.length === 0) throw new ModelNotFoundError(model, await this.#store.models().catch(() => []));
    if (!versions.includes(version)) throw new VersionNotFoundError(model, version, versions);
    return version;
  }
}

function deprecationWarnings(manifest: Manifest, deprecated: readonly number[], rows: readonly Row[]): string[] {
  const warnings: string[] = [];
  for (const fi of deprecated) {
    if (rows.some((row) => row[fi] !== null)) {
      warnings.push(`feature "${manifest.features[fi]!.name}" is deprecated; it is still accepted, plan to stop sending it`);
    }
  }
  return warnings;
}

function noBackground(task: Promise<unknown>): void {
  task.catch(() => undefined);
}
