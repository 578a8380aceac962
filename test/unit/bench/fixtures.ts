/** Result fixtures for the bench report tests: loads, scenarios, memory points. */
import type { MeasuredLoad } from '../../../bench/lib/load.ts';
import type { MemoryPoint } from '../../../bench/lib/memory.ts';
import type { ScenarioResult, ServerKind } from '../../../bench/lib/scenario.ts';

export function load(rps: number, options: { p99?: number; errors?: number; connections?: number; cpuShare?: number } = {}): MeasuredLoad {
  const { p99 = 2, errors = 0, connections = 16, cpuShare = 0.9 } = options;
  return {
    connections,
    durationSeconds: 10,
    requests: rps * 10,
    ok: rps * 10 - errors,
    non2xx: errors,
    errors: 0,
    timeouts: 0,
    requestsPerSecond: rps,
    statusCodes: { 200: rps * 10 },
    errorMessages: {},
    latency: { count: rps * 10, meanMs: 1, p50Ms: 1, p90Ms: 1.5, p99Ms: p99, p999Ms: p99 * 2, maxMs: 20 },
    generatorCpuSeconds: 1,
    serverRss: { min: 100e6, max: 200e6, mean: 150e6, last: 180e6 },
    serverCpuSeconds: cpuShare * 10,
    serverCpuShare: cpuShare,
    loadGeneratorCpuSeconds: 1,
    loadGeneratorCpuShare: 0.1,
    sideCpuSeconds: 0.5,
    sideCpuShare: 0.05,
    otherCpuShare: 0.05,
  };
}

function serverOf(id: string): ServerKind {
  return id.split('-')[0] as ServerKind;
}

export function scenario(
  id: string,
  rps: number,
  options: { model?: string; instances?: number; p99?: number; errors?: number; connections?: number; cpuShare?: number } = {},
): ScenarioResult {
  const { model = 'california-housing', instances = 1, ...rest } = options;
  return {
    id,
    label: id,
    server: serverOf(id),
    model,
    instancesPerRequest: instances,
    setup: '',
    load: load(rps, rest),
    predictionsPerSecond: rps * instances,
  };
}

export function point(
  rssMb: number,
  vigilUsedMb: number,
  vigilTotalMb: number,
  othersMb: Record<string, number>,
  backingMb = 1,
): MemoryPoint {
  const mb = 1024 * 1024;
  return {
    rssBytes: rssMb * mb,
    parts: { anonBytes: (rssMb - 50) * mb, fileBytes: 50 * mb, shmemBytes: 0 },
    vigilHeap: {
      usedBytes: vigilUsedMb * mb,
      totalBytes: vigilTotalMb * mb,
      usedBeforeBytes: (vigilUsedMb + 5) * mb,
      collectMs: 100,
      backingStorageBytes: backingMb * mb,
    },
    otherHeapsTotalBytes: Object.fromEntries(Object.entries(othersMb).map(([k, v]) => [k, v * mb])),
  };
}
