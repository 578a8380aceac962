import { describe, expect, it } from 'vitest';
import { memoryGrowth } from '../../../bench/lib/memory.ts';
import { formatReport, metCell, replaceResultsSection, type BenchResult } from '../../../bench/lib/report.ts';
import type { ScenarioResult } from '../../../bench/lib/scenario.ts';
import { checkTargets } from '../../../bench/lib/targets.ts';
import { point, scenario } from './fixtures.ts';

function result(scenarios: ScenarioResult[]): BenchResult {
  const before = { ...point(400, 10, 20, { d1: 5 }), rssAfterCollectionBytes: 380 * 1024 ** 2 };
  const after = { ...point(430, 11, 22, { d1: 6 }), rssAfterCollectionBytes: 395 * 1024 ** 2 };
  const r: BenchResult = {
    schema: 2,
    mode: 'quick',
    startedAt: '2026-12-02T10:00:00.000Z',
    finishedAt: '2026-12-02T10:04:00.000Z',
    machine: {
      cpuModel: 'Test CPU',
      cores: 2,
      memoryBytes: 24 * 1024 ** 3,
      kernel: '6.0',
      node: 'v24',
      loadAverageAtStart: [0.1, 0.1, 0.1],
      loadAverageAtEnd: [0.2, 0.1, 0.1],
    },
    git: { commit: 'abcdef1234567', changedFiles: 0 },
    versions: {},
    topology: 'Two Workers.',
    models: [
      {
        id: 'california-housing',
        kind: 'regression GBDT',
        primary: '2',
        shadow: '1',
        inputs: 'golden',
        engines: [
          { version: '1', engine: 'compiled' },
          { version: '2', engine: 'compiled' },
        ],
      },
      {
        id: 'titanic',
        kind: 'sklearn pipeline',
        primary: '1',
        shadow: null,
        inputs: 'golden',
        engines: [{ version: '1', engine: 'onnxruntime' }],
      },
    ],
    options: { connections: 16, durationSeconds: 5, warmupSeconds: 1, soakSeconds: 0 },
    bundles: {},
    scenarios,
    coldStarts: [
      {
        id: 'vigil-cold',
        label: 'Vigil, deployed',
        engine: 'compiled',
        runs: [
          { runtimeReadyMs: 900, firstPredictionMs: 40, totalMs: 940 },
          { runtimeReadyMs: 1000, firstPredictionMs: 45, totalMs: 1045 },
        ],
        failures: [],
      },
    ],
    coldStartBreakdown: {
      profiledFirstPredictionMs: 80,
      runtimeReadyMs: { vigil: 950, telemetry: 500, floor: 300 },
      nodeCompileUs: 25_000,
      profile: {
        windowMs: 60,
        phases: [
          {
            phase: 'compile (compiled evaluator)',
            ms: 30,
            firstAtMs: 12,
            lastAtMs: 42,
            top: [['compileOnnx (src/inference/compiled/compile-onnx.ts)', 20]],
          },
          { phase: 'services + request handling (Hono, routes)', ms: 6, firstAtMs: 0, lastAtMs: 5, top: [] },
        ],
      },
    },
    memory: {
      afterStartBytes: 150 * 1024 ** 2,
      afterWarmup: before,
      afterLoad: after,
      peakBytes: 500 * 1024 ** 2,
      afterIdle: point(440, 9, 20, { d1: 6 }),
      warmupSeconds: 3,
      rssTimeline: [300 * 1024 ** 2, 410 * 1024 ** 2, 430 * 1024 ** 2],
      timelineSeconds: 10,
      loadSecondsAfterWarmup: 18,
      isTwoMinuteFigure: false,
      growth: memoryGrowth(before, after),
      ortVersions: [],
      storage: 'tmpfs (/dev/shm/x)',
    },
    hotPath: { profile: null, micro: null },
    telemetry: {
      rows: { prediction_samples: 12 },
      profiledInstances: { 'california-housing': 990 },
      servedInstances: { 'california-housing': 1000 },
      completeness: { 'california-housing': 0.99 },
      d1Bytes: 2 * 1024 ** 2,
      drained: true,
    },
    workerLog: { lines: 0, warnings: [] },
    targets: [],
    notes: ['a note'],
  };
  r.targets = checkTargets({ scenarios: r.scenarios, coldStarts: r.coldStarts, memory: r.memory, model: 'california-housing' });
  return r;
}

