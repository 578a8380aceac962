import { describe, expect, it } from 'vitest';
import { categorize } from '../../../bench/lib/hot-path-categories.ts';
import { breakdown, selfTimes, shortName, type CpuProfile } from '../../../bench/lib/profile.ts';
import { SourceLocator } from '../../../bench/lib/source-map.ts';

const ROOT = '../../../work/main/';

describe('categorize', () => {
  it('knows V8’s pseudo-frames and WebAssembly', () => {
    expect(categorize('(garbage collector)', '', null)).toBe('garbage collection');
    expect(categorize('(idle)', '', null)).toBe('idle');
    expect(categorize('(program)', '', null)).toBe('runtime (native, not JS)');
    expect(categorize('wasm-function[323]', 'wasm://wasm/03652266', null)).toBe('ORT (WASM)');
    // The compiled evaluator's tree walker is WebAssembly too, named.
    expect(categorize('$sum_rows_u8', 'wasm://wasm/06b39bf2', null)).toBe('model (compiled evaluator)');
    expect(categorize('leaves_rows_u16', 'wasm://wasm/06b39bf2', null)).toBe('model (compiled evaluator)');
    expect(categorize('Response', '', null)).toBe('runtime (native, not JS)');
  });

  it('maps Vigil’s sources to hot-path stages', () => {
    expect(categorize('validate', 'index.js', `${ROOT}src/model/instance-validator.ts`)).toBe('validation');
    expect(categorize('encode', 'index.js', `${ROOT}src/model/encoding.ts`)).toBe('encoding');
    expect(categorize('runOne', 'index.js', `${ROOT}src/inference/compiled/ops/tree-ensemble-regressor.ts`)).toBe(
      'model (compiled evaluator)',
    );
    expect(categorize('run', 'index.js', `${ROOT}src/inference/ort-session.ts`)).toBe('ORT (JS wrapper)');
    expect(categorize('readJsonBody', 'index.js', `${ROOT}src/api/json-body.ts`)).toBe('body read + JSON.parse');
    expect(categorize('parseBody', 'index.js', `${ROOT}src/api/schema-errors.ts`)).toBe('request schema (zod)');
    expect(categorize('x', 'index.js', `${ROOT}src/api/predict-v1.ts`)).toBe('HTTP framework (Hono, middleware, routes)');
    expect(categorize('route', 'index.js', `${ROOT}src/traffic/router.ts`)).toBe('routing + deployment lookup');
    expect(categorize('compare', 'index.js', `${ROOT}src/serving/shadow-runner.ts`)).toBe('shadow runs (after response)');
    expect(categorize('observe', 'index.js', `${ROOT}src/telemetry/profiles.ts`)).toBe('telemetry + profiles (after response)');
    expect(categorize('consume', 'index.js', `${ROOT}src/telemetry/consumer.ts`)).toBe('telemetry consumer (queue → D1)');
  });

  it('maps libraries, including those whose own source maps name src/ and lib/ files', () => {
    expect(categorize('is', 'index.js', `${ROOT}node_modules/src/entity.ts`)).toBe('D1 / queue clients');
    expect(categorize('run', 'index.js', `${ROOT}node_modules/common/lib/inference-session-impl.ts`)).toBe('ORT (JS wrapper)');
    expect(categorize('run', 'index.js', `${ROOT}node_modules/onnxruntime-web/lib/wasm/wasm-core-impl.ts`)).toBe('ORT (JS wrapper)');
    expect(categorize('parse', 'index.js', `${ROOT}node_modules/zod/v4/core/schemas.js`)).toBe('request schema (zod)');
    expect(categorize('dispatch', 'index.js', `${ROOT}node_modules/hono/dist/compose.js`)).toBe(
      'HTTP framework (Hono, middleware, routes)',
    );
    expect(categorize('f', 'index.js', `${ROOT}node_modules/nanoid/index.js`)).toBe('other libraries');
    expect(categorize('d1', 'cloudflare-internal:d1-api', 'builtin:cloudflare-internal:d1-api')).toBe('workerd built-ins (JS)');
  });
});

describe('selfTimes and breakdown', () => {
  // root → handler (src/api/predict-v1.ts) → validate (src/model/instance-validator.ts); root → (idle)
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1, columnNumber: -1 }, children: [2, 4] },
      { id: 2, callFrame: { functionName: 'handler', url: 'index.js', lineNumber: 0, columnNumber: 0 }, children: [3, 5] },
      { id: 3, callFrame: { functionName: 'validate', url: 'index.js', lineNumber: 0, columnNumber: 20 } },
      { id: 4, callFrame: { functionName: '(idle)', url: '', lineNumber: -1, columnNumber: -1 } },
      { id: 5, callFrame: { functionName: 'Response', url: '', lineNumber: -1, columnNumber: -1 } },
    ],
    startTime: 0,
    endTime: 10_000,
    samples: [2, 3, 3, 4, 5],
    timeDeltas: [0, 1000, 2000, 3000, 4000],
  };
  const locator = new SourceLocator({
    sources: [`${ROOT}src/api/predict-v1.ts`, `${ROOT}src/model/instance-validator.ts`],
    mappings: 'AAAA,oBCAA',
  });

  it('gives each sample the time until the next one', () => {
    const self = selfTimes(profile);
    expect(self.get(2)).toBe(1);
    expect(self.get(3)).toBe(5);
    expect(self.get(4)).toBe(4);
    expect(self.get(5)).toBe(0);
  });

  it('adds self time up by category and by the nearest Vigil file on the stack', () => {
    const b = breakdown(profile, locator, 'index.js');
    expect(b.wallMs).toBe(10);
    expect(b.categories).toEqual({ 'HTTP framework (Hono, middleware, routes)': 1, validation: 5, idle: 4 });
    expect(b.owners).toEqual({ 'src/api/predict-v1.ts': 1, 'src/model/instance-validator.ts': 5, '(no Vigil frame: idle)': 4 });
    expect(b.topFunctions[0]).toMatchObject({ name: 'validate', source: 'src/model/instance-validator.ts', ms: 5 });
  });
});

describe('shortName', () => {
  it('names Vigil files from src/ and libraries by package', () => {
    expect(shortName(`${ROOT}src/api/json-body.ts`)).toBe('src/api/json-body.ts');
    expect(shortName(`${ROOT}node_modules/hono/dist/context.js`)).toBe('hono/dist/context.js');
    expect(shortName(`${ROOT}node_modules/src/entity.ts`)).toBe('drizzle-orm/src/entity.ts');
    expect(shortName(`${ROOT}node_modules/common/lib/tensor.ts`)).toBe('onnxruntime-common/lib/tensor.ts');
    expect(shortName('builtin:cloudflare-internal:d1-api')).toBe('cloudflare-internal:d1-api');
    expect(shortName(null)).toBe('');
  });
});
