/**
 * Chooses which version of a model serves a request.
 */
import { ModelNotFoundError } from '../errors.ts';
import type { ModelStore } from '../registry/model-store.ts';

export type ServingRole = 'primary' | 'canary' | 'pinned';

export interface RouteDecision {
  version: string;
  role: ServingRole;
}

export interface TrafficRouter {
  route(model: string, routingKey: string | undefined): Promise<RouteDecision>;
}

/** Serves each model's highest version: the behaviour before deployments exist. */
export class HighestVersionRouter implements TrafficRouter {
  readonly #store: ModelStore;

  constructor(store: ModelStore) {
    this.#store = store;
  }

  async route(model: string): Promise<RouteDecision> {
    const versions = await this.#store.versions(model);
    const version = versions[versions.length - 1];
    if (version === undefined) throw new ModelNotFoundError(model, await this.#store.models());
    return { version, role: 'primary' };
  }
}
