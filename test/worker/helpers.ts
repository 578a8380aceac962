/**
 * Shared helpers of the Worker integration tests (run inside workerd by @cloudflare/vitest-plugin).
 */
import { exports } from 'cloudflare:workers';
import { expect } from 'vitest';
import { BUNDLED_MODELS } from '../../src/registry/bundled-models.gen.ts';
import { parseManifest, type Manifest } from '../../src/model/manifest.ts';

export const BASE = 'http://vigil.test';

export function fetchWorker(path: string, init?: RequestInit): Promise<Response> {
  return (exports as unknown as { default: Fetcher }).default.fetch(`${BASE}${path}`, init);
}

export const ADMIN_TOKEN = 'test-admin-token';
export const adminHeaders = { authorization: `Bearer ${ADMIN_TOKEN}` };

export function admin(path: string, init: RequestInit = {}): Promise<Response> {
  return fetchWorker(`/admin${path}`, { ...init, headers: { ...adminHeaders, ...(init.headers as Record<string, string> | undefined) } });
}

export async function adminJson<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await admin(path, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** Makes `version` the primary of `model` (no-op when it already is). */
export async function makePrimary(model: string, version: string): Promise<void> {
  const current = await adminJson<{ primary: string }>('GET', `/models/${model}/deployment`);
  if (current.body.primary === version) return;
  const res = await adminJson('POST', `/models/${model}/deployment`, { action: 'promote', version, reason: 'test' });
  if (res.status !== 200) throw new Error(`promote failed: ${JSON.stringify(res.body)}`);
}

export function postJson(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetchWorker(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Every bundled model package's manifest, parsed. */
export const bundledManifests: Manifest[] = BUNDLED_MODELS.map((p) => {
  const result = parseManifest(p.manifest);
  if (!result.ok) throw new Error(`invalid bundled manifest: ${JSON.stringify(result.issues)}`);
  return result.manifest;
});

export function manifestOf(model: string, version: string): Manifest {
  const m = bundledManifests.find((x) => x.name === model && x.version === version);
  if (!m) throw new Error(`no bundled ${model}@${version}`);
  return m;
}

/** Asserts |actual - expected| <= 1e-5 * max(1, |expected|). */
export function expectClose(actual: number, expected: number, relative = 1e-5): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(relative * Math.max(1, Math.abs(expected)));
}

export interface ApiError {
  error: { code: string; message: string; details: { instance?: number; field: string; code: string; message: string }[] };
}
