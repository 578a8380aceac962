/**
 * The chaos run's view of the served Worker: its HTTP API (admin, predictions, the chaos schedule) with a
 * deadline on every call, and D1 read straight through Miniflare's binding (not the Worker's wrapped one, so
 * the counts can be read while the Worker's D1 fails).
 */
import { withTimeout } from '../lib/children.ts';
import type { ServedWorker } from '../lib/workers.ts';
import type { ChaosSchedule } from './worker.ts';

export type FaultName = 'd1' | 'queue' | 'r2' | 'ort';
export type FaultCounts = Record<FaultName, { passed: number; failed: number; stalled: number }>;

export interface ChaosState {
  schedule: ChaosSchedule;
  counters: FaultCounts;
  /** Warn/error lines the Worker logged since the isolate started, by `level message`. */
  logs: Record<string, number>;
}

export interface IsolateHealth {
  telemetry: {
    dead_lettered: { messages: number; records: number };
    replayed: { messages: number; records: number };
    waiting: { messages: number; records: number };
    dropped: { messages: number; records: number };
    dropped_in_isolates: number;
  };
  isolate: Record<string, number>;
}

export interface Deployment {
  primary: string;
  canary: { version: string; percent: number } | null;
  shadows: { version: string; sample_rate: number }[];
  sample_rate: number;
  revision: number;
}

export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  ms: number;
}

/** The schedule with every fault lifted. */
export const NO_FAULTS: ChaosSchedule = { d1: 'ok', queue: 'ok', r2: 'ok', ort: 'ok', ortArtifacts: [] };

interface D1Like {
  prepare(sql: string): {
    bind(...values: unknown[]): { all<T>(): Promise<{ results: T[] }>; first<T>(): Promise<T | null> };
    all<T>(): Promise<{ results: T[] }>;
    first<T>(): Promise<T | null>;
  };
}

export class ChaosVigil {
  readonly worker: ServedWorker;
  readonly adminToken: string;
  readonly model: string;

  constructor(worker: ServedWorker, adminToken: string, model: string) {
    this.worker = worker;
    this.adminToken = adminToken;
    this.model = model;
  }

  url(path: string): URL {
    return new URL(path, this.worker.directUrl);
  }

  async request<T = unknown>(
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string>; admin?: boolean; timeoutMs?: number } = {},
  ): Promise<HttpResult<T>> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.admin) headers.authorization = `Bearer ${this.adminToken}`;
    let body: BodyInit | undefined;
    if (options.body instanceof FormData) body = options.body;
    else if (options.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    }
    const started = performance.now();
    const response = await withTimeout(fetch(this.url(path), { method, headers, body }), options.timeoutMs ?? 60_000, `${method} ${path}`);
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: the text
    }
    return { status: response.status, headers: response.headers, body: parsed as T, ms: performance.now() - started };
  }

  async admin<T = unknown>(method: string, path: string, body?: unknown, timeoutMs?: number): Promise<HttpResult<T>> {
    return this.request<T>(method, `/admin${path}`, { body, admin: true, ...(timeoutMs ? { timeoutMs } : {}) });
  }

  /** Changes the fault schedule (unnamed faults keep their state). */
  async chaos(change: Partial<ChaosSchedule>): Promise<ChaosState> {
    const res = await this.request<ChaosState>('POST', '/__chaos', { body: change, admin: true });
    if (res.status !== 200) throw new Error(`POST /__chaos answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
    return res.body;
  }

  async chaosState(): Promise<ChaosState> {
    const res = await this.request<ChaosState>('GET', '/__chaos', { admin: true });
    if (res.status !== 200) throw new Error(`GET /__chaos answered ${res.status}`);
    return res.body;
  }

  async health(): Promise<IsolateHealth> {
    const res = await this.admin<IsolateHealth>('GET', '/health');
    if (res.status !== 200) throw new Error(`GET /admin/health answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
    return res.body;
  }

  async deployment(): Promise<Deployment> {
    const res = await this.admin<Deployment>('GET', `/models/${this.model}/deployment`);
    if (res.status !== 200) throw new Error(`GET deployment answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
    return res.body;
  }

  async changeDeployment(action: Record<string, unknown>): Promise<Deployment> {
    const res = await this.admin<{ deployment: Deployment }>('POST', `/models/${this.model}/deployment`, {
      ...action,
      reason: 'npm run chaos',
      actor: 'chaos',
    });
    if (res.status !== 200)
      throw new Error(`deployment change ${JSON.stringify(action)} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 500)}`);
    return res.body.deployment;
  }

  /** The engine a version runs on and the operator's override, if any (null when this build has no engine choice). */
  async engineOf(version: string): Promise<{ engine: string; override: string | null } | null> {
    const res = await this.admin<{ engine?: string; engine_override?: { engine: string } }>(
      'GET',
      `/models/${this.model}/versions/${version}`,
    );
    if (res.status !== 200 || res.body.engine === undefined) return null;
    return { engine: res.body.engine, override: res.body.engine_override?.engine ?? null };
  }

  /** Forces a version onto an engine ('auto': the QA gate's choice), as an operator can; null when this build has no engine choice. */
  async setEngine(version: string, engine: 'auto' | 'onnxruntime' | 'compiled'): Promise<{ engine: string } | null> {
    const res = await this.admin<{ engine: string }>('PUT', `/models/${this.model}/versions/${version}/engine`, {
      engine,
      reason: 'npm run chaos',
      actor: 'chaos',
    });
    if (res.status === 404 && JSON.stringify(res.body).includes('no route')) return null;
    if (res.status !== 200)
      throw new Error(`engine change of v${version} to ${engine} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
    return res.body;
  }

  /** Pushes a version (multipart, as `vigil push` does); returns the answer whatever its status. */
  async push(version: string, manifest: Record<string, unknown>, bytes: Uint8Array): Promise<HttpResult> {
    const form = new FormData();
    form.append('model', new File([bytes as Uint8Array<ArrayBuffer>], 'model.onnx', { type: 'application/octet-stream' }));
    form.append('manifest', new File([JSON.stringify(manifest)], 'manifest.json', { type: 'application/json' }));
    return this.request('PUT', `/admin/models/${this.model}/versions/${version}`, { body: form, admin: true, timeoutMs: 120_000 });
  }

  async db(): Promise<D1Like> {
    return (await this.worker.mf.getD1Database('DB')) as unknown as D1Like;
  }

  async count(sql: string, ...params: unknown[]): Promise<number> {
    const db = await this.db();
    const row = await db
      .prepare(sql)
      .bind(...params)
      .first<{ n: number | null }>();
    return Number(row?.n ?? 0);
  }

  async rows<T>(sql: string, ...params: unknown[]): Promise<T[]> {
    const db = await this.db();
    return (
      await db
        .prepare(sql)
        .bind(...params)
        .all<T>()
    ).results;
  }
}
