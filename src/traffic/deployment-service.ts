/**
 * Deployments as operations: read (cached per isolate), change (validated, audited, safe under concurrency)
 * and bootstrap (a model with bundled versions and no deployment gets its default one on first use).
 *
 * @example
 * await deployments.change('adult-income', { action: 'canary', version: '3', percent: 10 }, 'ana', 'new features');
 */
import {
  DeploymentConflictError,
  InvalidRequestError,
  NoDeploymentError,
  NoPreviousPrimaryError,
  ServiceUnavailableError,
  VersionNotFoundError,
  VersionNotServableError,
  type VigilError,
} from '../errors.ts';
import { isLost, untilLost } from '../lib/shared-work.ts';
import type { ModelRegistry } from '../registry/model-registry.ts';
import {
  applyDeploymentAction,
  DEFAULT_SAMPLE_RATE,
  type Deployment,
  type DeploymentAction,
  type DeploymentRefusal,
  type ShadowSpec,
  type VersionInfo,
} from './deployment.ts';
import type { DeploymentEvent, DeploymentStore } from './deployment-store.ts';

/**
 * Default deployment of a bundled model (models/deployments.json); null declares a bundled model that is registered
 * and QA-gated but serves only once an operator promotes one of its versions.
 */
export interface DefaultDeployment {
  primary: string;
  shadows?: ShadowSpec[];
  sample_rate?: number;
}

export interface DeploymentServiceDeps {
  store: DeploymentStore;
  registry: ModelRegistry;
  defaults: Readonly<Record<string, DefaultDeployment | null>>;
  /** How long an isolate may serve a cached deployment (DESIGN §4: at most 10 s). */
  cacheSeconds: number;
  now?: () => Date;
}

const MAX_COMMIT_ATTEMPTS = 10;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
/** Upper bound of the random wait before retry n: 10, 20, 40, … ms, capped (spreads out racing isolates). */
const MAX_RETRY_DELAY_MS = 250;

function retryDelayMs(attempt: number): number {
  return Math.random() * Math.min(MAX_RETRY_DELAY_MS, 10 * 2 ** attempt);
}

/** The error of a refused change of `model`'s deployment; `version` is the one the action named, if any. */
function refusalError(refusal: DeploymentRefusal, model: string, version: string): VigilError {
  switch (refusal.code) {
    case 'version_not_found':
      return new VersionNotFoundError(model, version, [], {
        message: refusal.message,
        details: [{ field: 'version', code: refusal.code, message: refusal.message }],
      });
    case 'version_not_qa_passed':
      return new VersionNotServableError(model, version, undefined, {
        message: refusal.message,
        details: [{ field: 'version', code: refusal.code, message: refusal.message }],
      });
    case 'no_previous_primary':
      return new NoPreviousPrimaryError(refusal.message, [{ field: 'action', code: refusal.code, message: refusal.message }]);
    case 'invalid_value':
      return new InvalidRequestError(refusal.message, [{ field: 'action', code: refusal.code, message: refusal.message }]);
    case 'invalid_state':
      return new DeploymentConflictError(refusal.message, [{ field: 'action', code: refusal.code, message: refusal.message }]);
  }
}

interface CacheEntry {
  /** The deployment as last read (null: the model has nothing deployable). */
  deployment: Deployment | null;
  /** When it was read. */
  at: number;
  /** While D1 fails: no read is tried before this time (ms); the cached deployment serves meanwhile. */
  retryAt?: number;
  /** A read in progress, and when it started. */
  loading?: Promise<Deployment | null>;
  loadingSince?: number;
}

/** How long a request waits for D1 once its cached deployment expired, before it is served the cached one. */
const SLOW_READ_MS = 250;
/** While D1 fails, how long the cached deployment is served before D1 is tried again. */
const RETRY_AFTER_FAILURE_MS = 2000;
/** Deployments an isolate keeps (one per model it serves). */
const CACHE_CAPACITY = 256;

export class DeploymentService {
  readonly #store: DeploymentStore;
  readonly #registry: ModelRegistry;
  readonly #defaults: Readonly<Record<string, DefaultDeployment | null>>;
  readonly #cacheMs: number;
  readonly #now: () => Date;
  readonly #cache = new Map<string, CacheEntry>();
  /** Per model, the last change queued in this isolate, and when it was: the next one waits for it. */
  readonly #changing = new Map<string, { run: Promise<unknown>; at: number }>();

  constructor(deps: DeploymentServiceDeps) {
    this.#store = deps.store;
    this.#registry = deps.registry;
    this.#defaults = deps.defaults;
    this.#cacheMs = Math.min(Math.max(deps.cacheSeconds, 0), 10) * 1000;
    this.#now = deps.now ?? (() => new Date());
  }

