import { describe, expect, it } from 'vitest';
import type { MeasuredLoad } from '../../../bench/lib/load.ts';
import { checkTargets, formatReport, median, ratios, replaceResultsSection, type BenchResult, type ScenarioResult } from '../../../bench/lib/report.ts';

function load(rps: number, p99 = 2, errors = 0): MeasuredLoad {
  return {
    connections: 16,
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
    serverCpuSeconds: 9,
    serverCpuShare: 0.9,
    loadGeneratorCpuSeconds: 1,
    loadGeneratorCpuShare: 0.1,
    otherCpuShare: 0.05,
  };
}

function scenario(id: string, rps: number, instances = 1, p99 = 2, errors = 0): ScenarioResult {
  return { id, label: id, server: id.startsWith('vigil') ? 'vigil' : id.startsWith('limit') ? 'limit' : 'peer', instancesPerRequest: instances, setup: '', load: load(rps, p99, errors), predictionsPerSecond: rps * instances };
}

function result(scenarios: ScenarioResult[]): BenchResult {
  return {
    schema: 1,
    mode: 'quick',
    startedAt: '2026-11-27T10:00:00.000Z',
    finishedAt: '2026-11-27T10:01:30.000Z',
    machine: { cpuModel: 'Test CPU', cores: 2, memoryBytes: 24 * 1024 ** 3, kernel: '6.0', node: 'v24', loadAverageAtStart: [0.1, 0.1, 0.1], loadAverageAtEnd: [0.2, 0.1, 0.1] },
    git: { commit: 'abcdef1234567', changedFiles: 0 },
    versions: {},
    model: { name: 'california-housing', primary: '2', shadow: '1', inputs: 'golden' },
    options: { connections: 16, durationSeconds: 5, warmupSeconds: 1, soakSeconds: 0 },
    bundles: {},
    scenarios,
    coldStarts: [{ id: 'vigil-cold', label: 'Vigil', runs: [{ runtimeReadyMs: 900, firstPredictionMs: 250, totalMs: 1150 }, { runtimeReadyMs: 1000, firstPredictionMs: 350, totalMs: 1350 }, { runtimeReadyMs: 950, firstPredictionMs: 280, totalMs: 1230 }], failures: [] }],
    memory: {
      afterStartBytes: 100e6,
      afterWarmupBytes: 200e6,
      peakBytes: 230e6,
      afterLoadBytes: 206e6,
      afterIdleBytes: 205e6,
      loadSecondsAfterWarmup: 120,
      growth: 0.03,
      isTwoMinuteFigure: true,
      isolateHeap: { afterWarmupBytes: 20e6, afterLoadBytes: 22e6, afterIdleBytes: 21e6 },
    },
    hotPath: { profile: null, micro: null },
    telemetry: null,
    workerLog: { lines: 0, warnings: [] },
    targets: [],
    notes: ['a note'],
  };
}

describe('ratios', () => {
  it('divides Vigil’s predictions/s by the baselines of the same run', () => {
    const r = ratios(result([scenario('vigil-full', 8000), scenario('limit-single', 10000), scenario('peer-single', 4000), scenario('vigil-batch100', 2000, 100), scenario('limit-batch100', 2500, 100)]));
    expect(r['full path / limit']).toBeCloseTo(0.8);
    expect(r['full path / peer']).toBeCloseTo(2);
    expect(r['100 instances / limit']).toBeCloseTo(0.8);
    expect(r['100 instances / peer']).toBeNull();
    expect(r['primary only / limit']).toBeNull();
  });
});

describe('checkTargets', () => {
  it('passes a run that meets every target', () => {
    const checks = checkTargets(result([scenario('vigil-full', 9000, 1, 7), scenario('limit-single', 10000), scenario('peer-single', 8000), scenario('vigil-batch100', 2100, 100)]));
    expect(checks.map((c) => [c.figure, c.met])).toEqual([
      ['single-instance full path', true],
      ['full path / limit', true],
      ['full path / peer', true],
      ['100-instance requests', true],
      ['cold start, first prediction', true],
      ['RSS after a 2-minute run vs after warm-up', true],
    ]);
  });

  it('fails the full path on p99, errors or throughput, each on its own', () => {
    const slow = checkTargets(result([scenario('vigil-full', 9000, 1, 8.5)]));
    expect(slow[0]!.met).toBe(false);
    const failing = checkTargets(result([scenario('vigil-full', 9000, 1, 2, 1)]));
    expect(failing[0]!.met).toBe(false);
    expect(failing[0]!.measured).toContain('1 errors');
    const few = checkTargets(result([scenario('vigil-full', 8000)]));
    expect(few[0]!.met).toBe(false);
  });

  it('reports a ratio as not applicable when its baseline did not run', () => {
    const checks = checkTargets(result([scenario('vigil-full', 9000)]));
    expect(checks.find((c) => c.figure === 'full path / peer')!.met).toBeNull();
  });

  it('judges the cold start by the median first prediction', () => {
    const r = result([]);
    r.coldStarts[0]!.runs = [{ runtimeReadyMs: 1, firstPredictionMs: 320, totalMs: 2 }, { runtimeReadyMs: 1, firstPredictionMs: 290, totalMs: 2 }, { runtimeReadyMs: 1, firstPredictionMs: 310, totalMs: 2 }];
    const cold = checkTargets(r).find((c) => c.figure === 'cold start, first prediction')!;
    expect(cold.met).toBe(false);
    expect(cold.measured).toContain('median 310 ms');
  });

  it('labels a memory figure from a shorter run as such', () => {
    const r = result([]);
    r.memory = { ...r.memory!, isTwoMinuteFigure: false, loadSecondsAfterWarmup: 18, growth: 0.9 };
    const mem = checkTargets(r).find((c) => c.figure.startsWith('RSS'))!;
    expect(mem.figure).toContain('not the 2-minute figure');
    expect(mem.met).toBe(false);
  });
});

describe('formatReport', () => {
  it('prints the machine, every scenario, the ratios and the targets', () => {
    const r = result([scenario('vigil-full', 8000), scenario('limit-single', 10000)]);
    r.targets = checkTargets(r);
    const text = formatReport(r);
    expect(text).toContain('Test CPU, 2 cores, 24.0 GiB');
    expect(text).toContain('california-housing v2 (primary) with v1 as the shadow');
    expect(text).toMatch(/\| vigil-full \| 1 \| 8,000 \| 8,000 \| 1\.00 \| 2\.00 \| 20\.0 \| 0 \|/);
    expect(text).toContain('| full path / limit | 0.80 |');
    expect(text).toContain('| single-instance full path | ≥ 8,333 req/s, p99 ≤ 8 ms, 0 errors | 8,000 req/s, p99 2.00 ms, 0 errors | **no** |');
    expect(text).toContain('- a note');
  });
});

describe('replaceResultsSection', () => {
  it('replaces the marked section and keeps the rest', () => {
    const doc = 'intro\n<!-- bench:results:start -->\nold\n<!-- bench:results:end -->\noutro\n';
    expect(replaceResultsSection(doc, 'new')).toBe('intro\n<!-- bench:results:start -->\nnew\n<!-- bench:results:end -->\noutro\n');
  });

  it('appends a marked section when there is none', () => {
    expect(replaceResultsSection('# Benchmarks\n', 'table')).toBe('# Benchmarks\n\n<!-- bench:results:start -->\ntable\n<!-- bench:results:end -->\n');
  });
});

describe('median', () => {
  it('takes the middle value, or the mean of the two middle values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});
