import { describe, expect, it, vi } from 'vitest';
import type { ModelRegistry } from '../../src/registry/model-registry.ts';
import type { VersionSummary } from '../../src/registry/version-repository.ts';
import type { Deployment, PrimaryHistoryEntry } from '../../src/traffic/deployment.ts';
import { DeploymentService } from '../../src/traffic/deployment-service.ts';
import type { DeploymentCommit, DeploymentEvent, DeploymentStore } from '../../src/traffic/deployment-store.ts';

/** An in-memory DeploymentStore with D1's guarantee: one event per (model, revision), commits are atomic. */
class MemoryDeploymentStore implements DeploymentStore {
  readonly deployments = new Map<string, Deployment>();
  readonly log: DeploymentEvent[] = [];
  reads = 0;
  commits = 0;
  conflicts = 0;

  async get(model: string): Promise<Deployment | null> {
    this.reads++;
    await Promise.resolve();
    const d = this.deployments.get(model);
    return d ? structuredClone(d) : null;
  }

  async piiSalt(): Promise<string | null> {
    return 'salt';
  }

  async events(model: string, limit: number): Promise<DeploymentEvent[]> {
    return this.log
      .filter((e) => e.model === model)
      .reverse()
      .slice(0, limit);
  }

  async event(model: string, revision: number): Promise<DeploymentEvent | null> {
    return this.log.find((e) => e.model === model && e.revision === revision) ?? null;
  }

  async primaryHistory(model: string): Promise<PrimaryHistoryEntry[]> {
    return (await this.events(model, 1000)).map((e) => ({ before: e.before?.primary ?? null, after: e.after.primary }));
  }

  async commit(change: DeploymentCommit): Promise<boolean> {
    this.commits++;
    await Promise.resolve();
    if (this.log.some((e) => e.model === change.next.model && e.revision === change.next.revision)) {
      this.conflicts++;
      return false;
    }
    this.deployments.set(change.next.model, structuredClone(change.next));
    this.log.push({
      id: this.log.length + 1,
      model: change.next.model,
      revision: change.next.revision,
      action: change.action,
      actor: change.actor,
      reason: change.reason,
      before: change.before,
      after: change.next,
      created_at: change.next.updated_at,
    });
    return true;
  }
}

const summaries: VersionSummary[] = ['1', '2', '3'].map((version) => ({
  model: 'm',
  version,
  source: 'bundled',
  status: 'qa_passed',
  sha256: version,
  bytes: 1,
  createdAt: 0,
  createdBy: 'test',
  engine: 'onnxruntime',
  engineReason: 'test',
}));
const registered: string[] = [];
const registry = {
  summaries: async () => summaries,
  exists: async () => 'yes',
  ensureRegistered: async (model: string) => void registered.push(model),
} as unknown as ModelRegistry;
const defaults = { m: { primary: '1', shadows: [{ version: '2', sample_rate: 1 }] } };

function service(store: DeploymentStore, clock: { ms: number }, cacheSeconds = 10): DeploymentService {
  return new DeploymentService({ store, registry, defaults, cacheSeconds, now: () => new Date(clock.ms) });
}

