/**
 * Vigil as deployed: the serving Worker (wrangler.toml) and the telemetry Worker (wrangler.telemetry.toml) in two
 * Miniflare instances, so two workerd processes, as production runs them as two Workers. They share the local
 * D1/R2 files (one persist path) and a dev registry in the benchmark's temporary directory: the serving Worker
 * only produces to the telemetry queue, and Miniflare's queue broker, having no consumer for it locally, forwards
 * each batch through the registry to the telemetry Worker's process, which writes D1. So D1 writes never share
 * a thread with serving. Also the admin calls the benchmark makes (deployments, engines).
 */
import { join } from 'node:path';
import { TELEMETRY_QUEUE, waitForQueueConsumer } from '../../cli/lib/dev-registry.ts';
import { withTimeout } from './children.ts';
import { serveWorker, type Bundle, type ServedWorker } from './workers.ts';

export const SERVING_WORKER = 'bench';
export const TELEMETRY_WORKER = 'vigil-telemetry';
/** workerd inspector target ids of the two Workers. */
export const SERVING_TARGET = `core:user:${SERVING_WORKER}`;

export interface VigilBuild {
  serving: Bundle;
  telemetry: Bundle;
  servingOptions: Record<string, unknown>;
  telemetryOptions: Record<string, unknown>;
  bindings: Record<string, string>;
}

export interface VigilState {
  /** D1/R2 files, shared by both Workers. */
  persistPath: string;
  /** The dev registry the two instances meet in. */
  registryPath: string;
}

/** The persist path and a dev registry beside it, under `dir`. */
export function vigilState(dir: string): VigilState {
  return { persistPath: join(dir, 'state'), registryPath: join(dir, 'registry') };
}

/** Starts the telemetry Worker (no inspector, no load goes to it: it only consumes the queue). */
export function serveTelemetry(build: VigilBuild, state: VigilState): Promise<ServedWorker> {
  return serveWorker({
    bundle: build.telemetry,
    workerOptions: build.telemetryOptions,
    bindings: build.bindings,
    persistPath: state.persistPath,
    devRegistryPath: state.registryPath,
    name: TELEMETRY_WORKER,
  });
}

/** Starts the serving Worker; its queue finds the telemetry Worker through the registry once that one is up. */
export function serveServing(
  build: VigilBuild,
  state: VigilState,
  extra: { inspectorPort?: number; withAssets?: boolean } = {},
): Promise<ServedWorker> {
  return serveWorker({
    bundle: build.serving,
    workerOptions: build.servingOptions,
    bindings: build.bindings,
    persistPath: state.persistPath,
    devRegistryPath: state.registryPath,
    name: SERVING_WORKER,
    ...extra,
  });
}

export interface VigilPair {
  serving: ServedWorker;
  telemetry: ServedWorker;
  dispose(): Promise<void>;
}

/** Both Workers, the telemetry one first (in production it is always up before serving sends to it). */
export async function serveVigil(
  build: VigilBuild,
  state: VigilState,
  extra: { inspectorPort?: number; withAssets?: boolean } = {},
): Promise<VigilPair> {
  const telemetry = await serveTelemetry(build, state);
  let serving: ServedWorker;
  try {
    // Locally, telemetry produced before its consumer is registered is dropped: wait for the registration.
    await waitForQueueConsumer({ registryPath: state.registryPath, queue: TELEMETRY_QUEUE, timeoutMs: 30_000 });
    serving = await serveServing(build, state, extra);
  } catch (error) {
    await telemetry.dispose();
    throw error;
  }
  return {
    serving,
    telemetry,
    dispose: async () => {
      await serving.dispose();
      await telemetry.dispose();
    },
  };
}

const JSON_HEADERS = { 'content-type': 'application/json' };

export async function request(
  url: URL,
  method: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  const init: RequestInit = { method, headers: { ...JSON_HEADERS, ...headers } };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const response = await withTimeout(fetch(url, init), 30_000, `${method} ${url.pathname}`);
  return { status: response.status, text: await response.text() };
}

export interface VersionEngine {
  version: string;
  status: string;
  engine: string;
  engine_reason?: string;
}

/** The admin calls of the benchmark, with its admin token. */
export class VigilAdmin {
  readonly #base: URL;
  readonly #token: string;
  readonly #retry: { attempts: number; delayMs: number };

  /**
   * `retry`: how often, and how far apart, a deployment change is tried while Vigil answers 503. Locally the two
   * workerd processes share D1's SQLite file, and a change can meet the telemetry Worker's write of a backlog
   * (SQLITE_BUSY); Vigil then answers 503 with a retry hint, as production clients are expected to follow.
   */
  constructor(base: URL, adminToken: string, retry = { attempts: 8, delayMs: 2000 }) {
    this.#base = base;
    this.#token = adminToken;
    this.#retry = retry;
  }

  async #call(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
    return request(new URL(path, this.#base), method, body, { authorization: `Bearer ${this.#token}` });
  }

  /** A deployment change; a 409 (e.g. clearing a shadow there is not) is ignored when `allowConflict`. */
  async deployment(model: string, action: Record<string, unknown>, allowConflict = false): Promise<void> {
    const body = { ...action, reason: 'npm run bench', actor: 'bench' };
    let { status, text } = await this.#call('POST', `/admin/models/${model}/deployment`, body);
    for (let attempt = 1; status === 503 && attempt < this.#retry.attempts; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, this.#retry.delayMs));
      ({ status, text } = await this.#call('POST', `/admin/models/${model}/deployment`, body));
    }
    if (status === 409 && allowConflict) return;
    if (status < 200 || status >= 300)
      throw new Error(`${model}: deployment change ${JSON.stringify(action)} answered ${status}: ${text.slice(0, 500)}`);
  }

  /** The full path of the benchmark: the shadow (if the model has one) at 10 %, 1 % sampling, profiles on. */
  async fullPath(model: string, shadow: string | null): Promise<void> {
    if (shadow) await this.deployment(model, { action: 'shadow', version: shadow, sample_rate: 0.1 });
    await this.deployment(model, { action: 'sampling', sample_rate: 0.01 });
  }

  /** No shadows, no sampling: profiles only (they cannot be switched off). */
  async primaryOnly(model: string, shadow: string | null): Promise<void> {
    if (shadow) await this.deployment(model, { action: 'clear_shadow', version: shadow }, true);
    await this.deployment(model, { action: 'sampling', sample_rate: 0 });
  }

  async versions(model: string): Promise<VersionEngine[]> {
    const { status, text } = await this.#call('GET', `/admin/models/${model}/versions`);
    if (status !== 200) throw new Error(`${model}: versions answered ${status}: ${text.slice(0, 300)}`);
    return (JSON.parse(text) as { versions: VersionEngine[] }).versions;
  }

  /** Forces the engine a version serves on ("auto": the QA gate's choice). */
  async setEngine(model: string, version: string, engine: 'onnxruntime' | 'compiled' | 'auto'): Promise<void> {
    const { status, text } = await this.#call('PUT', `/admin/models/${model}/versions/${version}/engine`, {
      engine,
      reason: 'npm run bench',
      actor: 'bench',
    });
    if (status !== 200) throw new Error(`${model} v${version}: engine ${engine} answered ${status}: ${text.slice(0, 300)}`);
  }
}
