/**
 * Which engine serves a version, inside workerd: the QA gate proves the compiled evaluator against ONNX Runtime
 * before a version may use it, shows the choice per version (admin API, OIP V2 metadata), falls back to ONNX
 * Runtime with the reason for graphs it cannot run, lets an operator force either engine, and an isolate whose
 * versions are all compiled never creates an ONNX Runtime session.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Env } from '../../src/env.ts';
import type { ModelRuntime, ModelSession } from '../../src/inference/model-runtime.ts';
import { compileOnnx } from '../../src/inference/compiled/compile-onnx.ts';
import { CompiledRuntime } from '../../src/inference/compiled/compiled-runtime.ts';
import type { TreeArrays } from '../../src/inference/compiled/ops/tree-ensemble.ts';
import { useTreeWalker } from '../../src/inference/compiled/ops/tree-walker.ts';
import treeWalker from '../../src/inference/compiled/tree-walker.gen.wasm';
import { readTreeImage } from '../../src/inference/compiled/tree-image.ts';
import { compileModel, predictRows } from '../../src/inference/model-runner.ts';
import { OrtRuntime } from '../../src/inference/ort-runtime.ts';
import { compileValidator, FieldErrors } from '../../src/model/instance-validator.ts';
import type { Manifest } from '../../src/model/manifest.ts';
import { BUNDLED_MODELS } from '../../src/registry/bundled-models.gen.ts';
import { PARITY_PROBES } from '../../src/registry/engine-choice.ts';
import { buildServices } from '../../src/services.ts';
import { softplusRegressor } from '../support/onnx-graphs.ts';
import { adminJson, bundledManifests, expectClose, fetchWorker, makePrimary, manifestOf, postJson, type ApiError } from './helpers.ts';
import { form, packaged } from './imported-packages.ts';
import { bundledPackage, push, pushPackage, withBrokenGoldens } from './packages.ts';

const workerEnv = env as unknown as Env;

interface VersionJson {
  version: string;
  status: string;
  engine: string;
  engine_reason: string;
  engine_override?: { engine: string; actor: string; reason: string | null };
  qa_report?: { engine?: { selected: string; probes: number; max_abs_diff: number | null; reason: string } };
}

/** Counts the ONNX Runtime sessions a services instance creates. */
class CountingRuntime implements ModelRuntime {
  created = 0;
  readonly #inner = new OrtRuntime();
  createSession(bytes: Uint8Array): Promise<ModelSession> {
    this.created++;
    return this.#inner.createSession(bytes);
  }
}

async function versionsOf(model: string): Promise<VersionJson[]> {
  const res = await adminJson<{ versions: VersionJson[] }>('GET', `/models/${model}/versions`);
  expect(res.status).toBe(200);
  return res.body.versions;
}

async function predictV1(path: string, instances: unknown[]): Promise<unknown[]> {
  const res = await postJson(path, { instances });
  expect(res.status).toBe(200);
  return ((await res.json()) as { predictions: unknown[] }).predictions;
}

const goldenInstances = (model: string, version: string) =>
  manifestOf(model, version).golden.map((g) => g.instance as Record<string, unknown>);

/** The first output of a version, pinned through OIP V2 (one tensor per feature). */
async function inferPinned(model: string, version: string, instances: Record<string, unknown>[]): Promise<unknown[]> {
  const inputs = manifestOf(model, version).features.map((f) => ({
    name: f.name,
    datatype: f.type === 'category' ? 'BYTES' : 'FP32',
    shape: [instances.length],
    data: instances.map((i) => i[f.name]),
  }));
  const res = await postJson(`/v2/models/${model}/versions/${version}/infer`, { inputs });
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { outputs: { data: unknown[] }[] }).outputs[0]!.data;
}

