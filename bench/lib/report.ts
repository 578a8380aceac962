/**
 * The benchmark's result document (written to bench/results/<time>.json) and the Markdown tables printed at the
 * end and kept in BENCHMARKS.md. Pure; unit-tested.
 */
import type { TelemetryCensus } from './census.ts';
import type { ColdStartBreakdown, ColdStartResult } from './cold-start.ts';
import { memoryParts, type MemoryParts, type MemoryResult } from './memory.ts';
import { pairedRatios, type PairedRounds } from './paired.ts';
import type { MachineDescription } from './proc.ts';
import { cpuPerRequestUs, findScenario, median, ratios, type ScenarioResult } from './scenario.ts';
import { growth } from './stats.ts';
import type { TargetCheck } from './targets.ts';

export interface ServedModel {
  id: string;
  kind: string;
  primary: string;
  shadow: string | null;
  /** What each request carried. */
  inputs: string;
  /** The engine each registered version served on, as Vigil's admin API reported it after the load. */
  engines: { version: string; engine: string; reason?: string }[];
}

export interface BenchResult {
  schema: 2;
  mode: 'quick' | 'full';
  startedAt: string;
  finishedAt: string;
  machine: MachineDescription & { loadAverageAtStart: number[]; loadAverageAtEnd: number[] };
  git: { commit: string | null; changedFiles: number | null };
  versions: Record<string, string>;
  /** How Vigil was served (two Workers, two workerd processes, the queue between them). */
  topology: string;
  models: ServedModel[];
  options: { connections: number; durationSeconds: number; warmupSeconds: number; soakSeconds: number };
  bundles: Record<string, number>;
  scenarios: ScenarioResult[];
  coldStarts: ColdStartResult[];
  coldStartBreakdown: ColdStartBreakdown | null;
  /** Absent in results written before it was measured. */
  ortColdStartBreakdown?: ColdStartBreakdown | null;
  memory: MemoryResult | null;
  hotPath: { profile: unknown; micro: unknown };
  /** Telemetry rows D1 held after the Vigil scenarios, with what Vigil served. */
  telemetry: TelemetryCensus | null;
  /** Interleaved rounds on the primary family (absent from results written before they existed). */
  paired?: PairedRounds | null;
  workerLog: { lines: number; warnings: string[] };
  targets: TargetCheck[];
  notes: string[];
}

export function fmt(n: number | null | undefined, digits = 0): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function mb(bytes: number | null | undefined, digits = 0): string {
  return bytes === null || bytes === undefined ? '–' : fmt(bytes / (1024 * 1024), digits);
}

function signedMb(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '–';
  return `${bytes >= 0 ? '+' : ''}${fmt(bytes / (1024 * 1024), 1)}`;
}

function pct(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(digits)} %`;
}

function errorsOf(s: ScenarioResult): number {
  return s.load.non2xx + s.load.errors;
}

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`];
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  return lines.join('\n');
}

/** "yes", "**no**", "reported" (a figure without a target) or "n/a" (not measured). */
export function metCell(check: TargetCheck): string {
  if (check.met === true) return 'yes';
  if (check.met === false) return '**no**';
  return check.target === 'reported' ? 'reported' : 'n/a';
}

function scenarioTable(result: BenchResult): string {
  return table(
    [
      'model',
      'scenario',
      'inst/req',
      'req/s',
      'predictions/s',
      'p50 ms',
      'p99 ms',
      'max ms',
      'errors',
      'server CPU (cores)',
      'CPU µs/req',
      'telemetry Worker CPU',
      'load gen CPU',
      'other CPU',
      'server RSS MB (max)',
    ],
    result.scenarios.map((s) => [
      s.model,
      s.label,
      String(s.instancesPerRequest),
      fmt(s.load.requestsPerSecond),
      fmt(s.predictionsPerSecond),
      fmt(s.load.latency.p50Ms, 2),
      fmt(s.load.latency.p99Ms, 2),
      fmt(s.load.latency.maxMs, 1),
      String(errorsOf(s)),
      fmt(s.load.serverCpuShare, 2),
      fmt(cpuPerRequestUs(s)),
      s.server === 'vigil' ? fmt(s.load.sideCpuShare, 2) : '–',
      fmt(s.load.loadGeneratorCpuShare, 2),
      fmt(s.load.otherCpuShare, 2),
      mb(s.load.serverRss?.max),
    ]),
  );
}

