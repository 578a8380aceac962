/**
 * Memory of the serving workerd process at a point of the run, and what grew between two points: the process's
 * RSS, split into the Vigil isolate's V8 heap (after a full collection), its ArrayBuffer backing stores (typed
 * arrays and WebAssembly memories — ONNX Runtime's, when a version runs on it — which live outside the V8 heap),
 * the other isolates' V8 heaps and backing stores in the same process (Miniflare's local D1, R2 and queue
 * simulators, its entry and proxy Workers), and the rest: workerd's own native memory (allocator, sockets,
 * buffers) and compiled code. `memoryPoint` reads them; the rest is pure and unit-tested.
 */
import { isolateHeap, type HeapReading } from './profile.ts';
import { rssParts, totalRss, type RssParts } from './proc.ts';
import { growth } from './stats.ts';

export interface MemoryPoint {
  /** RSS of the serving workerd process (bytes), read before anything is collected. */
  rssBytes: number | null;
  parts: RssParts | null;
  /** The Vigil isolate's V8 heap after a full collection. */
  vigilHeap: HeapReading | null;
  /** Every other isolate of the process after a full collection: worker id → heap reserved plus backing stores (bytes). */
  otherHeapsTotalBytes: Record<string, number>;
  /**
   * RSS again once every isolate has been collected (absent in results from before it was read): what of the RSS
   * was garbage V8 had not yet collected and gave back.
   */
  rssAfterCollectionBytes?: number | null;
}

export interface MemoryParts {
  rssBytes: number | null;
  rssAfterCollectionBytes: number | null;
  anonBytes: number | null;
  vigilHeapUsedBytes: number | null;
  vigilHeapTotalBytes: number | null;
  vigilBackingStoreBytes: number | null;
  otherIsolatesBytes: number | null;
  /** RSS minus every isolate's heap and backing stores: workerd's own native memory and compiled code. */
  nativeBytes: number | null;
}

/** A point's RSS split into the parts the report shows (null where a reading is missing). */
export function memoryParts(point: MemoryPoint): MemoryParts {
  const heap = point.vigilHeap;
  const others = Object.keys(point.otherHeapsTotalBytes).length
    ? Object.values(point.otherHeapsTotalBytes).reduce((s, v) => s + v, 0)
    : null;
  const backing = heap?.backingStorageBytes ?? null;
  return {
    rssBytes: point.rssBytes,
    rssAfterCollectionBytes: point.rssAfterCollectionBytes ?? null,
    anonBytes: point.parts?.anonBytes ?? null,
    vigilHeapUsedBytes: heap?.usedBytes ?? null,
    vigilHeapTotalBytes: heap?.totalBytes ?? null,
    vigilBackingStoreBytes: backing,
    otherIsolatesBytes: others,
    nativeBytes: point.rssBytes !== null && heap && others !== null ? point.rssBytes - heap.totalBytes - (backing ?? 0) - others : null,
  };
}

export interface InspectorTarget {
  id: string;
}

/** Reads RSS first, then each isolate's heap after a collection (the snapshots themselves allocate). */
export async function memoryPoint(pids: readonly number[], inspectorPort: number, vigilTarget: string): Promise<MemoryPoint> {
  const rssBytes = totalRss(pids);
  const parts = rssParts(pids);
  const vigilHeap = await isolateHeap(inspectorPort, vigilTarget);
  const otherHeapsTotalBytes: Record<string, number> = {};
  try {
    const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json()) as InspectorTarget[];
    for (const { id } of targets) {
      if (id === vigilTarget) continue;
      const heap = await isolateHeap(inspectorPort, id);
      if (heap) otherHeapsTotalBytes[id] = heap.totalBytes + (heap.backingStorageBytes ?? 0);
    }
  } catch {
    // the inspector is gone: no figures for the other isolates
  }
  return { rssBytes, parts, vigilHeap, otherHeapsTotalBytes, rssAfterCollectionBytes: totalRss(pids) };
}

export interface MemoryGrowth {
  /** RSS after / before - 1. */
  rss: number | null;
  rssDeltaBytes: number | null;
  /** The Vigil isolate's retained heap (used, after a collection): after / before - 1. */
  vigilHeapUsed: number | null;
  /** Of the RSS change (bytes): the Vigil isolate's heap (reserved), its ArrayBuffer backing stores, the other isolates, and the rest. */
  vigilHeapDeltaBytes: number | null;
  vigilBackingStoreDeltaBytes: number | null;
  otherHeapsDeltaBytes: number | null;
  /** None of the isolates' memory: workerd's own native memory and compiled code. */
  nativeDeltaBytes: number | null;
}

/** What grew between two points, and which part of the process it was. */
export function memoryGrowth(before: MemoryPoint, after: MemoryPoint): MemoryGrowth {
  const a = memoryParts(before);
  const b = memoryParts(after);
  const delta = (x: number | null, y: number | null) => (x !== null && y !== null ? y - x : null);
  return {
    rss: growth(a.rssBytes, b.rssBytes),
    rssDeltaBytes: delta(a.rssBytes, b.rssBytes),
    vigilHeapUsed: growth(a.vigilHeapUsedBytes, b.vigilHeapUsedBytes),
    vigilHeapDeltaBytes: delta(a.vigilHeapTotalBytes, b.vigilHeapTotalBytes),
    vigilBackingStoreDeltaBytes: delta(a.vigilBackingStoreBytes, b.vigilBackingStoreBytes),
    otherHeapsDeltaBytes: delta(a.otherIsolatesBytes, b.otherIsolatesBytes),
    nativeDeltaBytes: delta(a.nativeBytes, b.nativeBytes),
  };
}

export interface MemoryResult {
  /** RSS of the serving process right after it started. */
  afterStartBytes: number | null;
  afterWarmup: MemoryPoint;
  /** After the soak (or, without one, after the primary model's scenarios). */
  afterLoad: MemoryPoint;
  /** Highest RSS sampled under load in between. */
  peakBytes: number | null;
  /** Seconds of full-path load before `afterWarmup`. */
  warmupSeconds: number;
  /** RSS of the serving process every `timelineSeconds` from the start of the warm-up to `afterLoad` (bytes). */
  rssTimeline: number[];
  timelineSeconds: number;
  /** Once the telemetry had flushed and the queue drained, after every Vigil scenario. */
  afterIdle: MemoryPoint | null;
  /** Seconds of load between the two points. */
  loadSecondsAfterWarmup: number;
  /** true when the load between them was the 2-minute soak of the issue. */
  isTwoMinuteFigure: boolean;
  growth: MemoryGrowth;
  /** Versions that served on ONNX Runtime during the load (its WASM memory is then part of the off-heap figure). */
  ortVersions: string[];
  /** Where the local D1/R2/Queue files were kept. */
  storage: string;
}

/** Samples the RSS of `pids` every `seconds` until stopped (a timeline of the warm-up and the soak). */
export function rssTimeline(pids: () => readonly number[], seconds: number): { stop(): number[] } {
  const samples: number[] = [];
  const sample = () => {
    const rss = totalRss(pids());
    if (rss !== null) samples.push(rss);
  };
  sample();
  const timer = setInterval(sample, seconds * 1000);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      sample();
      return samples;
    },
  };
}
