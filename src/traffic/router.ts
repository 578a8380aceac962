/**
 * Chooses which version of a model serves a request, and which shadows see a copy of it.
 */
import type { Background } from '../serving/observer.ts';
import { ModelNotFoundError, type VigilError } from '../errors.ts';
import type { ModelStore } from '../registry/model-store.ts';
import { isCanary } from './canary.ts';
import { DEFAULT_SAMPLE_RATE, type ShadowSpec } from './deployment.ts';
import type { DeploymentService } from './deployment-service.ts';

export type ServingRole = 'primary' | 'canary' | 'pinned';

export interface RouteDecision {
  version: string;
  role: ServingRole;
  /** Shadows drawn for this request (each with its sample rate); they run after the response. */
  shadows: ShadowSpec[];
  /** Share of this deployment's primary traffic logged as samples. */
  sampleRate: number;
}

export interface TrafficRouter {
  route(model: string, routingKey: string | undefined, background?: Background): Promise<RouteDecision>;
  /** The sample rate for requests that name their version (pinned). */
  sampleRate(model: string, background?: Background): Promise<number>;
  /** The versions the deployment routes traffic to: primary, canary and shadows. */
  servingVersions(model: string): Promise<Set<string>>;
}

/** Serves each model's highest version, without shadows: for stores that have no deployments (tests, benchmarks). */
export class HighestVersionRouter implements TrafficRouter {
  readonly #store: ModelStore;

  constructor(store: ModelStore) {
    this.#store = store;
  }

  async route(model: string): Promise<RouteDecision> {
    const versions = await this.#store.versions(model);
    const version = versions[versions.length - 1];
    if (version === undefined) throw new ModelNotFoundError(model, await this.#store.models().catch(() => []));
    return { version, role: 'primary', shadows: [], sampleRate: DEFAULT_SAMPLE_RATE };
  }

  async sampleRate(): Promise<number> {
    return DEFAULT_SAMPLE_RATE;
  }

  async servingVersions(model: string): Promise<Set<string>> {
    return new Set([(await this.route(model)).version]);
  }
}

/**
 * Routes by the model's deployment: a stable hash of the routing key decides canary or primary, and each
 * shadow is drawn with its sample rate for requests the primary serves.
 */
export class DeploymentRouter implements TrafficRouter {
  readonly #deployments: DeploymentService;
  readonly #store: ModelStore;
  readonly #random: () => number;

  constructor(deployments: DeploymentService, store: ModelStore, random: () => number = Math.random) {
    this.#deployments = deployments;
    this.#store = store;
    this.#random = random;
  }

  async route(model: string, routingKey: string | undefined, background?: Background): Promise<RouteDecision> {
    const deployment = await this.#deployments.current(model, background);
    if (!deployment) throw await this.#notServing(model);
    if (deployment.canary && isCanary(deployment.canary.percent, routingKey, this.#random)) {
      return { version: deployment.canary.version, role: 'canary', shadows: [], sampleRate: deployment.sample_rate };
    }
    const shadows = deployment.shadows.filter((s) => s.sample_rate >= 1 || this.#random() < s.sample_rate);
    // While a canary runs, the primary is logged at least as often as the canary's share, so the canary check
    // compares prediction distributions of similar size.
    const sampleRate = deployment.canary ? Math.max(deployment.sample_rate, deployment.canary.percent / 100) : deployment.sample_rate;
    return { version: deployment.primary, role: 'primary', shadows, sampleRate };
  }

  /** The error for a model with no deployment: unknown, or known but not deployed (yet). */
  async #notServing(model: string): Promise<VigilError> {
    const known: readonly string[] = await this.#store.models().catch(() => []);
    if (!known.includes(model)) return new ModelNotFoundError(model, known);
    return this.#deployments.noDeployment(model);
  }

  async sampleRate(model: string, background?: Background): Promise<number> {
    return (await this.#deployments.current(model, background))?.sample_rate ?? DEFAULT_SAMPLE_RATE;
  }

  async servingVersions(model: string): Promise<Set<string>> {
    const d = await this.#deployments.current(model);
    return new Set(d ? [d.primary, ...(d.canary ? [d.canary.version] : []), ...d.shadows.map((s) => s.version)] : []);
  }
}