// One file-wide D1: the tests build on each other's registrations.
describe('the QA gate chooses the engine', () => {
  it('proves every bundled version on the compiled evaluator: its goldens and 1,000 drawn inputs, within tolerance', async () => {
    for (const manifest of bundledManifests) {
      const record = await adminJson<VersionJson>('GET', `/models/${manifest.name}/versions/${manifest.version}`);
      expect(record.status).toBe(200);
      const choice = record.body.qa_report!.engine!;
      expect(choice.selected, `${manifest.name}@${manifest.version}: ${choice.reason}`).toBe('compiled');
      expect(choice.probes).toBe(manifest.golden.length + PARITY_PROBES);
      expect(choice.max_abs_diff).not.toBeNull();
      expect(choice.max_abs_diff!).toBeLessThanOrEqual(manifest.golden_tolerance.abs);
      expect(record.body.engine).toBe('compiled');
      expect(record.body.engine_reason).toContain(
        `${manifest.golden.length} golden examples and ${PARITY_PROBES} inputs drawn from the training statistics`,
      );
    }
  });

  it('shows the engine per version in the admin API and in OIP V2 metadata', async () => {
    for (const v of await versionsOf('california-housing')) expect(v.engine).toBe('compiled');
    const metadata = (await (await fetchWorker('/v2/models/california-housing/versions/2')).json()) as {
      parameters: Record<string, unknown>;
    };
    expect(metadata.parameters).toMatchObject({ version: '2', engine: 'compiled' });
  });

  it('serves a graph with an operator the evaluator lacks on ONNX Runtime, says why, and refuses to force it', async () => {
    const graph = softplusRegressor();
    const pkg = await packaged('softplus', '1', graph.bytes, graph.csv, { features: ['a', 'b'] });
    expect((await push('softplus', '1', form(pkg))).status).toBe(201);
    const [v1] = await versionsOf('softplus');
    expect(v1).toMatchObject({ status: 'qa_passed', engine: 'onnxruntime' });
    expect(v1!.engine_reason).toMatch(/does not support this graph.*Softplus/);
    const rows = graph.csv
      .split('\n')
      .slice(1)
      .map((line) => ({ a: Number(line.split(',')[0]), b: Number(line.split(',')[1]) }));
    const values = (await predictV1('/v1/models/softplus:predict', rows)) as number[];
    graph.expected.forEach((e, i) => expectClose(values[i]!, (e as { value: number }).value));
    const forced = await adminJson<ApiError>('PUT', '/models/softplus/versions/1/engine', { engine: 'compiled', reason: 'try it' });
    expect(forced.status).toBe(409);
    expect(forced.body.error.code).toBe('engine_not_proven');
    expect(forced.body.error.details[0]).toMatchObject({ field: 'engine', code: 'engine_not_proven' });
    expect(forced.body.error.message).toContain('Softplus');
    expect((await versionsOf('softplus'))[0]!.engine).toBe('onnxruntime');
  });
});

