import { describe, expect, it } from 'vitest';
import { coldStartPhase, coldStartProfile, type Frame } from '../../../bench/lib/cold-start.ts';
import type { CpuProfile } from '../../../bench/lib/profile.ts';

const BUNDLE = 'file:///bundle/index.js';

/** A stack, leaf first, of frames in the bundle mapped to these sources. */
function stack(...sources: string[]): Frame[] {
  return sources.map((source) => ({ functionName: 'f', url: BUNDLE, source }));
}

describe('coldStartPhase', () => {
  it('puts V8’s pseudo-frames and WASM in their own phases', () => {
    expect(coldStartPhase([{ functionName: '(idle)', url: '', source: null }])).toBe('waiting on I/O (D1, R2, queue)');
    expect(coldStartPhase([{ functionName: '(garbage collector)', url: '', source: null }])).toBe('garbage collection');
    expect(coldStartPhase([{ functionName: '(program)', url: '', source: null }])).toBe('runtime (native, not JS)');
    expect(coldStartPhase([{ functionName: 'wasm-function[12]', url: 'wasm://wasm/abc', source: null }])).toBe('ONNX Runtime (WASM)');
  });

  it('tells compiling the model from running it by what is on the stack', () => {
    expect(
      coldStartPhase(
        stack('src/inference/compiled/ops/tree-ensemble.ts', 'src/inference/compiled/compile-onnx.ts', 'src/inference/session-cache.ts'),
      ),
    ).toBe('compile (compiled evaluator)');
    expect(coldStartPhase(stack('src/inference/compiled/onnx-reader.ts', 'src/inference/compiled/compile-onnx.ts'))).toBe(
      'compile (compiled evaluator)',
    );
    expect(
      coldStartPhase(
        stack(
          'src/inference/compiled/ops/tree-ensemble.ts',
          'src/inference/compiled/compiled-session.ts',
          'src/serving/prediction-service.ts',
        ),
      ),
    ).toBe('first run (validate, encode, model, decode)');
  });

  it('goes by the nearest Vigil file: a library called from Vigil code is that code’s time', () => {
    expect(coldStartPhase(stack('node_modules/zod/v4/core/parse.js', 'src/model/manifest.ts', 'src/registry/model-store.ts'))).toBe(
      'manifest parse (zod)',
    );
    expect(
      coldStartPhase(
        stack('node_modules/drizzle-orm/d1/session.js', 'src/registry/version-repository.ts', 'src/registry/model-registry.ts'),
      ),
    ).toBe('D1 client (queries, rows)');
    expect(coldStartPhase(stack('src/traffic/deployment-service.ts', 'src/serving/prediction-service.ts'))).toBe(
      'registry + deployment lookup',
    );
    expect(coldStartPhase(stack('node_modules/hono/dist/hono-base.js', 'src/app.ts'))).toBe('services + request handling (Hono, routes)');
    expect(coldStartPhase(stack('src/services.ts', 'src/worker.ts'))).toBe('services + request handling (Hono, routes)');
    expect(coldStartPhase(stack('src/inference/ort-runtime.ts'))).toBe('ONNX Runtime init + session');
    expect(coldStartPhase(stack('src/model/encoding.ts', 'src/serving/prediction-service.ts'))).toBe(
      'first run (validate, encode, model, decode)',
    );
    expect(coldStartPhase(stack('src/telemetry/profiles.ts'))).toBe('telemetry (after response)');
  });

  it('names code with no Vigil frame by what it is', () => {
    expect(coldStartPhase(stack('node_modules/hono/dist/router.js'))).toBe('libraries (no Vigil frame)');
    expect(coldStartPhase([{ functionName: 'fetch', url: 'node:internal', source: 'builtin:node:internal' }])).toBe(
      'workerd built-ins (JS)',
    );
  });
});

describe('coldStartProfile', () => {
  // root(1) → idle(2), program(3), fetch(4, src/app.ts) → compile(5, compile-onnx.ts)
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: 0, columnNumber: 0 }, children: [2, 3, 4] },
      { id: 2, callFrame: { functionName: '(idle)', url: '', lineNumber: 0, columnNumber: 0 } },
      { id: 3, callFrame: { functionName: '(program)', url: '', lineNumber: 0, columnNumber: 0 } },
      { id: 4, callFrame: { functionName: 'fetch', url: BUNDLE, lineNumber: 1, columnNumber: 0 }, children: [5] },
      { id: 5, callFrame: { functionName: 'compileOnnx', url: BUNDLE, lineNumber: 2, columnNumber: 0 } },
    ],
    startTime: 0,
    endTime: 10_000,
    // idle, idle, fetch, compile, compile, idle (I/O inside), program, idle, idle
    samples: [2, 2, 4, 5, 5, 2, 3, 2, 2],
    timeDeltas: [0, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
  };
  const locate = (_url: string, line: number) => (line === 1 ? 'src/app.ts' : 'src/inference/compiled/compile-onnx.ts');

  it('times each phase within the busy window, leading and trailing idle cut off, idle inside kept', () => {
    const p = coldStartProfile(profile, locate);
    expect(p.windowMs).toBe(5);
    expect(p.phases).toEqual([
      { phase: 'services + request handling (Hono, routes)', ms: 1, firstAtMs: 0, lastAtMs: 0, top: [['fetch (src/app.ts)', 1]] },
      {
        phase: 'compile (compiled evaluator)',
        ms: 2,
        firstAtMs: 1,
        lastAtMs: 2,
        top: [['compileOnnx (src/inference/compiled/compile-onnx.ts)', 2]],
      },
      { phase: 'waiting on I/O (D1, R2, queue)', ms: 1, firstAtMs: 3, lastAtMs: 3, top: [['(idle)', 1]] },
      { phase: 'runtime (native, not JS)', ms: 1, firstAtMs: 4, lastAtMs: 4, top: [['(program)', 1]] },
    ]);
  });

  it('has an empty window when the isolate never woke up', () => {
    expect(coldStartProfile({ ...profile, samples: [2, 2], timeDeltas: [0, 1000] }, locate)).toEqual({ windowMs: 0, phases: [] });
  });
});
