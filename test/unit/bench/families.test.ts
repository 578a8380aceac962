import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BATCH_INSTANCES, loadFamily, MODEL_FAMILIES, requestBodies, toleranceOf } from '../../../bench/lib/families.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

describe('requestBodies', () => {
  it('sends each instance alone, and batches that rotate through the instances', () => {
    const { singleBodies, batchBodies } = requestBodies([{ a: 1 }, { a: 2 }, { a: 3 }], 4);
    expect(singleBodies).toEqual(['{"instances":[{"a":1}]}', '{"instances":[{"a":2}]}', '{"instances":[{"a":3}]}']);
    expect(batchBodies).toHaveLength(3);
    expect(JSON.parse(batchBodies[1]!)).toEqual({ instances: [{ a: 2 }, { a: 3 }, { a: 1 }, { a: 2 }] });
  });

  it('refuses to build requests from no instances', () => {
    expect(() => requestBodies([], 100)).toThrow(/no golden instances/);
  });
});

describe('toleranceOf', () => {
  it('reads the manifest’s golden tolerance, with the manifest schema’s default', () => {
    expect(toleranceOf({ golden_tolerance: { abs: 1e-4, rel: 1e-3 } })).toEqual({ abs: 1e-4, rel: 1e-3 });
    expect(toleranceOf({})).toEqual({ abs: 1e-6, rel: 1e-5 });
  });
});

describe('the bundled model families', () => {
  for (const family of MODEL_FAMILIES) {
    it(`loads ${family.id} v${family.primary}: goldens, the manifest's tolerance, ${BATCH_INSTANCES}-instance bodies and routes`, () => {
      const loaded = loadFamily(ROOT, family);
      expect(loaded.golden.length).toBeGreaterThan(0);
      expect(loaded.tolerance).toEqual({ abs: 1e-5, rel: 1e-5 });
      expect(JSON.parse(loaded.batchBodies[0]!).instances).toHaveLength(BATCH_INSTANCES);
      expect(loaded.predictPath).toBe(`/v1/models/${family.id}/predict`);
      expect(loaded.baselinePath).toBe(`/${family.id}/${family.primary}`);
    });
  }
});