describe('an operator forces the engine of a version', () => {
  it("forces ONNX Runtime, with the same predictions, then goes back to the QA gate's choice", async () => {
    const instances = goldenInstances('california-housing', '2');
    const compiled = await inferPinned('california-housing', '2', instances);

    const res = await adminJson<VersionJson>('PUT', '/models/california-housing/versions/2/engine', {
      engine: 'onnxruntime',
      reason: 'compare with the reference',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      version: '2',
      engine: 'onnxruntime',
      engine_override: { engine: 'onnxruntime', actor: 'admin', reason: 'compare with the reference' },
    });
    expect(res.body.engine_reason).toBe('forced by admin: compare with the reference');
    const metadata = (await (await fetchWorker('/v2/models/california-housing/versions/2')).json()) as {
      parameters: Record<string, unknown>;
    };
    expect(metadata.parameters.engine).toBe('onnxruntime');
    const reference = await inferPinned('california-housing', '2', instances);
    // The evaluator was proven to match within tolerance; on these inputs it matches exactly.
    expect(reference).toEqual(compiled);
    const health = await adminJson<{ isolate: Record<string, number> }>('GET', '/health');
    expect(health.body.isolate.onnxruntime_sessions).toBeGreaterThan(0);

    const auto = await adminJson<VersionJson>('PUT', '/models/california-housing/versions/2/engine', { engine: 'auto' });
    expect(auto.status).toBe(200);
    expect(auto.body.engine).toBe('compiled');
    expect(auto.body.engine_override).toBeUndefined();
    expect((await versionsOf('california-housing')).find((v) => v.version === '2')!.engine).toBe('compiled');
  });

  it('proves parity on demand for a version QA-checked before the compiled evaluator existed', async () => {
    const db = workerEnv.DB;
    // What D1 holds for versions registered by an older Vigil: a QA report without an engine choice.
    const row = await db
      .prepare("SELECT qa_report FROM model_versions WHERE model = 'adult-income' AND version = 1")
      .first<{ qa_report: string }>();
    const report = JSON.parse(row!.qa_report) as { engine?: unknown };
    delete report.engine;
    await db
      .prepare("UPDATE model_versions SET qa_report = ? WHERE model = 'adult-income' AND version = 1")
      .bind(JSON.stringify(report))
      .run();

    const before = (await versionsOf('adult-income')).find((v) => v.version === '1')!;
    expect(before.engine).toBe('onnxruntime');
    expect(before.engine_reason).toContain('before the compiled evaluator existed');
    const forced = await adminJson<VersionJson>('PUT', '/models/adult-income/versions/1/engine', {
      engine: 'compiled',
      reason: 'proven now',
    });
    expect(forced.status).toBe(200);
    expect(forced.body).toMatchObject({ engine: 'compiled', engine_override: { engine: 'compiled', reason: 'proven now' } });
  });

  it('names the field for an unknown engine, 404s an unknown version, and 409s a version that failed QA', async () => {
    const bad = await adminJson<ApiError>('PUT', '/models/california-housing/versions/2/engine', { engine: 'fast' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]).toMatchObject({ field: 'engine' });
    expect(bad.body.error.message).toContain('"auto"');
    expect((await adminJson<ApiError>('PUT', '/models/california-housing/versions/99/engine', { engine: 'onnxruntime' })).status).toBe(404);
    expect((await adminJson<ApiError>('PUT', '/models/no-such-model/versions/1/engine', { engine: 'onnxruntime' })).status).toBe(404);
    expect((await pushPackage(withBrokenGoldens(bundledPackage('california-housing', '1', '7')))).status).toBe(422);
    const failed = await adminJson<ApiError>('PUT', '/models/california-housing/versions/7/engine', { engine: 'onnxruntime' });
    expect(failed.status).toBe(409);
    expect(failed.body.error.code).toBe('version_not_servable');
  });
});

describe("the build's tree images (vigil prepare)", () => {
  it('arrive in the Worker whole, name their artifact, and give the sessions the trees the bytes give', async () => {
    const imaged = BUNDLED_MODELS.filter((m) => m.trees !== undefined);
    const names = imaged.map((m) => `${(m.manifest as Manifest).name}/${(m.manifest as Manifest).version}`);
    expect(names.sort()).toEqual(['adult-income/2', 'california-housing/2']);
    for (const m of imaged) {
      const manifest = m.manifest as Manifest;
      const read = readTreeImage(m.trees!);
      if (!read.ok) throw new Error(read.reason);
      expect(read.sha256).toBe(manifest.artifact.sha256);
      const bytes = new Uint8Array(m.artifact);
      const trees = new Map<number, TreeArrays>();
      expect(compileOnnx(bytes, trees).ok).toBe(true);
      expect(read.trees).toEqual(trees);
      const fromImage = await new CompiledRuntime([m.trees!]).createSession(bytes, manifest.artifact.sha256);
      const fromBytes = await new CompiledRuntime().createSession(bytes);
      const model = compileModel(manifest);
      const validator = compileValidator(manifest);
      const errors = new FieldErrors();
      const rows = manifest.golden.map((g, i) => validator.validate(g.instance, i, errors)!);
      expect(errors.list).toEqual([]);
      expect(await predictRows(fromImage, model, rows)).toEqual(await predictRows(fromBytes, model, rows));
    }
  });
});

