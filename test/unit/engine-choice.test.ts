/**
 * chooseEngine: the compiled evaluator serves a version only when it runs the graph and agrees with the reference
 * on every golden example and every drawn probe within the manifest's tolerance. The reference here is a session
 * whose outputs a test can bend, so each way of disagreeing is shown to refuse.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { softplusRegressor } from '../support/onnx-graphs.ts';
import { compileOnnx } from '../../src/inference/compiled/index.ts';
import type { ModelSession } from '../../src/inference/model-runtime.ts';
import { SessionCache } from '../../src/inference/session-cache.ts';
import { FakeRuntime } from '../../src/inference/fake-runtime.ts';
import { CompiledRuntime } from '../../src/inference/compiled/index.ts';
import { parseManifest, type Manifest } from '../../src/model/manifest.ts';
import type { OutputTensor } from '../../src/model/tensor.ts';
import { chooseEngine, PARITY_PROBES } from '../../src/registry/engine-choice.ts';
import type { ModelStore } from '../../src/registry/model-store.ts';
import { ServedModelCache } from '../../src/serving/served-model.ts';

function bundled(model: string, version: string): { manifest: Manifest; bytes: Uint8Array } {
  const dir = new URL(`../../models/${model}/${version}/`, import.meta.url);
  const parsed = parseManifest(JSON.parse(readFileSync(new URL('manifest.json', dir), 'utf8')));
  if (!parsed.ok) throw new Error('manifest');
  return { manifest: parsed.manifest, bytes: new Uint8Array(readFileSync(new URL('model.onnx', dir))) };
}

/** The compiled evaluator as a reference, with `bend` applied to the outputs of the `at`-th run. */
function reference(bytes: Uint8Array, bend: (outputs: Record<string, OutputTensor>) => void = () => {}, at = 0): ModelSession {
  const compiled = compileOnnx(bytes);
  if (!compiled.ok) throw new Error(compiled.reason);
  let runs = 0;
  return {
    inputs: compiled.session.inputs,
    outputs: compiled.session.outputs,
    release: async () => {},
    run: async (feeds, names) => {
      const outputs = await compiled.session.run(feeds, names);
      if (runs++ === at) bend(outputs);
      return outputs;
    },
  };
}

describe('chooseEngine', () => {
  it('selects the compiled evaluator when it agrees on the goldens and the drawn probes', async () => {
    const { manifest, bytes } = bundled('adult-income', '2');
    const choice = await chooseEngine(manifest, bytes, reference(bytes));
    expect(choice).toMatchObject({ selected: 'compiled', probes: manifest.golden.length + PARITY_PROBES, max_abs_diff: 0 });
    expect(choice.reason).toContain(`${manifest.golden.length} golden examples and ${PARITY_PROBES} inputs`);
  });

  it('tolerates differences within the manifest tolerance and reports the largest', async () => {
    const { manifest, bytes } = bundled('adult-income', '2');
    // Probabilities are below 1, so abs / 2 is representable on top of them in float32 (about 6e-8 apart).
    const diff = manifest.golden_tolerance.abs / 2;
    const choice = await chooseEngine(
      manifest,
      bytes,
      reference(bytes, (o) => void ((o[manifest.output.tensor]!.data as Float32Array)[3]! -= diff)),
    );
    expect(choice.selected).toBe('compiled');
    expect(choice.max_abs_diff).toBeGreaterThan(0);
  });

  it('refuses a float difference beyond tolerance on a drawn probe, naming the output and the probe', async () => {
    const { manifest, bytes } = bundled('california-housing', '2');
    // The second chunk holds only drawn probes.
    const choice = await chooseEngine(
      manifest,
      bytes,
      reference(bytes, (o) => void ((o[manifest.output.tensor]!.data as Float32Array)[5]! += 1000), 1),
    );
    expect(choice.selected).toBe('onnxruntime');
    expect(choice.reason).toMatch(new RegExp(`does not match ONNX Runtime: output "${manifest.output.tensor}" differs on probe 261`));
  });

  it('refuses a label that differs, even when every probability agrees', async () => {
    const { manifest, bytes } = bundled('titanic', '1');
    const labels = manifest.output.label_tensor;
    expect(labels).toBe('output_label');
    const choice = await chooseEngine(
      manifest,
      bytes,
      reference(bytes, (o) => {
        const data = o[labels!]!.data as unknown[];
        data[0] = typeof data[0] === 'bigint' ? (data[0] === 0n ? 1n : 0n) : data[0] === '0' ? '1' : '0';
      }),
    );
    expect(choice.selected).toBe('onnxruntime');
    expect(choice.reason).toContain(`output "${labels}" differs on probe 0`);
  });

  it('keeps ONNX Runtime, with the unsupported operator as the reason, for a graph the evaluator cannot run', async () => {
    const { manifest } = bundled('california-housing', '1');
    const graph = softplusRegressor();
    const choice = await chooseEngine(manifest, graph.bytes, reference(bundled('california-housing', '1').bytes));
    expect(choice).toMatchObject({ selected: 'onnxruntime', probes: 0, max_abs_diff: null });
    expect(choice.reason).toMatch(/does not support this graph.*Softplus/);
  });
});

