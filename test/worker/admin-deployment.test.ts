import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { database } from '../../src/db/client.ts';
import { FakeRuntime } from '../../src/inference/fake-runtime.ts';
import { SessionCache } from '../../src/inference/session-cache.ts';
import { R2ArtifactStore } from '../../src/registry/artifact-store.ts';
import { BUNDLED_MODELS, DEFAULT_DEPLOYMENTS } from '../../src/registry/bundled-models.gen.ts';
import { ModelRegistry } from '../../src/registry/model-registry.ts';
import { BundledModelStore } from '../../src/registry/model-store.ts';
import { D1VersionRepository } from '../../src/registry/version-repository.ts';
import { DeploymentService } from '../../src/traffic/deployment-service.ts';
import { D1DeploymentStore, type DeploymentEvent } from '../../src/traffic/deployment-store.ts';
import type { Deployment } from '../../src/traffic/deployment.ts';
import { admin, adminJson, postJson, type ApiError } from './helpers.ts';
import { bundledPackage, pushPackage } from './packages.ts';

// The API's JSON has the server's deployment and event shapes.
const HOUSING = 'california-housing';
const INCOME = 'adult-income';

const deployment = async (model: string) => (await adminJson<Deployment>('GET', `/models/${model}/deployment`)).body;
const events = async (model: string, query = '') =>
  (await adminJson<{ model: string; events: DeploymentEvent[] }>('GET', `/models/${model}/events${query}`)).body.events;
const change = <T = { deployment: Deployment; event: DeploymentEvent }>(
  model: string,
  body: unknown,
  headers: Record<string, string> = {},
) =>
  admin(`/models/${model}/deployment`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  }).then(async (res) => ({
    status: res.status,
    body: (await res.json()) as T,
  }));

async function servedVersion(model: string, instance: Record<string, unknown>): Promise<string | null> {
  const res = await postJson(`/v1/models/${model}/predict`, { instances: [instance] });
  expect(res.status).toBe(200);
  return res.headers.get('x-model-version');
}

/** A DeploymentService as another isolate would hold it: its own caches, the same D1 (versions are registered already). */
function isolateDeploymentService(): DeploymentService {
  const db = database(env.DB);
  const registry = new ModelRegistry({
    bundled: new BundledModelStore(BUNDLED_MODELS),
    repository: new D1VersionRepository(db),
    artifacts: new R2ArtifactStore(env.MODELS),
    sessions: new SessionCache(new FakeRuntime({ behaviour: 'sum' })),
  });
  return new DeploymentService({ store: new D1DeploymentStore(db), registry, defaults: DEFAULT_DEPLOYMENTS, cacheSeconds: 0 });
}

const housingInstance = bundledPackage(HOUSING, '1').manifest.golden[0] as unknown as { instance: Record<string, unknown> };

