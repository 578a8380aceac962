/**
 * The soak of `npm run chaos -- --soak`: full-path load (shadow 10 %, sampling 1 %, as `npm run bench` runs it)
 * for minutes, sampling the isolate's V8 heap after a forced garbage collection (workerd's inspector) and the
 * per-isolate map sizes of `GET /admin/health`. The heap and the maps at rest after warm-up are compared with
 * the same at rest after the soak: the heap must stay within 5 %, maps that hold per-request state must return
 * to where they were, and caches may grow only to their bound.
 */
import { runLoad, type LoadConfig, type MeasuredLoad } from '../lib/load.ts';
import { totalRss } from '../lib/proc.ts';
import { heapAfterCollection } from './heap.ts';
import type { ChaosOptions } from './options.ts';
import type { Target } from './phases.ts';
import type { ChaosVigil } from './vigil-client.ts';

/** What each per-isolate figure of /admin/health is, and the bound the code gives it (src/…). */
export const ISOLATE_FIGURES: Record<string, { kind: 'per-request' | 'cache' | 'counter'; bound?: number; source: string }> = {
  telemetry_pending: { kind: 'per-request', source: 'src/telemetry/buffer.ts (maxPendingRecords 20,000 while sends fail)' },
  profile_buckets: { kind: 'per-request', source: 'src/telemetry/profiles.ts (drained at every flush)' },
  model_lists: { kind: 'cache', bound: 256, source: 'src/registry/model-registry.ts MODELS_CAPACITY' },
  registered: { kind: 'cache', bound: 256, source: 'src/registry/model-registry.ts MODELS_CAPACITY' },
  packages: { kind: 'cache', bound: 1024, source: 'src/registry/model-registry.ts PACKAGES_CAPACITY' },
  deployments: { kind: 'cache', bound: 256, source: 'src/traffic/deployment-service.ts CACHE_CAPACITY' },
  served_models: { kind: 'cache', bound: 64, source: 'src/serving/served-model.ts SERVED_MODELS_CAPACITY' },
  sessions: { kind: 'cache', bound: 16, source: 'src/inference/session-cache.ts (16 idle; more only while in use)' },
  pii_keys: { kind: 'cache', bound: 256, source: 'src/services.ts PromiseCache capacity 256' },
  sessions_released: { kind: 'counter', source: 'src/inference/session-cache.ts' },
  telemetry_dropped: { kind: 'counter', source: 'src/telemetry/buffer.ts' },
  telemetry_send_failures: { kind: 'counter', source: 'src/telemetry/buffer.ts' },
};

export interface SoakSample {
  atSeconds: number;
  state: 'rest-start' | 'load' | 'rest-end';
  /** Used V8 heap after a full collection, and before it. */
  heapUsedBytes: number | null;
  heapUsedBeforeGcBytes: number | null;
  heapTotalBytes: number | null;
  /** How long the snapshot that forced the collection paused the isolate. */
  gcPauseMs: number | null;
  rssBytes: number | null;
  isolate: Record<string, number> | null;
}

export interface MapReport {
  name: string;
  kind: 'per-request' | 'cache' | 'counter' | 'unclassified';
  bound: number | null;
  atRestStart: number | null;
  atRestEnd: number | null;
  maxUnderLoad: number | null;
  verdict: string;
  met: boolean;
}

