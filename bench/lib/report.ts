/**
 * The benchmark's result document (written to bench/results/<time>.json), the targets of issue 6 checked
 * against it, and the Markdown tables printed at the end and kept in BENCHMARKS.md. Pure; unit-tested.
 */
import type { MeasuredLoad } from './load.ts';
import type { MachineDescription, RssParts } from './proc.ts';
import { ratio } from './stats.ts';

export type ServerKind = 'vigil' | 'limit' | 'peer';

export interface ScenarioResult {
  id: string;
  label: string;
  server: ServerKind;
  instancesPerRequest: number;
  /** What the deployment was (Vigil) or what the server does (baselines). */
  setup: string;
  load: MeasuredLoad;
  predictionsPerSecond: number;
}

export interface ColdStartRun {
  /** new Miniflare() until workerd accepts requests (process start, bundle load and compile). */
  runtimeReadyMs: number;
  /** First prediction request until its successful response, on the fresh runtime. */
  firstPredictionMs: number;
  totalMs: number;
}

export interface ColdStartResult {
  id: string;
  label: string;
  runs: ColdStartRun[];
  failures: string[];
}

export interface MemoryResult {
  /** RSS (bytes) of the workerd process serving Vigil at each point. */
  afterStartBytes: number | null;
  afterWarmupBytes: number | null;
  peakBytes: number | null;
  afterLoadBytes: number | null;
  /** After the telemetry flushed and the queue drained (≥ 6 s without load). */
  afterIdleBytes: number | null;
  /** Seconds of load between the warm-up and afterLoad. */
  loadSecondsAfterWarmup: number;
  /** afterLoad / afterWarmup - 1. */
  growth: number | null;
  /** true when the load between warm-up and afterLoad was the 2-minute soak of the issue. */
  isTwoMinuteFigure: boolean;
  /** Used V8 heap of Vigil's own isolate (bytes) — the part of the RSS that is the service, not workerd or the local D1/Queue simulators. */
  isolateHeap: { afterWarmupBytes: number | null; afterLoadBytes: number | null; afterIdleBytes: number | null };
  /** Used V8 heap of every worker in the workerd process (Vigil, and Miniflare's D1/Queue/R2 simulators). */
  heapsByWorker?: { afterWarmup: Record<string, number>; afterLoad: Record<string, number> };
  /** RSS split into private, file-backed and shared (tmpfs) memory. */
  rssParts?: { afterWarmup: RssParts | null; afterLoad: RssParts | null };
  /** Where the local D1/R2/Queue files were kept. */
  storage?: string;
}

export interface TargetCheck {
  figure: string;
  target: string;
  measured: string;
  met: boolean | null;
}

export interface BenchResult {
  schema: 1;
  mode: 'quick' | 'full';
  startedAt: string;
  finishedAt: string;
  machine: MachineDescription & { loadAverageAtStart: number[]; loadAverageAtEnd: number[] };
  git: { commit: string | null; changedFiles: number | null };
  versions: Record<string, string>;
  model: { name: string; primary: string; shadow: string; inputs: string };
  options: { connections: number; durationSeconds: number; warmupSeconds: number; soakSeconds: number };
  bundles: Record<string, number>;
  scenarios: ScenarioResult[];
  coldStarts: ColdStartResult[];
  memory: MemoryResult | null;
  hotPath: { profile: unknown; micro: unknown };
  /** Telemetry rows D1 held after the Vigil scenarios, with what Vigil served under each deployment. */
  telemetry: {
    rows: Record<string, number>;
    d1Bytes: number;
    drained: boolean;
    served: Record<string, { requests: number; instances: number }>;
  } | null;
  workerLog: { lines: number; warnings: string[] };
  targets: TargetCheck[];
  notes: string[];
}

export function find(result: Pick<BenchResult, 'scenarios'>, id: string): ScenarioResult | undefined {
  return result.scenarios.find((s) => s.id === id);
}

