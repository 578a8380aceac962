import { describe, expect, it } from 'vitest';
import { isCanary } from '../../src/traffic/canary.ts';
import { adminJson, manifestOf, postJson } from './helpers.ts';

const MODEL = 'california-housing';
const instance = { ...manifestOf(MODEL, '1').golden[0]!.instance };
const KEYS = Array.from({ length: 300 }, (_, i) => `customer-${i}`);

async function versionFor(key: string, via: 'header' | 'body'): Promise<string> {
  const res =
    via === 'header'
      ? await postJson(`/v1/models/${MODEL}/predict`, { instances: [instance] }, { 'x-routing-key': key })
      : await postJson(`/v1/models/${MODEL}/predict`, { instances: [instance], routing_key: key });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { version: string };
  const header = res.headers.get('x-model-version');
  expect(header).toBe(body.version);
  return header!;
}

async function versionsFor(keys: readonly string[], via: 'header' | 'body'): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  // A few at a time: enough concurrency to interleave requests, not so much that the test is slow to debug.
  for (let i = 0; i < keys.length; i += 25) {
    const batch = keys.slice(i, i + 25);
    const versions = await Promise.all(batch.map((k) => versionFor(k, via)));
    batch.forEach((k, j) => out.set(k, versions[j]!));
  }
  return out;
}

async function setCanary(percent: number): Promise<void> {
  const res = await adminJson('POST', `/models/${MODEL}/deployment`, { action: 'canary', version: '2', percent });
  expect(res.status).toBe(200);
}

describe('POST /v1/models/{model}/predict canary routing', () => {
  it('serves the primary to everyone while there is no canary', async () => {
    const versions = await versionsFor(KEYS.slice(0, 50), 'header');
    expect(new Set(versions.values())).toEqual(new Set(['1']));
  });

  it('sends exactly the keys whose hash falls under 10 % to the canary, about 10 % of them', async () => {
    await setCanary(10);
    const versions = await versionsFor(KEYS, 'header');
    for (const key of KEYS) expect(versions.get(key), key).toBe(isCanary(10, key) ? '2' : '1');
    const share = [...versions.values()].filter((v) => v === '2').length / KEYS.length;
    expect(share).toBeGreaterThan(0.05);
    expect(share).toBeLessThan(0.15);
  });

  it('keeps every key on its version across repeated requests, by header or by routing_key', async () => {
    const first = await versionsFor(KEYS, 'header');
    const again = await versionsFor(KEYS, 'header');
    const viaBody = await versionsFor(KEYS, 'body');
    expect(again).toEqual(first);
    expect(viaBody).toEqual(first);
  });

  it('prefers the x-routing-key header over the routing_key field', async () => {
    const canaryKey = KEYS.find((k) => isCanary(10, k))!;
    const primaryKey = KEYS.find((k) => !isCanary(10, k))!;
    const res = await postJson(
      `/v1/models/${MODEL}/predict`,
      { instances: [instance], routing_key: primaryKey },
      { 'x-routing-key': canaryKey },
    );
    expect(res.headers.get('x-model-version')).toBe('2');
  });

  it('routes the KServe V1 form by the x-routing-key header too', async () => {
    const canaryKey = KEYS.find((k) => isCanary(10, k))!;
    const primaryKey = KEYS.find((k) => !isCanary(10, k))!;
    for (const [key, version] of [
      [canaryKey, '2'],
      [primaryKey, '1'],
    ] as const) {
      const res = await postJson(`/v1/models/${MODEL}:predict`, { instances: [instance] }, { 'x-routing-key': key });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-model-version')).toBe(version);
    }
  });

  it('only moves keys from the primary to the canary when the percent is raised', async () => {
    const at10 = await versionsFor(KEYS, 'header');
    await setCanary(30);
    const at30 = await versionsFor(KEYS, 'header');
    for (const key of KEYS) {
      if (at10.get(key) === '2') expect(at30.get(key), key).toBe('2');
      expect(at30.get(key), key).toBe(isCanary(30, key) ? '2' : '1');
    }
    const moved = KEYS.filter((k) => at10.get(k) === '1' && at30.get(k) === '2');
    expect(moved.length).toBeGreaterThan(0);
  });

  it('sends everyone back to the primary when the canary is cleared', async () => {
    expect((await adminJson('POST', `/models/${MODEL}/deployment`, { action: 'clear_canary' })).status).toBe(200);
    const versions = await versionsFor(KEYS.slice(0, 50), 'header');
    expect(new Set(versions.values())).toEqual(new Set(['1']));
  });
});