function modelsTable(result: BenchResult): string {
  return table(
    ['model family', 'kind', 'primary', 'shadow (10 %)', 'engine per version (after the load)'],
    result.models.map((m) => [
      m.id,
      m.kind,
      `v${m.primary}`,
      m.shadow ? `v${m.shadow}` : 'none (one version)',
      m.engines.length ? m.engines.map((e) => `v${e.version} ${e.engine}`).join(', ') : '–',
    ]),
  );
}

function ratiosTable(result: BenchResult): string {
  const models = result.models.map((m) => m.id).filter((id) => result.scenarios.some((s) => s.model === id));
  const per = models.map((id) => ratios(result.scenarios, id));
  const names = Object.keys(per[0] ?? {}).filter((name) => per.some((r) => r[name] !== null));
  return table(
    ['ratio (predictions/s, same run)', ...models],
    names.map((name) => [name, ...per.map((r) => fmt(r[name], 2))]),
  );
}

/** Each interleaved round's ratios, their median and range. */
function pairedTable(paired: PairedRounds): string {
  const all = pairedRatios(paired);
  const names = Object.keys(all).filter((name) => all[name] !== null);
  const rounds = paired.rounds.map((_, i) => `round ${i + 1}`);
  const intro =
    `Interleaved rounds, ${paired.model}: every server up at once, each serving ${fmt(paired.sliceSeconds)} s slices of ` +
    'single instances and of 100 per request in turn (the order rotated every round), so a ratio is taken from ' +
    'slices seconds apart rather than scenarios minutes apart.';
  return `${intro}\n\n${table(
    ['ratio (predictions/s, interleaved)', ...rounds, 'median', 'range'],
    names.map((name) => {
      const r = all[name]!;
      return [name, ...r.perRound.map((v) => fmt(v, 2)), fmt(r.median, 2), `${fmt(r.min, 2)}–${fmt(r.max, 2)}`];
    }),
  )}`;
}

/** CPU of the server process per request (µs), per server and model: what separates Vigil from the floor. */
function cpuTable(result: BenchResult): string {
  const models = result.models.map((m) => m.id).filter((id) => result.scenarios.some((s) => s.model === id));
  const rows: string[][] = [];
  const cell = (model: string, id: string) => {
    const s = findScenario(result.scenarios, model, id);
    return s ? cpuPerRequestUs(s) : null;
  };
  for (const [label, id] of [
    ['floor (JSON in, constant out)', 'floor-single'],
    ['limit (bare Worker + ORT)', 'limit-single'],
    ['peer (Node + onnxruntime-node)', 'peer-single'],
    ['Vigil primary only', 'vigil-primary'],
    ['Vigil full path', 'vigil-full'],
    ['floor, 100 instances', 'floor-batch100'],
    ['limit, 100 instances', 'limit-batch100'],
    ['peer, 100 instances', 'peer-batch100'],
    ['Vigil primary only, 100 instances', 'vigil-primary-batch100'],
    ['Vigil full path, 100 instances', 'vigil-batch100'],
  ] as const) {
    const values = models.map((m) => cell(m, id));
    if (values.some((v) => v !== null)) rows.push([label, ...values.map((v) => fmt(v))]);
  }
  for (const [label, vigil, floor] of [
    ['Vigil full path − floor', 'vigil-full', 'floor-single'],
    ['Vigil 100 instances − floor', 'vigil-batch100', 'floor-batch100'],
  ] as const) {
    const values = models.map((m) => {
      const v = cell(m, vigil);
      const f = cell(m, floor);
      return v !== null && f !== null ? v - f : null;
    });
    if (values.some((v) => v !== null)) rows.push([`**${label}**`, ...values.map((v) => fmt(v))]);
  }
  return table(['CPU µs per request (server process)', ...models], rows);
}