export interface SoakResult {
  durationSeconds: number;
  sampleEverySeconds: number;
  deployment: string;
  load: Pick<MeasuredLoad, 'requests' | 'ok' | 'non2xx' | 'errors' | 'timeouts' | 'requestsPerSecond' | 'statusCodes'> & {
    latencyMs: { p50: number; p99: number; max: number };
  };
  heap: {
    atRestStartBytes: number | null;
    atRestEndBytes: number | null;
    growth: number | null;
    underLoad: { first: number | null; last: number | null; max: number | null; slopeBytesPerMinute: number | null };
  };
  rss: { atRestStartBytes: number | null; atRestEndBytes: number | null; maxUnderLoadBytes: number | null };
  maps: MapReport[];
  samples: SoakSample[];
  targets: Target[];
  notes: string[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Least-squares slope of y over x. Pure. */
export function slope(points: readonly { x: number; y: number }[]): number | null {
  if (points.length < 2) return null;
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? null : num / den;
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** Verdict on one per-isolate figure between rest before and rest after the soak. Pure. */
export function judgeMap(name: string, start: number | null, end: number | null, maxUnderLoad: number | null): MapReport {
  const known = ISOLATE_FIGURES[name];
  const kind: MapReport['kind'] = known?.kind ?? 'unclassified';
  const bound = known?.bound ?? null;
  const base = { name, kind, bound, atRestStart: start, atRestEnd: end, maxUnderLoad };
  if (start === null || end === null) return { ...base, verdict: 'not measured', met: false };
  switch (kind) {
    case 'per-request':
      return {
        ...base,
        verdict: end <= start ? 'back to its level at rest' : `holds ${end - start} more at rest than before`,
        met: end <= start,
      };
    case 'cache': {
      const peak = Math.max(end, maxUnderLoad ?? end);
      if (peak > bound!) return { ...base, verdict: `exceeds its bound ${bound}`, met: false };
      return { ...base, verdict: end === start ? 'flat' : `grew ${start} → ${end}, within its bound ${bound}`, met: true };
    }
    case 'counter':
      return { ...base, verdict: end === start ? 'unchanged' : `counted ${end - start} during the soak`, met: end === start };
    default:
      return { ...base, verdict: end <= start ? 'flat' : `grew ${start} → ${end} (unclassified: must not grow)`, met: end <= start };
  }
}

export async function runSoak(
  vigil: ChaosVigil,
  options: ChaosOptions,
  config: LoadConfig,
  inspectorPort: number,
  log: (m: string) => void,
): Promise<SoakResult> {
  const notes: string[] = [];
  const t0 = performance.now();
  const at = () => (performance.now() - t0) / 1000;
  const pids = () => vigil.worker.pids;
  const samples: SoakSample[] = [];
  const sample = async (state: SoakSample['state']): Promise<SoakSample> => {
    const heap = await heapAfterCollection(inspectorPort, 'core:user:bench').catch((error: unknown) => {
      if (!notes.some((n) => n.startsWith('heap reading failed'))) notes.push(`heap reading failed: ${String(error).slice(0, 200)}`);
      return null;
    });
    const isolate = await vigil.health().then(
      (h) => h.isolate,
      () => null,
    );
    const s: SoakSample = {
      atSeconds: at(),
      state,
      heapUsedBytes: heap?.usedBytes ?? null,
      heapUsedBeforeGcBytes: heap?.usedBeforeBytes ?? null,
      heapTotalBytes: heap?.totalBytes ?? null,
      gcPauseMs: heap?.snapshotMs ?? null,
      rssBytes: totalRss(pids()),
      isolate,
    };
    samples.push(s);
    return s;
  };
  /** At rest: the isolate's buffer flushed (it waits at most TELEMETRY_FLUSH_MS), then three readings. */
  const atRest = async (state: 'rest-start' | 'rest-end'): Promise<SoakSample[]> => {
    const deadline = performance.now() + 30_000;
    while (performance.now() < deadline) {
      const h = await vigil.health().catch(() => null);
      if (h && (h.isolate.telemetry_pending ?? 0) === 0 && (h.isolate.profile_buckets ?? 0) === 0) break;
      await sleep(1000);
    }
    const out: SoakSample[] = [];
    for (let i = 0; i < 3; i++) {
      out.push(await sample(state));
      await sleep(1000);
    }
    return out;
  };

  await vigil.changeDeployment({ action: 'shadow', version: '2', sample_rate: 0.1 });
  await vigil.changeDeployment({ action: 'sampling', sample_rate: 0.01 });
  const deployment = await vigil.deployment();
  log(`soak: warm-up ${options.warmupSeconds} s of full-path load`);
  if (options.warmupSeconds > 0) await runLoad({ ...config, durationSeconds: options.warmupSeconds }, pids);
  const start = await atRest('rest-start');
  if (start.every((s) => s.heapUsedBytes === null)) throw new Error('the isolate heap cannot be read over the inspector (core:user:bench)');
  log(
    `soak: heap at rest ${((median(start.map((s) => s.heapUsedBytes!)) ?? 0) / 1024 ** 2).toFixed(2)} MB; ` +
      `${options.soakSeconds} s of load, sampled every ${options.soakSampleSeconds} s`,
  );

  let done = false;
  const loadRun = runLoad({ ...config, durationSeconds: options.soakSeconds }, pids).finally(() => {
    done = true;
  });
  const sampler = (async () => {
    while (!done) {
      await Promise.race([sleep(options.soakSampleSeconds * 1000), loadRun.catch(() => undefined)]);
      if (done) break;
      const s = await sample('load');
      log(
        `soak ${s.atSeconds.toFixed(0).padStart(4)} s: heap ${((s.heapUsedBytes ?? 0) / 1024 ** 2).toFixed(2)} MB, ` +
          `rss ${((s.rssBytes ?? 0) / 1024 ** 2).toFixed(0)} MB, pending ${s.isolate?.telemetry_pending ?? '?'}`,
      );
    }
  })();
  const load = await loadRun;
  await sampler;
  const end = await atRest('rest-end');

  const heapOf = (list: SoakSample[]) => median(list.map((s) => s.heapUsedBytes).filter((v): v is number => v !== null));
  const startHeap = heapOf(start);
  const endHeap = heapOf(end);
  const growth = startHeap !== null && endHeap !== null ? endHeap / startHeap - 1 : null;
  const underLoad = samples.filter((s) => s.state === 'load' && s.heapUsedBytes !== null);
  const slopePerSecond = slope(underLoad.map((s) => ({ x: s.atSeconds, y: s.heapUsedBytes! })));

  const figures = new Set<string>();
  for (const s of samples) for (const k of Object.keys(s.isolate ?? {})) figures.add(k);
  const lastOf = (list: SoakSample[], k: string) => {
    const values = list.map((s) => s.isolate?.[k]).filter((v): v is number => typeof v === 'number');
    return values.length ? values[values.length - 1]! : null;
  };
  const maps = [...figures].sort().map((k) => {
    const loadValues = samples
      .filter((s) => s.state === 'load')
      .map((s) => s.isolate?.[k])
      .filter((v): v is number => typeof v === 'number');
    return judgeMap(k, lastOf(start, k), lastOf(end, k), loadValues.length ? Math.max(...loadValues) : null);
  });

  const targets: Target[] = [
    {
      name: 'V8 heap at rest after forced GC, end vs start',
      target: '≤ +5 %',
      value:
        growth === null
          ? 'not measured'
          : `${(startHeap! / 1024 ** 2).toFixed(2)} → ${(endHeap! / 1024 ** 2).toFixed(2)} MB (${(growth * 100).toFixed(2)} %)`,
      met: growth !== null && growth <= 0.05,
    },
    ...maps.map((m) => ({
      name: `per-isolate ${m.name} (${m.kind}${m.bound ? `, bound ${m.bound}` : ''})`,
      target: m.kind === 'cache' ? `≤ ${m.bound}` : m.kind === 'counter' ? 'unchanged' : 'back to its level at rest',
      value: `${m.atRestStart} → ${m.atRestEnd} (max under load ${m.maxUnderLoad ?? '?'}): ${m.verdict}`,
      met: m.met,
    })),
    {
      name: 'soak predictions answered 2xx',
      target: 'all',
      value: `${load.ok} of ${load.requests} (${load.errors} connection errors)`,
      met: load.non2xx === 0 && load.errors === 0,
    },
  ];
  const pauses = samples.map((s) => s.gcPauseMs).filter((v): v is number => v !== null);
  notes.push(
    "The heap is read over workerd's inspector after a full collection: workerd does not answer " +
      'HeapProfiler.collectGarbage, so each reading takes a heap snapshot (V8 collects everything unreachable first) ' +
      'and discards it (bench/chaos/heap.ts). "At rest" is after the isolate\'s telemetry buffer and profiles have ' +
      'flushed (telemetry_pending = profile_buckets = 0): the median of three readings a second apart.',
    'Under-load samples are taken while the load runs (requests in flight and up to one flush of telemetry in ' +
      'memory); they show the trend, the verdict compares rest with rest. Each snapshot pauses the isolate ' +
      `(${pauses.length ? `${Math.min(...pauses).toFixed(0)}–${Math.max(...pauses).toFixed(0)} ms` : 'not measured'}), ` +
      "which shows in the soak's maximum latency.",
  );
  return {
    durationSeconds: load.durationSeconds,
    sampleEverySeconds: options.soakSampleSeconds,
    deployment:
      `primary v${deployment.primary}, shadows ` +
      `${deployment.shadows.map((s) => `v${s.version} at ${s.sample_rate * 100} %`).join(', ') || 'none'}, sampling ` +
      `${deployment.sample_rate * 100} %`,
    load: {
      requests: load.requests,
      ok: load.ok,
      non2xx: load.non2xx,
      errors: load.errors,
      timeouts: load.timeouts,
      requestsPerSecond: load.requestsPerSecond,
      statusCodes: load.statusCodes,
      latencyMs: { p50: load.latency.p50Ms, p99: load.latency.p99Ms, max: load.latency.maxMs },
    },
    heap: {
      atRestStartBytes: startHeap,
      atRestEndBytes: endHeap,
      growth,
      underLoad: {
        first: underLoad[0]?.heapUsedBytes ?? null,
        last: underLoad[underLoad.length - 1]?.heapUsedBytes ?? null,
        max: underLoad.length ? Math.max(...underLoad.map((s) => s.heapUsedBytes!)) : null,
        slopeBytesPerMinute: slopePerSecond === null ? null : slopePerSecond * 60,
      },
    },
    rss: {
      atRestStartBytes: start[start.length - 1]?.rssBytes ?? null,
      atRestEndBytes: end[end.length - 1]?.rssBytes ?? null,
      maxUnderLoadBytes: Math.max(0, ...samples.filter((s) => s.state === 'load').map((s) => s.rssBytes ?? 0)) || null,
    },
    maps,
    samples,
    targets,
    notes,
  };
}