describe('DeploymentService', () => {
  it('bootstraps the default deployment of a bundled model on first use', async () => {
    const store = new MemoryDeploymentStore();
    const d = await service(store, { ms: 0 }).current('m');
    expect(d).toMatchObject({
      primary: '1',
      canary: null,
      shadows: [{ version: '2', sample_rate: 1 }],
      revision: 1,
      updated_by: 'vigil:bootstrap',
    });
    expect(store.log.map((e) => e.action)).toEqual(['bootstrap']);
  });

  it('leaves a bundled model declared undeployed (null) without a deployment until a version is promoted', async () => {
    const store = new MemoryDeploymentStore();
    const isolate = new DeploymentService({ store, registry, defaults: { m: null }, cacheSeconds: 10, now: () => new Date(0) });
    expect(await isolate.current('m')).toBeNull();
    // Neither a read nor a push's first-deployment hook deploys it; shadow and canary need a primary first.
    expect(await isolate.deployFirst('m', 'ana')).toBeNull();
    await expect(isolate.change('m', { action: 'shadow', version: '2', sample_rate: 1 }, 'ana', null)).rejects.toMatchObject({
      status: 404,
      details: [{ field: 'model', code: 'not_deployed' }],
    });
    expect(store.log).toEqual([]);
    // Promoting a version that passed QA is the first deployment, audited as a promotion.
    await expect(isolate.change('m', { action: 'promote', version: '9' }, 'ana', null)).rejects.toMatchObject({ status: 404 });
    const { deployment, event } = await isolate.change('m', { action: 'promote', version: '2' }, 'ana', 'try it');
    expect(deployment).toMatchObject({ primary: '2', canary: null, shadows: [], revision: 1, updated_by: 'ana' });
    expect(event).toMatchObject({ action: 'promote', actor: 'ana', reason: 'try it', before: null, revision: 1 });
    expect((await isolate.current('m'))!.primary).toBe('2');
  });

  it("checks the model's registration beside its first deployment read, not after it", async () => {
    const store = new MemoryDeploymentStore();
    let readStarted = 0;
    const get = store.get.bind(store);
    store.get = (model) => {
      readStarted = registered.length;
      return get(model);
    };
    registered.length = 0;
    const background: Promise<unknown>[] = [];
    await service(store, { ms: 0 }).current('m', (task) => void background.push(task));
    await Promise.all(background);
    // Registration was under way (held by the request's background) before the deployment read began: the two
    // D1 round trips overlap.
    expect(registered).toEqual(['m']);
    expect(readStarted).toBe(1);
  });

  it('serves a cached deployment for at most 10 s, even when configured to cache longer', async () => {
    const store = new MemoryDeploymentStore();
    const clock = { ms: 0 };
    const isolateA = service(store, clock, 60);
    const isolateB = service(store, clock, 60);
    await isolateA.current('m');
    await isolateB.change('m', { action: 'promote', version: '3' }, 'ana', null);

    const background = (task: Promise<unknown>) => void task.catch(() => undefined);
    clock.ms = 4_999;
    expect((await isolateA.current('m', background))!.primary).toBe('1');
    clock.ms = 10_000;
    expect((await isolateA.current('m', background))!.primary).toBe('3');
  });

  it('sees its own changes at once', async () => {
    const store = new MemoryDeploymentStore();
    const isolate = service(store, { ms: 0 });
    await isolate.current('m');
    await isolate.change('m', { action: 'promote', version: '2' }, 'ana', null);
    expect((await isolate.current('m'))!.primary).toBe('2');
  });

  it('refreshes a deployment past half its age in the background, still answering from the cache', async () => {
    const store = new MemoryDeploymentStore();
    const clock = { ms: 0 };
    const isolateA = service(store, clock);
    await isolateA.current('m');
    await service(store, clock).change('m', { action: 'promote', version: '2' }, 'ana', null);
    clock.ms = 6_000;
    const tasks: Promise<unknown>[] = [];
    expect((await isolateA.current('m', (t) => void tasks.push(t)))!.primary).toBe('1');
    expect(tasks).toHaveLength(1);
    await Promise.all(tasks);
    expect((await isolateA.current('m'))!.primary).toBe('2');
  });

  it('while D1 fails, serves the last deployment and reads D1 again only every 2 s, however busy the isolate', async () => {
    const store = new MemoryDeploymentStore();
    const clock = { ms: 0 };
    const isolate = service(store, clock);
    expect((await isolate.current('m'))!.primary).toBe('1');
    const readsBefore = store.reads;
    store.get = async () => {
      store.reads++;
      await Promise.resolve();
      throw new Error('D1_ERROR: Network connection lost.');
    };
    const errors = console.error;
    console.error = () => undefined;
    try {
      // 1,000 requests over 10 s of simulated time, from the 6th second (past half the cache's age) on.
      for (let i = 0; i < 1000; i++) {
        clock.ms = 6_000 + i * 10;
        const tasks: Promise<unknown>[] = [];
        expect((await isolate.current('m', (t) => void tasks.push(t)))!.primary).toBe('1');
        await Promise.all(tasks);
      }
    } finally {
      console.error = errors;
    }
    // One read, then one every 2 s: about 5 in 10 s, not one per request.
    expect(store.reads - readsBefore).toBeGreaterThanOrEqual(4);
    expect(store.reads - readsBefore).toBeLessThanOrEqual(6);
  });

  it('applies concurrent changes from one isolate one after the other, without conflicts', async () => {
    const store = new MemoryDeploymentStore();
    const isolate = service(store, { ms: 0 });
    const rates = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];
    const results = await Promise.all(
      rates.map((rate) => isolate.change('m', { action: 'shadow', version: '3', sample_rate: rate }, 'ana', null)),
    );
    expect(results.map((r) => r.deployment.revision)).toEqual(rates.map((_, i) => i + 2));
    expect(store.conflicts).toBe(0);
    expect(store.log.map((e) => e.revision)).toEqual([1, ...rates.map((_, i) => i + 2)]);
  });

  it('re-applies a change on top of one another isolate committed first', async () => {
    const store = new MemoryDeploymentStore();
    const isolates = [service(store, { ms: 0 }), service(store, { ms: 0 }), service(store, { ms: 0 })];
    await isolates[0]!.current('m');
    const results = await Promise.all(
      isolates.flatMap((isolate, i) =>
        [0, 1, 2].map((j) => isolate.change('m', { action: 'sampling', sample_rate: (i * 3 + j) / 10 }, `isolate-${i}`, null)),
      ),
    );
    expect(results.map((r) => r.deployment.revision).sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const e of store.log.slice(1)) expect(e.before).toEqual(store.log[e.revision - 2]!.after);
  });

  it('does not let a refused change block the changes queued behind it', async () => {
    const store = new MemoryDeploymentStore();
    const isolate = service(store, { ms: 0 });
    const [refused, accepted] = await Promise.allSettled([
      isolate.change('m', { action: 'promote', version: '9' }, 'ana', null),
      isolate.change('m', { action: 'promote', version: '2' }, 'ana', null),
    ]);
    expect(refused.status).toBe('rejected');
    expect(accepted).toMatchObject({ status: 'fulfilled', value: { deployment: { primary: '2' } } });
  });

  it('does not let a change whose request was torn down (it never settles) block the next one past 30 s', async () => {
    vi.useFakeTimers();
    try {
      const store = new MemoryDeploymentStore();
      const isolate = new DeploymentService({ store, registry, defaults, cacheSeconds: 10, now: () => new Date() });
      await isolate.current('m');
      const commit = store.commit.bind(store);
      store.commit = () => new Promise<boolean>(() => undefined); // D1's answer never reaches a torn-down request
      void isolate.change('m', { action: 'sampling', sample_rate: 0.5 }, 'ana', null);
      await vi.advanceTimersByTimeAsync(5_000);
      store.commit = commit;
      let answer: Deployment | undefined;
      void isolate.change('m', { action: 'promote', version: '2' }, 'ana', null).then((r) => (answer = r.deployment));
      await vi.advanceTimersByTimeAsync(24_999);
      expect(answer).toBeUndefined(); // a change may take that long: the next one waits its turn
      await vi.advanceTimersByTimeAsync(1);
      expect(answer).toMatchObject({ primary: '2', revision: 2 });
    } finally {
      vi.useRealTimers();
    }
  });

  it('reads D1 again once a refresh that never settled (its request was torn down) is 30 s old', async () => {
    vi.useFakeTimers();
    try {
      const store = new MemoryDeploymentStore();
      const clock = { ms: 0 };
      const isolate = service(store, clock);
      await isolate.current('m');
      await service(store, clock).change('m', { action: 'promote', version: '2' }, 'ana', null);
      const get = store.get.bind(store);
      store.get = () => new Promise<Deployment | null>(() => undefined); // D1's answer never reaches that request
      clock.ms = 6_000;
      expect((await isolate.current('m', () => undefined))!.primary).toBe('1'); // starts the refresh
      store.get = get;
      const answer = async () => {
        const current = isolate.current('m', () => undefined);
        await vi.advanceTimersByTimeAsync(250);
        return (await current)!.primary;
      };
      clock.ms = 20_000;
      expect(await answer()).toBe('1'); // a read may take that long: the one in flight is still the one waited for
      clock.ms = 36_000;
      expect(await answer()).toBe('2');
    } finally {
      vi.useRealTimers();
    }
  });
});