function coldStartTable(result: BenchResult): string {
  return table(
    [
      'cold start',
      'engine',
      'runs',
      'runtime ready ms (median)',
      'first prediction ms (median)',
      'first prediction ms (min–max)',
      'total ms (median)',
      'failures',
    ],
    result.coldStarts.map((c) => {
      const first = c.runs.map((x) => x.firstPredictionMs);
      return [
        c.label,
        c.engine ?? '–',
        String(c.runs.length),
        fmt(median(c.runs.map((x) => x.runtimeReadyMs))),
        fmt(median(first), 1),
        first.length ? `${fmt(Math.min(...first), 1)}–${fmt(Math.max(...first), 1)}` : '–',
        fmt(median(c.runs.map((x) => x.totalMs))),
        String(c.failures.length),
      ];
    }),
  );
}

function coldStartBreakdownTable(b: ColdStartBreakdown, which = 'compiled'): string {
  const lines = [
    `Where the ${which} cold start's first prediction goes: CPU profile of the fresh serving isolate (sampled every ` +
      `50 µs), ${fmt(b.profile.windowMs, 1)} ms from its first to its last busy sample; the profiled request took ` +
      `${fmt(b.profiledFirstPredictionMs, 1)} ms from outside (the profiler slows it). ` +
      "Before it, workerd's start with the serving bundle (process, Miniflare's simulators, bundle compile — ONNX " +
      `Runtime's WASM included — and module evaluation) took ${fmt(b.runtimeReadyMs.vigil)} ms (median), against ` +
      `${fmt(b.runtimeReadyMs.telemetry)} ms for the telemetry Worker (a small bundle with the same D1 and queue ` +
      `simulators) and ${fmt(b.runtimeReadyMs.floor)} ms for the floor Worker (no bindings).` +
      (b.nodeCompileUs ? ` The compile alone takes ${fmt(b.nodeCompileUs / 1000, 1)} ms in Node (micro-benchmark).` : ''),
    '',
    table(
      [
        'phase (by the nearest Vigil source file on the stack)',
        'ms (profiled)',
        'share',
        'first seen at ms',
        'last seen at ms',
        'mostly in (self ms)',
      ],
      [...b.profile.phases]
        .sort((x, y) => x.firstAtMs - y.firstAtMs)
        .map((p) => [
          p.phase,
          fmt(p.ms, 2),
          pct(b.profile.windowMs ? p.ms / b.profile.windowMs : null),
          fmt(p.firstAtMs, 1),
          fmt(p.lastAtMs, 1),
          (p.top ?? []).map(([name, ms]) => `${name.replace(/\|/g, '\\|')} ${fmt(ms, 1)}`).join('; '),
        ]),
    ),
  ];
  return lines.join('\n');
}

function memoryTable(mem: MemoryResult): string {
  const a = memoryParts(mem.afterWarmup);
  const b = memoryParts(mem.afterLoad);
  const idle = mem.afterIdle ? memoryParts(mem.afterIdle) : null;
  const row = (label: string, key: keyof MemoryParts, digits = 0, start: number | null = null, peak: number | null = null): string[] => [
    label,
    mb(start, digits),
    mb(a[key], digits),
    mb(peak, digits),
    mb(b[key], digits),
    mb(idle?.[key], digits),
    pct(growth(a[key], b[key])),
    signedMb(a[key] !== null && b[key] !== null ? b[key]! - a[key]! : null),
  ];
  const rows: string[][] = [
    row(
      `workerd RSS, serving process (${fmt(mem.loadSecondsAfterWarmup)} s of load after warm-up)`,
      'rssBytes',
      0,
      mem.afterStartBytes,
      mem.peakBytes,
    ),
    row('… of which private (RssAnon)', 'anonBytes'),
    row("workerd RSS again, after every isolate's full collection (the heap snapshots)", 'rssAfterCollectionBytes'),
    row('Vigil isolate: V8 heap used, after a full collection', 'vigilHeapUsedBytes', 1),
    row('Vigil isolate: V8 heap reserved, after it', 'vigilHeapTotalBytes', 1),
    row('Vigil isolate: ArrayBuffer backing stores (typed arrays, WASM memories)', 'vigilBackingStoreBytes', 1),
    row("other isolates: heaps + backing stores (Miniflare's D1/R2/queue simulators, entry and proxy Workers)", 'otherIsolatesBytes', 1),
    row('rest: workerd native memory (allocator, sockets, buffers) and compiled code', 'nativeBytes', 1),
  ];
  return [
    table(
      [
        'memory, MB',
        'after start',
        `after ${fmt(mem.warmupSeconds)} s warm-up`,
        'peak under load',
        'after load',
        'after idle (queue drained, all Vigil scenarios)',
        'growth vs warm-up',
        'change, MB',
      ],
      rows,
    ),
    '',
    `Serving process RSS every ${fmt(mem.timelineSeconds)} s from the start of the warm-up, MB: ` +
      `${mem.rssTimeline.map((b) => mb(b)).join(', ')}.`,
    '',
    'Versions on ONNX Runtime during the load: ' +
      (mem.ortVersions.length
        ? mem.ortVersions.join(', ')
        : "none (every served version ran compiled, so ONNX Runtime's WASM was never instantiated)") +
      `. Local state on ${mem.storage}.`,
  ].join('\n');
}