describe('SessionCache engines', () => {
  it('keeps a session per engine and falls back to ONNX Runtime when the evaluator refuses a graph', async () => {
    const ort = new FakeRuntime({ behaviour: 'sum' });
    const cache = new SessionCache(ort, 16, new CompiledRuntime());
    expect(cache.compiles).toBe(true);
    const { bytes } = bundled('california-housing', '1');
    const compiled = await cache.get('housing', async () => bytes, 'compiled');
    expect(ort.sessionsCreated).toBe(0);
    expect(cache.sizeOf('compiled')).toBe(1);
    await cache.get('housing', async () => bytes, 'onnxruntime');
    expect(ort.sessionsCreated).toBe(1);
    expect(cache.sizeOf('onnxruntime')).toBe(1);
    expect(compiled.outputs.map((o) => o.name)).toEqual(['variable']);

    const unsupported = softplusRegressor().bytes;
    const fallback = await cache.get('softplus', async () => unsupported, 'compiled');
    expect(ort.sessionsCreated).toBe(2);
    expect(fallback).toBeDefined();
  });
});

describe('ServedModelCache engines', () => {
  it('follows an engine changed elsewhere once its cache time passes, keeping the same compiled version', async () => {
    const { manifest, bytes } = bundled('california-housing', '1');
    let engine: 'compiled' | 'onnxruntime' = 'compiled';
    const store: ModelStore = {
      models: async () => ['california-housing'],
      versions: async () => ['1'],
      get: async () => ({
        name: 'california-housing',
        version: '1',
        manifest,
        source: 'bundled',
        status: 'qa_passed',
        engine,
        loadArtifact: async () => bytes,
      }),
    };
    let now = 0;
    const models = new ServedModelCache(store, new SessionCache(new CompiledRuntime(), 16, new CompiledRuntime()), {
      ttlSeconds: 10,
      now: () => now,
    });
    const first = await models.get('california-housing', '1');
    expect(first.engine).toBe('compiled');
    engine = 'onnxruntime';
    now = 5_000;
    expect((await models.get('california-housing', '1')).engine).toBe('compiled');
    now = 11_000;
    // Answered at once from what it has; the package is re-read in the background.
    expect(await models.get('california-housing', '1')).toBe(first);
    await new Promise((r) => setTimeout(r, 0));
    const after = await models.get('california-housing', '1');
    expect(after).toBe(first);
    expect(after.engine).toBe('onnxruntime');
    models.setEngine('california-housing', '1', 'compiled');
    expect(first.engine).toBe('compiled');
  });
});