  /**
   * The deployment that serves `model`, from the isolate cache when fresh: never older than `cacheSeconds` while
   * D1 answers. Past half that age the cached value is still served while a refresh runs in `background`, so a
   * busy isolate does not wait on D1. Creates the default deployment the first time a bundled model is used;
   * null for a model that does not exist (checked first, so unknown names leave no state behind).
   *
   * When D1 fails or stalls, the last deployment read keeps serving (stale while error, retried every few
   * seconds); with none, a bundled model serves its default deployment from the build; only a model this isolate
   * knows nothing about gets 503 (ServiceUnavailableError).
   */
  async current(model: string, background?: (task: Promise<unknown>) => void): Promise<Deployment | null> {
    const nowMs = this.#now().getTime();
    const cached = this.#cache.get(model);
    if (cached) {
      const age = nowMs - cached.at;
      if (age < this.#cacheMs / 2) return cached.deployment;
      // D1 failed a moment ago: one read every RETRY_AFTER_FAILURE_MS per isolate, not one per request.
      if (cached.retryAt !== undefined && nowMs < cached.retryAt) return cached.deployment;
      // A read whose request was torn down never settles (shared-work.ts); without this, the isolate would serve
      // the cached deployment, however old, for as long as it lives.
      const loading = cached.loading && !isLost(cached.loadingSince!, nowMs) ? cached.loading : undefined;
      if (age < this.#cacheMs) {
        if (background && !loading) background(this.#read(model, cached).catch(() => undefined));
        return cached.deployment;
      }
      // Expired: wait briefly for D1, and answer from the cache if it is slow or failing.
      const read = loading ?? this.#read(model, cached);
      if (background) background(read.catch(() => undefined));
      return Promise.race([read.catch(() => cached.deployment), sleep(SLOW_READ_MS).then(() => cached.deployment)]);
    }
    const existence = await this.#registry.exists(model);
    if (existence === 'no') return null;
    // The version about to serve needs the model's registration checked: start it beside the deployment read, so a
    // cold start waits for one D1 round trip, not two in a row (a failure is the registry's to report). Only with a
    // `background` to hold it: I/O a request leaves running is cancelled when it ends, and the memoised promise with it.
    background?.(this.#registry.ensureRegistered(model).catch(() => undefined));
    try {
      return await this.#read(model, undefined);
    } catch (error) {
      const fallback = this.#bundledDefault(model);
      if (fallback) {
        console.error(
          JSON.stringify({ level: 'warn', message: 'D1 unreadable: serving the bundled default deployment', model, error: String(error) }),
        );
        return fallback;
      }
      throw error instanceof ServiceUnavailableError ? error : new ServiceUnavailableError(`the deployment of "${model}"`, error);
    }
  }

  /** Reads the deployment into the cache; on failure the cached one (if any) is kept and retried later. */
  #read(model: string, cached: CacheEntry | undefined): Promise<Deployment | null> {
    const loading = this.#load(model).then(
      (deployment) => {
        this.#remember(model, { deployment, at: this.#now().getTime() });
        return deployment;
      },
      (error: unknown) => {
        if (cached) {
          if (cached.loading === loading) cached.loading = undefined;
          cached.retryAt = this.#now().getTime() + RETRY_AFTER_FAILURE_MS;
          console.error(
            JSON.stringify({ level: 'warn', message: 'D1 unreadable: serving the last known deployment', model, error: String(error) }),
          );
        }
        throw error;
      },
    );
    if (cached) {
      cached.loading = loading;
      cached.loadingSince = this.#now().getTime();
    }
    return loading;
  }

  #remember(model: string, entry: CacheEntry): void {
    this.#cache.delete(model);
    this.#cache.set(model, entry);
    while (this.#cache.size > CACHE_CAPACITY) this.#cache.delete(this.#cache.keys().next().value as string);
  }

  /** The error for a known model without a deployment: declared undeployed (null in models/deployments.json), or none passed QA. */
  noDeployment(model: string): NoDeploymentError {
    return new NoDeploymentError(model, this.#defaults[model] === null ? 'not_deployed' : 'no_deployment');
  }

  /** The deployment a bundled model starts with, as the build declares it: the last resort while D1 fails. */
  #bundledDefault(model: string): Deployment | null {
    const declared = this.#defaults[model];
    if (!declared) return null;
    return {
      model,
      primary: declared.primary,
      canary: null,
      shadows: declared.shadows ?? [],
      sample_rate: declared.sample_rate ?? DEFAULT_SAMPLE_RATE,
      revision: 0,
      updated_at: new Date(0).toISOString(),
      updated_by: 'vigil:bundled-default',
    };
  }

  /** What an undeployed model's first promotion applies to: no primary, revision 0. */
  #emptyDeployment(model: string): Deployment {
    return {
      model,
      primary: '',
      canary: null,
      shadows: [],
      sample_rate: DEFAULT_SAMPLE_RATE,
      revision: 0,
      updated_at: this.#now().toISOString(),
      updated_by: '',
    };
  }

  async #load(model: string): Promise<Deployment | null> {
    return (await this.#store.get(model)) ?? this.#bootstrap(model);
  }