describe('POST /admin/models/{model}/deployment: rollback and its audit trail', () => {
  it('starts from the default deployment: primary 1 with 2 as a shadow at sample rate 1.0', async () => {
    const d = await deployment(HOUSING);
    expect(d).toMatchObject({
      model: HOUSING,
      primary: '1',
      canary: null,
      shadows: [{ version: '2', sample_rate: 1 }],
      revision: 1,
      updated_by: 'vigil:bootstrap',
    });
    const [bootstrap] = await events(HOUSING);
    expect(bootstrap).toMatchObject({ model: HOUSING, revision: 1, action: 'bootstrap', actor: 'vigil:bootstrap', before: null, after: d });
  });

  it('promotes version 2 and serves it', async () => {
    const res = await change(HOUSING, { action: 'promote', version: '2', reason: 'gbdt halves the MAE' }, { 'x-vigil-actor': 'ana' });
    expect(res.status).toBe(200);
    expect(res.body.deployment).toMatchObject({ primary: '2', shadows: [], revision: 2, updated_by: 'ana' });
    expect(res.body.event).toMatchObject({ revision: 2, action: 'promote', actor: 'ana', reason: 'gbdt halves the MAE' });
    expect(await servedVersion(HOUSING, housingInstance.instance)).toBe('2');
  });

  it('rolls back to primary 1 and serves it again', async () => {
    const res = await change(HOUSING, { action: 'rollback', reason: 'p95 latency doubled', actor: 'oncall' });
    expect(res.status).toBe(200);
    expect(res.body.deployment).toMatchObject({ primary: '1', revision: 3, updated_by: 'oncall' });
    expect(await deployment(HOUSING)).toEqual(res.body.deployment);
    expect(await servedVersion(HOUSING, housingInstance.instance)).toBe('1');
  });

  it('lists bootstrap, promote and rollback, newest first, each with actor, time, before, after and reason', async () => {
    const list = await events(HOUSING);
    expect(list.map((e) => [e.revision, e.action, e.actor, e.reason])).toEqual([
      [3, 'rollback', 'oncall', 'p95 latency doubled'],
      [2, 'promote', 'ana', 'gbdt halves the MAE'],
      [1, 'bootstrap', 'vigil:bootstrap', 'default deployment of a bundled model'],
    ]);
    const [rollback, promote, bootstrap] = list as [DeploymentEvent, DeploymentEvent, DeploymentEvent];
    expect(promote.before).toEqual(bootstrap.after);
    expect(promote.before!.primary).toBe('1');
    expect(promote.after.primary).toBe('2');
    expect(rollback.before).toEqual(promote.after);
    expect(rollback.after.primary).toBe('1');
    expect(rollback.after).toEqual(await deployment(HOUSING));
    const times = list.map((e) => Date.parse(e.created_at));
    for (const t of times) expect(Math.abs(Date.now() - t)).toBeLessThan(60_000);
    expect(times[0]! >= times[1]! && times[1]! >= times[2]!).toBe(true);
    expect(list.map((e) => e.created_at)).toEqual(list.map((e) => e.after.updated_at));
  });

  it('pages the events with limit and before', async () => {
    const all = await events(HOUSING);
    const first = await events(HOUSING, '?limit=1');
    expect(first.map((e) => e.revision)).toEqual([3]);
    const rest = await events(HOUSING, `?limit=5&before=${first[0]!.id}`);
    expect(rest.map((e) => e.revision)).toEqual([2, 1]);
    expect([...first, ...rest]).toEqual(all);
    const bad = await adminJson<ApiError>('GET', `/models/${HOUSING}/events?limit=0`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]!.field).toBe('limit');
  });

  it('refuses a rollback with no previous primary (409 no_previous_primary) and records nothing', async () => {
    const before = await deployment(INCOME);
    expect(before.revision).toBe(1);
    const res = await change<ApiError>(INCOME, { action: 'rollback' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('no_previous_primary');
    expect(res.body.error.message).toContain('no previous primary');
    expect(await deployment(INCOME)).toEqual(before);
    expect((await events(INCOME)).map((e) => e.action)).toEqual(['bootstrap']);
  });

  it('clears the canary on rollback', async () => {
    expect((await change(HOUSING, { action: 'promote', version: '2' })).status).toBe(200);
    const pushed = await pushPackage(bundledPackage(HOUSING, '1', '3'));
    expect(pushed.status).toBe(201);
    expect((await change(HOUSING, { action: 'canary', version: '3', percent: 10 })).status).toBe(200);
    const res = await change(HOUSING, { action: 'rollback' });
    expect(res.status).toBe(200);
    expect(res.body.deployment).toMatchObject({ primary: '1', canary: null });
  });
});

describe('POST /admin/models/{model}/deployment: validation', () => {
  async function expectRefused(model: string, body: unknown, status: number, code: string, field?: string): Promise<ApiError> {
    const before = await deployment(INCOME);
    const res = await change<ApiError>(model, body);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    if (field !== undefined) expect(res.body.error.details.map((d) => d.field)).toContain(field);
    expect(await deployment(INCOME)).toEqual(before);
    return res.body;
  }

  it('refuses an unknown action (400 naming action)', async () => {
    const body = await expectRefused(INCOME, { action: 'explode', version: '2' }, 400, 'invalid_request', 'action');
    expect(body.error.message).toContain('promote, canary, clear_canary, shadow, clear_shadow, rollback');
  });

  it('refuses a body without an action (400 naming action)', async () => {
    await expectRefused(INCOME, { version: '2' }, 400, 'invalid_request', 'action');
  });

  it.each([
    ['promote', { action: 'promote' }],
    ['canary', { action: 'canary', percent: 10 }],
    ['shadow', { action: 'shadow', sample_rate: 0.5 }],
    ['clear_shadow', { action: 'clear_shadow' }],
  ])('refuses %s without a version (400 naming version)', async (_action, request) => {
    const body = await expectRefused(INCOME, request, 400, 'invalid_request', 'version');
    expect(body.error.message).toBe('version: version is required: a positive integer string such as "3"');
  });

  it.each([
    [{ action: 'promote', version: 2 }, 'version'],
    [{ action: 'promote', version: 'v2' }, 'version'],
  ])('refuses a malformed version %j (400 naming version)', async (body, field) => {
    await expectRefused(INCOME, body, 400, 'invalid_request', field);
  });

  it.each([0, -5, 100.01, 150])('refuses a canary percent of %s (400 naming percent)', async (percent) => {
    const body = await expectRefused(INCOME, { action: 'canary', version: '2', percent }, 400, 'invalid_request', 'percent');
    expect(body.error.message).toBe('percent: percent must be a number in (0, 100]');
  });

  it('refuses a canary without a percent or with a string percent (400 naming percent)', async () => {
    expect((await expectRefused(INCOME, { action: 'canary', version: '2' }, 400, 'invalid_request', 'percent')).error.message).toContain(
      'percent is required',
    );
    await expectRefused(INCOME, { action: 'canary', version: '2', percent: '10' }, 400, 'invalid_request', 'percent');
  });

  it.each([0, -0.5, 1.5])('refuses a shadow sample_rate of %s (400 naming sample_rate)', async (sampleRate) => {
    const body = await expectRefused(
      INCOME,
      { action: 'shadow', version: '2', sample_rate: sampleRate },
      400,
      'invalid_request',
      'sample_rate',
    );
    expect(body.error.message).toBe('sample_rate: sample_rate must be a number in (0, 1]');
  });

  it.each([-0.01, 2])('refuses a sampling sample_rate of %s (400 naming sample_rate)', async (sampleRate) => {
    await expectRefused(INCOME, { action: 'sampling', sample_rate: sampleRate }, 400, 'invalid_request', 'sample_rate');
  });

  it('refuses unknown fields and a body that is not JSON', async () => {
    await expectRefused(INCOME, { action: 'promote', version: '2', force: true }, 400, 'invalid_request');
    const res = await admin(`/models/${INCOME}/deployment`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"action": "promote",',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ApiError).error.code).toBe('malformed_json');
  });

  it('answers 404 for an unknown model', async () => {
    const res = await change<ApiError>('no-such-model', { action: 'promote', version: '2' });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('model_not_found');
    expect((await adminJson<ApiError>('GET', '/models/no-such-model/deployment')).status).toBe(404);
    expect((await adminJson<ApiError>('GET', '/models/no-such-model/events')).status).toBe(404);
  });

  it('answers 404 version_not_found for an unknown version', async () => {
    await expectRefused(INCOME, { action: 'promote', version: '42' }, 404, 'version_not_found', 'version');
  });

  it('refuses to promote the current primary (409 deployment_conflict)', async () => {
    const body = await expectRefused(INCOME, { action: 'promote', version: '1' }, 409, 'deployment_conflict');
    expect(body.error.message).toContain('already the primary');
  });

  it('refuses to clear a canary that does not exist or a shadow that is not one (409 deployment_conflict)', async () => {
    await expectRefused(INCOME, { action: 'clear_canary' }, 409, 'deployment_conflict');
    await expectRefused(INCOME, { action: 'clear_shadow', version: '1' }, 409, 'deployment_conflict');
  });
});

describe('POST /admin/models/{model}/deployment under concurrency', () => {
  const rates = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];

  function expectChain(list: DeploymentEvent[]): void {
    const ascending = [...list].reverse();
    ascending.forEach((e, i) => {
      expect(e.revision).toBe(i + 1);
      expect(e.after.revision).toBe(e.revision);
      if (i > 0) expect(e.before).toEqual(ascending[i - 1]!.after);
    });
  }

  it('commits ten parallel changes as ten events with consecutive revisions, none lost', async () => {
    const before = await deployment(INCOME);
    const results = await Promise.all(
      rates.map((rate, i) => change(INCOME, { action: 'shadow', version: '2', sample_rate: rate, actor: `writer-${i}` })),
    );
    expect(results.map((r) => r.status)).toEqual(rates.map(() => 200));
    const revisions = results.map((r) => r.body.deployment.revision).sort((a, b) => a - b);
    expect(revisions).toEqual(rates.map((_, i) => before.revision + 1 + i));

    const list = await events(INCOME, '?limit=500');
    const changes = list.filter((e) => e.revision > before.revision);
    expect(changes).toHaveLength(10);
    expect(changes.map((e) => e.actor).sort()).toEqual(rates.map((_, i) => `writer-${i}`).sort());
    expectChain(list);
    // Each event records the change its writer asked for, and the newest one is the deployment.
    for (const e of changes)
      expect(e.after.shadows).toEqual([{ version: '2', sample_rate: rates[Number(e.actor.slice('writer-'.length))] }]);
    expect((await deployment(INCOME)).revision).toBe(before.revision + 10);
    expect(await deployment(INCOME)).toEqual(list[0]!.after);
  });

  it('loses no change when several isolates change the same deployment at once', async () => {
    // Each DeploymentService is what one isolate holds; they share only D1.
    const isolates = Array.from({ length: 4 }, () => isolateDeploymentService());
    const before = await deployment(INCOME);
    const writes = rates.map((rate, i) =>
      isolates[i % isolates.length]!.change(
        INCOME,
        { action: 'sampling', sample_rate: rate / 10 },
        `isolate-${i % isolates.length}`,
        `write ${i}`,
      ),
    );
    const results = await Promise.all(writes);
    expect(results.map((r) => r.deployment.revision).sort((a, b) => a - b)).toEqual(rates.map((_, i) => before.revision + 1 + i));
    const list = await events(INCOME, '?limit=500');
    expect(
      list
        .filter((e) => e.revision > before.revision)
        .map((e) => e.reason)
        .sort(),
    ).toEqual(rates.map((_, i) => `write ${i}`).sort());
    expectChain(list);
  });

  // A new model's first QA-passed push deploys it (issue 9); the first changes then race a fresh deployment.
  it('bootstraps once, at the first push of a new model, and loses none of the first changes racing each other', async () => {
    const model = 'race-housing';
    for (const [from, version] of [
      ['1', '1'],
      ['2', '2'],
    ] as const) {
      const pkg = bundledPackage(HOUSING, from, version);
      pkg.manifest.name = model;
      expect((await pushPackage(pkg, { 'x-vigil-actor': 'ana' })).status).toBe(201);
    }
    const results = await Promise.all(rates.map((rate) => change(model, { action: 'shadow', version: '2', sample_rate: rate })));
    expect(results.map((r) => r.status)).toEqual(rates.map(() => 200));
    const list = await events(model, '?limit=500');
    expect(list.map((e) => e.action).filter((a) => a === 'bootstrap')).toHaveLength(1);
    expect(list).toHaveLength(11);
    expectChain(list);
    expect(list.at(-1)).toMatchObject({ action: 'bootstrap', actor: 'ana', reason: 'first version of a new model to pass QA' });
    expect(list.at(-1)!.after).toMatchObject({ primary: '1', shadows: [] });
  });
});
