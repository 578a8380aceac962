import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FakeRuntime } from '../../src/inference/fake-runtime.ts';
import { SessionCache } from '../../src/inference/session-cache.ts';
import type { ArtifactStore } from '../../src/registry/artifact-store.ts';
import { ModelRegistry } from '../../src/registry/model-registry.ts';
import { BundledModelStore } from '../../src/registry/model-store.ts';
import type { VersionRecord, VersionRepository, VersionSummary } from '../../src/registry/version-repository.ts';

const dir = new URL('../../models/california-housing/1/', import.meta.url);
const manifestJson = readFileSync(new URL('manifest.json', dir), 'utf8');
const artifact = readFileSync(new URL('model.onnx', dir));

/** A repository whose version list answers only when released, recording the order of the calls it gets. */
class GatedRepository implements VersionRepository {
  readonly calls: string[] = [];
  release: () => void = () => undefined;
  readonly #listed = new Promise<void>((resolve) => {
    this.release = resolve;
  });

  async models(): Promise<string[]> {
    return ['california-housing'];
  }
  async list(model: string): Promise<VersionSummary[]> {
    this.calls.push('list:start');
    await this.#listed;
    this.calls.push('list:end');
    return [{ ...this.#record(), model, engine: 'compiled', engineReason: 'test' }];
  }
  async get(): Promise<VersionRecord | null> {
    this.calls.push('get');
    return this.#record();
  }
  async insert(): Promise<'inserted' | 'exists'> {
    throw new Error('the bundled version is registered already');
  }
  async setEngineOverride(): Promise<void> {}
  #record(): VersionRecord {
    const manifest = JSON.parse(manifestJson) as { artifact: { sha256: string } };
    return {
      model: 'california-housing',
      version: '1',
      source: 'bundled',
      sha256: manifest.artifact.sha256,
      bytes: artifact.byteLength,
      manifestJson,
      status: 'qa_passed',
      qaReport: { status: 'qa_passed', checked_at: '2026-12-02T00:00:00Z', golden_examples: 0, checks: [] },
      createdAt: 0,
      createdBy: 'test',
    };
  }
}

describe('ModelRegistry on a cold start', () => {
  it("reads a version's record while the model's registration is still being checked", async () => {
    const repository = new GatedRepository();
    const registry = new ModelRegistry({
      bundled: new BundledModelStore([{ manifest: JSON.parse(manifestJson), artifact: artifact.buffer as ArrayBuffer }]),
      repository,
      artifacts: {} as ArtifactStore,
      sessions: new SessionCache(new FakeRuntime({ behaviour: 'sum' })),
    });
    const loading = registry.get('california-housing', '1');
    await new Promise((resolve) => setTimeout(resolve, 10));
    // Both D1 reads are in flight together: the record did not wait for the version list.
    expect([...repository.calls].sort()).toEqual(['get', 'list:start']);
    repository.release();
    const pkg = await loading;
    expect(pkg).toMatchObject({ name: 'california-housing', version: '1', status: 'qa_passed' });
    expect(repository.calls).toHaveLength(3);
    expect(repository.calls[2]).toBe('list:end');
  });
});