/** Throughput ratios the issue asks for (same run): Vigil's full path over the limit and over the peer. */
export function ratios(result: Pick<BenchResult, 'scenarios'>): Record<string, number | null> {
  const rps = (id: string) => find(result, id)?.predictionsPerSecond;
  return {
    'full path / limit': ratio(rps('vigil-full'), rps('limit-single')),
    'full path / peer': ratio(rps('vigil-full'), rps('peer-single')),
    'primary only / limit': ratio(rps('vigil-primary'), rps('limit-single')),
    'primary only / peer': ratio(rps('vigil-primary'), rps('peer-single')),
    '100 instances / limit': ratio(rps('vigil-batch100'), rps('limit-batch100')),
    '100 instances / peer': ratio(rps('vigil-batch100'), rps('peer-batch100')),
  };
}

function fmt(n: number | null | undefined, digits = 0): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function mb(bytes: number | null | undefined): string {
  return bytes === null || bytes === undefined ? '–' : fmt(bytes / (1024 * 1024));
}

function pct(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(digits)} %`;
}

function errorsOf(load: MeasuredLoad): number {
  return load.non2xx + load.errors;
}

/** Checks the targets of issue 6 against a result. */
export function checkTargets(result: Pick<BenchResult, 'scenarios' | 'coldStarts' | 'memory'>): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const full = find(result, 'vigil-full');
  if (full) {
    const l = full.load;
    checks.push({
      figure: 'single-instance full path',
      target: '≥ 8,333 req/s, p99 ≤ 8 ms, 0 errors',
      measured: `${fmt(l.requestsPerSecond)} req/s, p99 ${fmt(l.latency.p99Ms, 2)} ms, ${errorsOf(l)} errors`,
      met: l.requestsPerSecond >= 8333 && l.latency.p99Ms <= 8 && errorsOf(l) === 0,
    });
  }
  const r = ratios(result);
  const fl = r['full path / limit'];
  checks.push({ figure: 'full path / limit', target: '≥ 0.8', measured: fmt(fl, 2), met: fl === null || fl === undefined ? null : fl >= 0.8 });
  const fp = r['full path / peer'];
  checks.push({ figure: 'full path / peer', target: '≥ 1.0', measured: fmt(fp, 2), met: fp === null || fp === undefined ? null : fp >= 1.0 });
  const batch = find(result, 'vigil-batch100');
  if (batch) {
    checks.push({ figure: '100-instance requests', target: '≥ 200,000 predictions/s', measured: `${fmt(batch.predictionsPerSecond)} predictions/s`, met: batch.predictionsPerSecond >= 200_000 });
  }
  const cold = result.coldStarts.find((c) => c.id === 'vigil-cold');
  if (cold && cold.runs.length) {
    const first = median(cold.runs.map((x) => x.firstPredictionMs));
    const total = median(cold.runs.map((x) => x.totalMs));
    checks.push({
      figure: 'cold start, first prediction',
      target: '≤ 300 ms',
      measured: `median ${fmt(first)} ms first request on a fresh runtime (${fmt(total)} ms including workerd start)`,
      met: first <= 300,
    });
  }
  if (result.memory) {
    const m = result.memory;
    checks.push({
      figure: m.isTwoMinuteFigure ? 'RSS after a 2-minute run vs after warm-up' : `RSS after ${fmt(m.loadSecondsAfterWarmup)} s of load vs after warm-up (not the 2-minute figure)`,
      target: 'growth ≤ 5 %',
      measured: `${mb(m.afterWarmupBytes)} → ${mb(m.afterLoadBytes)} MB (${pct(m.growth)})`,
      met: m.growth === null ? null : m.growth <= 0.05,
    });
  }
  return checks;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map((h, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`];
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  return lines.join('\n');
}