describe('formatReport', () => {
  const text = formatReport(
    result([
      scenario('vigil-full', 8000),
      scenario('limit-single', 10000),
      scenario('floor-single', 20000, { cpuShare: 0.5 }),
      scenario('vigil-full', 4000, { model: 'titanic' }),
      scenario('floor-single', 16000, { model: 'titanic' }),
      scenario('vigil-primary-batch100', 1000, { instances: 100 }),
    ]),
  );

  it('prints the machine, the topology and the model families with their engines', () => {
    expect(text).toContain('Test CPU, 2 cores, 24.0 GiB');
    expect(text).toContain('Two Workers.');
    expect(text).toContain('| california-housing | regression GBDT | v2 | v1 | v1 compiled, v2 compiled |');
    expect(text).toContain('| titanic | sklearn pipeline | v1 | none (one version) | v1 onnxruntime |');
  });

  it('prints every scenario with its model, CPU per request and the telemetry Worker’s CPU', () => {
    expect(text).toMatch(
      /\| california-housing \| vigil-full \| 1 \| 8,000 \| 8,000 \| 1\.00 \| 2\.00 \| 20\.0 \| 0 \| 0\.90 \| 113 \| 0\.05 \|/,
    );
    expect(text).toMatch(/\| titanic \| floor-single \| 1 \| 16,000 \| 16,000 \|.*\| – \|/);
  });

  it('prints the ratios per model family, and what separates Vigil from the floor in CPU', () => {
    expect(text).toContain('| ratio (predictions/s, same run) | california-housing | titanic |');
    expect(text).toContain('| full path / limit | 0.80 | – |');
    expect(text).toContain('| full path / floor | 0.40 | 0.25 |');
    expect(text).toContain('| **Vigil full path − floor** | 88 | 169 |');
    // The 100-instance path without shadow or samples: what no telemetry setting takes off.
    expect(text).toContain('| Vigil primary only, 100 instances | 900 | – |');
  });

  it('prints the interleaved rounds, each ratio per round with its median and range, when the run has them', () => {
    expect(text).not.toContain('interleaved');
    const r = result([scenario('vigil-full', 8000), scenario('limit-single', 10000)]);
    r.paired = {
      model: 'california-housing',
      sliceSeconds: 5,
      rounds: [
        [scenario('vigil-full', 9000), scenario('limit-single', 10000)],
        [scenario('limit-single', 5000), scenario('vigil-full', 6000)],
        [scenario('vigil-full', 3000), scenario('limit-single', 3000)],
      ],
    };
    const withRounds = formatReport(r);
    expect(withRounds).toContain('Interleaved rounds, california-housing: every server up at once, each serving 5 s slices');
    expect(withRounds).toContain('| ratio (predictions/s, interleaved) | round 1 | round 2 | round 3 | median | range |');
    expect(withRounds).toContain('| full path / limit | 0.90 | 1.20 | 1.00 | 1.00 | 0.90–1.20 |');
    // Ratios no round measured are left out.
    expect(withRounds).not.toContain('| full path / floor | –');
  });

  it('prints the cold starts with their engine and the breakdown in order of first appearance', () => {
    expect(text).toContain('| Vigil, deployed | compiled | 2 | 950 | 42.5 | 40.0–45.0 | 993 | 0 |');
    expect(text).toContain(
      'took 950 ms (median), against 500 ms for the telemetry Worker (a small bundle with the same D1 and queue simulators) ' +
        'and 300 ms for the floor Worker (no bindings)',
    );
    expect(text).toContain('The compile alone takes 25.0 ms in Node');
    expect(text.indexOf('| services + request handling')).toBeLessThan(text.indexOf('| compile (compiled evaluator)'));
    expect(text).toContain(
      '| compile (compiled evaluator) | 30.00 | 50.0 % | 12.0 | 42.0 | compileOnnx (src/inference/compiled/compile-onnx.ts) 20.0 |',
    );
  });

  it('prints memory with the growth split into heaps and the rest, and the telemetry census', () => {
    expect(text).toContain('| workerd RSS, serving process (18 s of load after warm-up) | 150 | 400 | 500 | 430 | 440 | 7.5 % | +30.0 |');
    expect(text).toContain('| Vigil isolate: V8 heap used, after a full collection | – | 10.0 | – | 11.0 | 9.0 | 10.0 % | +1.0 |');
    // Read again once the isolates are collected (the idle point, a result without the reading, shows none).
    expect(text).toContain(
      "| workerd RSS again, after every isolate's full collection (the heap snapshots) | – | 380 | – | 395 | – | 3.9 % | +15.0 |",
    );
    expect(text).toContain(
      '| rest: workerd native memory (allocator, sockets, buffers) and compiled code | – | 374.0 | – | 401.0 | 413.0 | 7.2 % | +27.0 |',
    );
    expect(text).toContain("none (every served version ran compiled, so ONNX Runtime's WASM was never instantiated)");
    expect(text).toContain('| memory, MB | after start | after 3 s warm-up |');
    expect(text).toContain('Serving process RSS every 10 s from the start of the warm-up, MB: 300, 410, 430.');
    expect(text).toContain('| california-housing | 1,000 | 990 | 99.00 % |');
  });

  it('prints the issue 12 targets and the notes', () => {
    expect(text).toContain('| full path (shadow 10 %, sampling 1 %) / limit, req/s | ≥ 1.2 | 0.80 (8,000 / 10,000 req/s) | **no** |');
    expect(text).toMatch(/\| full path \/ floor, req\/s \| reported \| 0\.40; .* \| reported \|/);
    expect(text).toContain(
      '| cold start, first prediction (version forced to ONNX Runtime) | ' + '≤ 300 ms | not measured in this run | n/a |',
    );
    expect(text).toContain('- a note');
  });
});

describe('metCell', () => {
  it('says yes, no, reported or n/a', () => {
    expect(metCell({ figure: '', target: '≤ 1', measured: '', met: true })).toBe('yes');
    expect(metCell({ figure: '', target: '≤ 1', measured: '', met: false })).toBe('**no**');
    expect(metCell({ figure: '', target: 'reported', measured: '', met: null })).toBe('reported');
    expect(metCell({ figure: '', target: '≤ 1', measured: '', met: null })).toBe('n/a');
  });
});

describe('replaceResultsSection', () => {
  it('replaces the marked section and keeps the rest', () => {
    const doc = 'intro\n<!-- bench:results:start -->\nold\n<!-- bench:results:end -->\noutro\n';
    expect(replaceResultsSection(doc, 'new')).toBe('intro\n<!-- bench:results:start -->\nnew\n<!-- bench:results:end -->\noutro\n');
  });

  it('appends a marked section when there is none', () => {
    expect(replaceResultsSection('# Benchmarks\n', 'table')).toBe(
      '# Benchmarks\n\n<!-- bench:results:start -->\ntable\n<!-- bench:results:end -->\n',
    );
  });
});