function telemetryTable(t: TelemetryCensus): string {
  const models = Object.keys(t.servedInstances);
  return [
    `D1 after the Vigil scenarios (${t.drained ? 'queue drained' : '**queue still delivering when counted**'}, ` +
      `${mb(t.d1Bytes, 1)} MB of local D1 files): ${Object.entries(t.rows)
        .map(([k, v]) => `${k} ${fmt(v)}`)
        .join(', ')}.`,
    '',
    table(
      ['telemetry reached D1 through the telemetry Worker', 'instances answered (2xx)', "instances in the primary's profiles", 'share'],
      models.map((m) => [m, fmt(t.servedInstances[m]), fmt(t.profiledInstances[m]), pct(t.completeness[m], 2)]),
    ),
  ].join('\n');
}

/** The Markdown report of one run. */
export function formatReport(result: BenchResult): string {
  const m = result.machine;
  const out: string[] = [];
  out.push(
    `Run ${result.startedAt} (${result.mode}) on ${m.cpuModel}, ${m.cores} cores, ` +
      `${fmt(m.memoryBytes / 1024 ** 3, 1)} GiB, Linux ${m.kernel}, Node ${m.node}; ` +
      `load average at start ${m.loadAverageAtStart.map((x) => x.toFixed(2)).join(' ')}. ${result.topology} ` +
      `${result.options.connections} connections, ${result.options.durationSeconds} s per scenario after ` +
      `${result.options.warmupSeconds} s warm-up. ` +
      `Commit ${result.git.commit?.slice(0, 10) ?? 'unknown'}` +
      `${result.git.changedFiles ? ` with ${result.git.changedFiles} uncommitted changes` : ''}.`,
  );
  out.push('', modelsTable(result));
  out.push('', scenarioTable(result));
  out.push('', ratiosTable(result));
  if (result.paired?.rounds.length) out.push('', pairedTable(result.paired));
  out.push('', cpuTable(result));
  if (result.coldStarts.length) out.push('', coldStartTable(result));
  if (result.coldStartBreakdown) out.push('', coldStartBreakdownTable(result.coldStartBreakdown));
  if (result.ortColdStartBreakdown) out.push('', coldStartBreakdownTable(result.ortColdStartBreakdown, 'ONNX Runtime-forced'));
  if (result.memory) out.push('', memoryTable(result.memory));
  if (result.telemetry) out.push('', telemetryTable(result.telemetry));
  out.push(
    '',
    table(
      ['target (issue 12)', 'target', 'measured', 'met'],
      result.targets.map((t) => [t.figure, t.target, t.measured, metCell(t)]),
    ),
  );
  if (result.notes.length) {
    out.push('');
    for (const note of result.notes) out.push(`- ${note}`);
  }
  return out.join('\n');
}

/** Replaces the text between the results markers of BENCHMARKS.md (or appends a marked section). */
export function replaceResultsSection(document: string, section: string): string {
  const start = '<!-- bench:results:start -->';
  const end = '<!-- bench:results:end -->';
  const block = `${start}\n${section}\n${end}`;
  const i = document.indexOf(start);
  const j = document.indexOf(end);
  if (i >= 0 && j > i) return document.slice(0, i) + block + document.slice(j + end.length);
  return `${document.trimEnd()}\n\n${block}\n`;
}