/** The Markdown report of one run: throughput table, ratios, cold start, memory, targets. */
export function formatReport(result: BenchResult): string {
  const m = result.machine;
  const out: string[] = [];
  out.push(
    `Run ${result.startedAt} (${result.mode}) on ${m.cpuModel}, ${m.cores} cores, ${fmt(m.memoryBytes / 1024 ** 3, 1)} GiB, Linux ${m.kernel}, Node ${m.node}; ` +
      `load average at start ${m.loadAverageAtStart.map((x) => x.toFixed(2)).join(' ')}. ` +
      `Model ${result.model.name} v${result.model.primary} (primary) with v${result.model.shadow} as the shadow; inputs: ${result.model.inputs}. ` +
      `${result.options.connections} connections, ${result.options.durationSeconds} s per scenario after ${result.options.warmupSeconds} s warm-up. ` +
      `Commit ${result.git.commit?.slice(0, 10) ?? 'unknown'}${result.git.changedFiles ? ` with ${result.git.changedFiles} uncommitted changes` : ''}.`,
  );
  out.push('');
  out.push(
    table(
      ['scenario', 'inst/req', 'req/s', 'predictions/s', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'server CPU (cores)', 'load gen CPU', 'other CPU', 'server RSS MB (max)'],
      result.scenarios.map((s) => [
        s.label,
        String(s.instancesPerRequest),
        fmt(s.load.requestsPerSecond),
        fmt(s.predictionsPerSecond),
        fmt(s.load.latency.p50Ms, 2),
        fmt(s.load.latency.p99Ms, 2),
        fmt(s.load.latency.maxMs, 1),
        String(errorsOf(s.load)),
        fmt(s.load.serverCpuShare, 2),
        fmt(s.load.loadGeneratorCpuShare, 2),
        fmt(s.load.otherCpuShare, 2),
        mb(s.load.serverRss?.max),
      ]),
    ),
  );
  out.push('');
  const r = ratios(result);
  out.push(table(['ratio (predictions/s, same run)', 'value'], Object.entries(r).map(([k, v]) => [k, fmt(v, 2)])));
  if (result.coldStarts.length) {
    out.push('');
    out.push(
      table(
        ['cold start', 'runs', 'runtime ready ms (median)', 'first prediction ms (median)', 'first prediction ms (min–max)', 'total ms (median)', 'failures'],
        result.coldStarts.map((c) => {
          const first = c.runs.map((x) => x.firstPredictionMs);
          return [
            c.label,
            String(c.runs.length),
            fmt(median(c.runs.map((x) => x.runtimeReadyMs))),
            fmt(median(first)),
            first.length ? `${fmt(Math.min(...first))}–${fmt(Math.max(...first))}` : '–',
            fmt(median(c.runs.map((x) => x.totalMs))),
            String(c.failures.length),
          ];
        }),
      ),
    );
  }
  if (result.memory) {
    const mem = result.memory;
    out.push('');
    out.push(
      table(
        ['memory, MB', 'after start', 'after warm-up', 'peak under load', 'after load', 'after idle (queue drained)', 'growth vs warm-up'],
        [
          [`workerd RSS (${fmt(mem.loadSecondsAfterWarmup)} s of load after warm-up)`, mb(mem.afterStartBytes), mb(mem.afterWarmupBytes), mb(mem.peakBytes), mb(mem.afterLoadBytes), mb(mem.afterIdleBytes), pct(mem.growth)],
          ...(mem.rssParts?.afterWarmup && mem.rssParts.afterLoad
            ? (['anonBytes', 'shmemBytes'] as const).map((k) => [
                k === 'anonBytes' ? '… of which private (RssAnon)' : '… of which shared/tmpfs (RssShmem: local D1 files)',
                '–',
                mb(mem.rssParts!.afterWarmup![k]),
                '–',
                mb(mem.rssParts!.afterLoad![k]),
                '–',
                pct(mem.rssParts!.afterWarmup![k] ? mem.rssParts!.afterLoad![k] / mem.rssParts!.afterWarmup![k] - 1 : null),
              ])
            : []),
          [
            'Vigil isolate V8 heap (used)',
            '–',
            mb(mem.isolateHeap.afterWarmupBytes),
            '–',
            mb(mem.isolateHeap.afterLoadBytes),
            mb(mem.isolateHeap.afterIdleBytes),
            pct(mem.isolateHeap.afterWarmupBytes && mem.isolateHeap.afterLoadBytes ? mem.isolateHeap.afterLoadBytes / mem.isolateHeap.afterWarmupBytes - 1 : null),
          ],
        ],
      ),
    );
  }
  out.push('');
  out.push(table(['target (issue 6)', 'target', 'measured', 'met'], result.targets.map((t) => [t.figure, t.target, t.measured, t.met === null ? 'n/a' : t.met ? 'yes' : '**no**'])));
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