describe('an isolate whose served versions are all compiled', () => {
  it('serves every bundled model, primary and shadow, without creating an ONNX Runtime session', async () => {
    // The registrations above are in D1, as they are for every isolate after the first.
    const ort = new CountingRuntime();
    await makePrimary('titanic', '1'); // bundled undeployed (models/deployments.json)
    const services = buildServices(workerEnv, { ortRuntime: ort });
    const background: Promise<unknown>[] = [];
    for (const model of ['california-housing', 'adult-income', 'titanic']) {
      const deployment = await services.deployments.current(model);
      for (const version of [deployment!.primary, ...deployment!.shadows.map((s) => s.version)]) {
        const result = await services.predictions.predict(
          { model, version, instances: goldenInstances(model, version), requestId: `${model}-${version}` },
          (task) => background.push(task),
        );
        expect(result.predictions).toHaveLength(manifestOf(model, version).golden.length);
      }
      // Routed through the deployment, with its shadows run after the response.
      await services.predictions.predict({ model, instances: goldenInstances(model, deployment!.primary), requestId: model }, (task) =>
        background.push(task),
      );
    }
    await Promise.all(background);
    expect(ort.created).toBe(0);
    const stats = services.isolate();
    expect(stats.compiled_sessions).toBeGreaterThanOrEqual(5);
    expect(stats.onnxruntime_sessions).toBe(0);
  });

  it("walks the tree models' batches in the bundled WASM walker, predicting what the JavaScript walk predicts", async () => {
    const services = buildServices(workerEnv, { ortRuntime: new CountingRuntime() });
    for (const [model, version] of [
      ['california-housing', '2'],
      ['adult-income', '2'],
    ] as const) {
      const manifest = manifestOf(model, version);
      // 100 instances: the goldens, repeated, each with its first numeric feature moved so the rows differ.
      const numeric = manifest.features.find((f) => f.type === 'number' || f.type === 'integer')!;
      const instances = Array.from({ length: 100 }, (_, i) => {
        const golden = goldenInstances(model, version)[i % manifest.golden.length]!;
        return { ...golden, [numeric.name]: Number(golden[numeric.name]) + (i % 7) };
      });
      const walkers = services.isolate().wasm_tree_walkers!;
      const served = await services.predictions.predict({ model, version, instances, requestId: `wasm-${model}` }, () => {});
      // A walker started for the version's tree ensemble (and one for the QA gate's probes, when it runs first).
      expect(services.isolate().wasm_tree_walkers!).toBeGreaterThan(walkers);
      // The same rows through a session built while the isolate has no WASM walker.
      useTreeWalker(null);
      let javascript: unknown[];
      try {
        const m = BUNDLED_MODELS.find((b) => (b.manifest as Manifest).name === model && (b.manifest as Manifest).version === version)!;
        const session = await new CompiledRuntime().createSession(new Uint8Array(m.artifact));
        const validator = compileValidator(manifest);
        const errors = new FieldErrors();
        javascript = await predictRows(
          session,
          compileModel(manifest),
          instances.map((x, i) => validator.validate(x, i, errors)!),
        );
        expect(errors.list).toEqual([]);
      } finally {
        useTreeWalker(treeWalker);
      }
      expect(served.predictions).toEqual(javascript);
    }
  });

  it('loads ONNX Runtime for the first version that needs it', async () => {
    const ort = new CountingRuntime();
    const services = buildServices(workerEnv, { ortRuntime: ort });
    const background: Promise<unknown>[] = [];
    await services.predictions.predict(
      { model: 'california-housing', instances: goldenInstances('california-housing', '1'), requestId: 'compiled' },
      (task) => background.push(task),
    );
    await Promise.all(background);
    expect(ort.created).toBe(0);
    const result = await services.predictions.predict({ model: 'softplus', instances: [{ a: 1, b: 2 }], requestId: 'ort' }, (task) =>
      background.push(task),
    );
    expect(result.predictions).toHaveLength(1);
    expect(ort.created).toBe(1);
  });
});
