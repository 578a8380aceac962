import { describe, expect, it } from 'vitest';
import { memoryGrowth, memoryParts } from '../../../bench/lib/memory.ts';
import { point } from './fixtures.ts';

const MB = 1024 * 1024;

describe('memoryParts', () => {
  it('splits a point’s RSS into the Vigil isolate, the other isolates and workerd’s native rest', () => {
    const p = memoryParts(point(400, 10, 20, { a: 5, b: 5 }, 3));
    expect(p.rssBytes).toBe(400 * MB);
    expect(p.anonBytes).toBe(350 * MB);
    expect(p.vigilHeapUsedBytes).toBe(10 * MB);
    expect(p.vigilHeapTotalBytes).toBe(20 * MB);
    expect(p.vigilBackingStoreBytes).toBe(3 * MB);
    expect(p.otherIsolatesBytes).toBe(10 * MB);
    expect(p.nativeBytes).toBe(367 * MB);
    expect(p.rssAfterCollectionBytes).toBeNull();
    expect(memoryParts({ ...point(400, 10, 20, {}), rssAfterCollectionBytes: 350 * MB }).rssAfterCollectionBytes).toBe(350 * MB);
  });

  it('leaves the native rest unknown without the isolates’ readings', () => {
    expect(memoryParts({ ...point(400, 10, 20, {}), vigilHeap: null }).nativeBytes).toBeNull();
    expect(memoryParts(point(400, 10, 20, {})).nativeBytes).toBeNull();
  });
});

describe('memoryGrowth', () => {
  it('splits the RSS change into the Vigil heap, its backing stores, the other isolates and the rest', () => {
    const g = memoryGrowth(point(400, 10, 20, { a: 5, b: 5 }, 1), point(440, 12, 26, { a: 6, b: 7 }, 4));
    expect(g.rss).toBeCloseTo(0.1);
    expect(g.rssDeltaBytes).toBe(40 * MB);
    expect(g.vigilHeapUsed).toBeCloseTo(0.2);
    expect(g.vigilHeapDeltaBytes).toBe(6 * MB);
    expect(g.vigilBackingStoreDeltaBytes).toBe(3 * MB);
    expect(g.otherHeapsDeltaBytes).toBe(3 * MB);
    expect(g.nativeDeltaBytes).toBe(28 * MB);
  });

  it('leaves a part unknown when a reading is missing', () => {
    const after = { ...point(440, 12, 26, {}), vigilHeap: null };
    const g = memoryGrowth(point(400, 10, 20, { a: 5 }), after);
    expect(g.rss).toBeCloseTo(0.1);
    expect(g.vigilHeapUsed).toBeNull();
    expect(g.vigilHeapDeltaBytes).toBeNull();
    expect(g.otherHeapsDeltaBytes).toBeNull();
    expect(g.nativeDeltaBytes).toBeNull();
  });
});
