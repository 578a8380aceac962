import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { database } from '../../src/db/client.ts';
import { canonicalJson } from '../../src/lib/canonical-json.ts';
import { FakeRuntime } from '../../src/inference/fake-runtime.ts';
import { SessionCache } from '../../src/inference/session-cache.ts';
import { parseManifest } from '../../src/model/manifest.ts';
import { R2ArtifactStore } from '../../src/registry/artifact-store.ts';
import { BUNDLED_MODELS } from '../../src/registry/bundled-models.gen.ts';
import { ModelRegistry } from '../../src/registry/model-registry.ts';
import { BundledModelStore } from '../../src/registry/model-store.ts';
import { D1VersionRepository } from '../../src/registry/version-repository.ts';

/** A registry as a fresh isolate has it: nothing cached. */
function freshIsolate(): { registry: ModelRegistry; bundled: BundledModelStore } {
  const bundled = new BundledModelStore(BUNDLED_MODELS);
  const registry = new ModelRegistry({
    bundled,
    repository: new D1VersionRepository(database(env.DB)),
    artifacts: new R2ArtifactStore(env.MODELS),
    sessions: new SessionCache(new FakeRuntime({ behaviour: 'sum' })),
  });
  return { registry, bundled };
}

describe('bundled manifests on a cold start', () => {
  it('are validated by the build, so the Worker uses them as they are (every bundled manifest is complete)', () => {
    expect(BUNDLED_MODELS.map((s) => s.validated)).toEqual(BUNDLED_MODELS.map(() => true));
    for (const source of BUNDLED_MODELS) {
      // Parsing adds nothing and changes nothing (key order aside).
      const parsed = parseManifest(source.manifest);
      expect(parsed.ok && canonicalJson(parsed.manifest) === canonicalJson(source.manifest)).toBe(true);
    }
  });

  it('are not parsed again when the stored record holds the build’s manifest; a record that differs is parsed', async () => {
    const first = freshIsolate();
    expect(await first.registry.get('california-housing', '1')).not.toBeNull(); // registers the bundled versions

    const cold = freshIsolate();
    const pkg = await cold.registry.get('california-housing', '1');
    // The very object the bundled store holds: the stored text matched, no schema validation ran.
    expect(pkg!.manifest).toBe((await cold.bundled.get('california-housing', '1'))!.manifest);

    // A record whose manifest is not this build's (registered by another build) is validated and served as stored.
    const stored = JSON.parse(cold.bundled.manifestJson('california-housing', '1')!) as { description: string };
    stored.description = 'registered by an earlier build';
    await env.DB.prepare('UPDATE model_versions SET manifest = ? WHERE model = ? AND version = 1')
      .bind(JSON.stringify(stored), 'california-housing')
      .run();
    const other = freshIsolate();
    const reparsed = await other.registry.get('california-housing', '1');
    expect(reparsed!.manifest).not.toBe((await other.bundled.get('california-housing', '1'))!.manifest);
    expect(reparsed!.manifest.description).toBe('registered by an earlier build');
  });
});