  /**
   * Deploys a model that has no deployment yet — one pushed for the first time — with its latest QA-passed
   * version as the primary, audited as `actor`. Null when the model already has a deployment (or nothing that
   * passed QA); later versions follow the canary, shadow and promote flow.
   */
  async deployFirst(model: string, actor: string): Promise<Deployment | null> {
    if (await this.#store.get(model)) return null;
    const deployment = await this.#bootstrap(model, { actor, reason: 'first version of a new model to pass QA' });
    this.#cache.delete(model);
    return deployment?.updated_by === actor ? deployment : null;
  }

  /**
   * Creates the first deployment of a model: a bundled model's default one, else its latest QA-passed version as
   * the primary; null when the model has nothing that can serve, or is a bundled model declared undeployed.
   */
  async #bootstrap(model: string, by?: { actor: string; reason: string }): Promise<Deployment | null> {
    if (this.#defaults[model] === null) return null;
    const versions = await this.#registry.summaries(model);
    const passed = versions.filter((v) => v.status === 'qa_passed');
    if (passed.length === 0) return null;
    const declared = this.#defaults[model];
    const servable = new Set(passed.map((v) => v.version));
    const primary = declared && servable.has(declared.primary) ? declared.primary : passed[passed.length - 1]!.version;
    const shadows = (declared?.shadows ?? []).filter((s) => servable.has(s.version) && s.version !== primary);
    const next: Deployment = {
      model,
      primary,
      canary: null,
      shadows,
      sample_rate: declared?.sample_rate ?? DEFAULT_SAMPLE_RATE,
      revision: 1,
      updated_at: this.#now().toISOString(),
      updated_by: by?.actor ?? 'vigil:bootstrap',
    };
    const reason = by?.reason ?? (declared ? 'default deployment of a bundled model' : 'first version of a new model to pass QA');
    const created = await this.#store.commit({ next, action: 'bootstrap', actor: next.updated_by, reason, before: null });
    // Another isolate may have bootstrapped at the same moment; either way the stored one is the truth.
    return created ? next : this.#store.get(model);
  }

  /**
   * Applies an action in one audited transaction. Changes of a model made through this isolate run one after
   * the other, so they never race each other; a change from another isolate that commits first is caught by
   * the revision guard, and this one is re-applied to the new deployment after a short random wait.
   */
  change(
    model: string,
    action: DeploymentAction,
    actor: string,
    reason: string | null,
  ): Promise<{ deployment: Deployment; event: DeploymentEvent }> {
    const at = this.#now().getTime();
    const prior = this.#changing.get(model);
    // A change whose request was torn down never settles (shared-work.ts): the next one waits for it only until it
    // is taken to be lost. Should it commit after all, the revision guard catches the race, as between isolates.
    const previous = prior ? untilLost(prior.run, prior.at, at) : Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.#change(model, action, actor, reason));
    const queued = { run, at };
    this.#changing.set(model, queued);
    const forget = () => {
      if (this.#changing.get(model) === queued) this.#changing.delete(model);
    };
    run.then(forget, forget);
    return run;
  }

  async #change(
    model: string,
    action: DeploymentAction,
    actor: string,
    reason: string | null,
  ): Promise<{ deployment: Deployment; event: DeploymentEvent }> {
    for (let attempt = 0; attempt < MAX_COMMIT_ATTEMPTS; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, retryDelayMs(attempt)));
      const current = (await this.#store.get(model)) ?? (await this.#bootstrap(model));
      const undeployed = !current && this.#defaults[model] === null;
      if (!current && !(undeployed && action.action === 'promote')) throw this.noDeployment(model);
      const versions = new Map<string, VersionInfo>(
        (await this.#registry.summaries(model, { fresh: true })).map((v) => [
          v.version,
          { status: v.status, ...(v.qaFailure ? { qaFailure: v.qaFailure } : {}) },
        ]),
      );
      const history = action.action === 'rollback' ? await this.#store.primaryHistory(model) : [];
      // An undeployed model's first promotion is applied to an empty deployment: the same checks of the version.
      const base = current ?? this.#emptyDeployment(model);
      const result = applyDeploymentAction(base, action, versions, history);
      if (!result.ok) throw refusalError(result.error, model, 'version' in action ? action.version : '');
      const next: Deployment = {
        ...result.deployment,
        revision: base.revision + 1,
        updated_at: this.#now().toISOString(),
        updated_by: actor,
      };
      if (await this.#store.commit({ next, action: action.action, actor, reason, before: current })) {
        this.#remember(model, { at: this.#now().getTime(), deployment: next });
        return { deployment: next, event: (await this.#store.event(model, next.revision))! };
      }
    }
    throw new DeploymentConflictError(`the deployment of "${model}" kept changing under concurrent updates; try again`);
  }

  events(model: string, limit: number, before?: number): Promise<DeploymentEvent[]> {
    return this.#store.events(model, limit, before);
  }

  /** Deployments cached in this isolate. */
  get cachedDeployments(): number {
    return this.#cache.size;
  }

  /** Forgets the cached deployment of `model` in this isolate. */
  invalidate(model: string): void {
    this.#cache.delete(model);
  }
}
