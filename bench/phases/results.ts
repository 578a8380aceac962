/**
 * Phase "results": the run's result document from what the phases measured, its targets checked, written to
 * bench/results/<start time>[-quick].json, printed, and (with --write-benchmarks) put in BENCHMARKS.md.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { TelemetryCensus } from '../lib/census.ts';
import type { ColdStartBreakdown, ColdStartResult } from '../lib/cold-start.ts';
import { formatHotPath, type MicroSummary, type ProfileSummary } from '../lib/hot-path-report.ts';
import type { MemoryResult } from '../lib/memory.ts';
import type { PairedRounds } from '../lib/paired.ts';
import type { MachineDescription } from '../lib/proc.ts';
import { gitInfo, packageVersions } from '../lib/provenance.ts';
import { formatReport, replaceResultsSection, type BenchResult } from '../lib/report.ts';
import type { ScenarioResult } from '../lib/scenario.ts';
import { checkTargets } from '../lib/targets.ts';
import type { VersionEngine } from '../lib/vigil-server.ts';
import type { BenchContext } from './context.ts';

export interface Measurements {
  startedAt: Date;
  machine: MachineDescription & { loadAverageAtStart: number[]; loadAverageAtEnd: number[] };
  scenarios: ScenarioResult[];
  coldStarts: ColdStartResult[];
  coldStartBreakdown: ColdStartBreakdown | null;
  ortColdStartBreakdown: ColdStartBreakdown | null;
  memory: MemoryResult | null;
  telemetry: TelemetryCensus | null;
  engines: Record<string, VersionEngine[]>;
  profile: Record<string, ProfileSummary> | null;
  micro: MicroSummary | null;
  paired: PairedRounds | null;
  workerLog: { lines: number; warnings: string[] };
}

export const TOPOLOGY =
  'Vigil is served as deployed: the serving Worker (wrangler.toml) and the telemetry Worker ' +
  '(wrangler.telemetry.toml) in two Miniflare instances, so two workerd processes, sharing the local D1/R2 files; ' +
  "the serving Worker only produces to the telemetry queue, and Miniflare's queue broker forwards each batch through " +
  "the dev registry to the telemetry Worker's process, which writes D1. " +
  "Server CPU and RSS are the serving process; the telemetry Worker's CPU is its own column.";

/** Notes on what disturbed the run: other processes' CPU, the Workers' warnings. */
function disturbanceNotes(m: Measurements): string[] {
  const notes: string[] = [];
  const busy = m.scenarios.filter((s) => (s.load.otherCpuShare ?? 0) > 0.15);
  if (busy.length)
    notes.push(
      'other processes used more than 0.15 cores during: ' +
        `${busy.map((s) => `${s.model} ${s.label} (${s.load.otherCpuShare!.toFixed(2)})`).join(', ')}; ` +
        'those figures are disturbed',
    );
  if (m.workerLog.warnings.length)
    notes.push(
      `the Workers logged ${m.workerLog.warnings.length} warning/error lines during the Vigil scenarios; first: ` +
        `${m.workerLog.warnings[0]!.slice(0, 300)}`,
    );
  return notes;
}

export function assembleResult(ctx: BenchContext, m: Measurements): BenchResult {
  const { options } = ctx;
  const compileStage = m.micro?.timings.find((t) => t.stage.startsWith('compile the model'));
  const coldStartBreakdown = m.coldStartBreakdown ? { ...m.coldStartBreakdown, nodeCompileUs: compileStage?.us ?? null } : null;
  const result: BenchResult = {
    schema: 2,
    mode: options.quick ? 'quick' : 'full',
    startedAt: m.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: { ...m.machine, loadAverageAtEnd: loadavg() },
    git: gitInfo(ctx.root),
    versions: packageVersions(ctx.root),
    topology: TOPOLOGY,
    models: ctx.families.map((f) => ({
      id: f.id,
      kind: f.kind,
      primary: f.primary,
      shadow: f.shadow,
      inputs: `the ${f.golden.length} golden instances of v${f.primary}'s manifest, cycled (100-instance bodies rotate through them)`,
      engines: (m.engines[f.id] ?? []).map((v) => ({
        version: v.version,
        engine: v.engine,
        ...(v.engine_reason ? { reason: v.engine_reason } : {}),
      })),
    })),
    options: {
      connections: options.connections,
      durationSeconds: options.durationSeconds,
      warmupSeconds: options.warmupSeconds,
      soakSeconds: options.soakSeconds,
    },
    bundles: {
      servingBytes: ctx.builds.vigil.serving.bytes,
      telemetryBytes: ctx.builds.vigil.telemetry.bytes,
      limitBytes: ctx.builds.limit.bundle.bytes,
      floorBytes: ctx.builds.floor.bundle.bytes,
    },
    scenarios: m.scenarios,
    coldStarts: m.coldStarts,
    coldStartBreakdown,
    ortColdStartBreakdown: m.ortColdStartBreakdown,
    memory: m.memory,
    hotPath: { profile: m.profile, micro: m.micro },
    telemetry: m.telemetry,
    paired: m.paired,
    workerLog: m.workerLog,
    targets: [],
    notes: [...ctx.notes, ...disturbanceNotes(m)],
  };
  result.targets = checkTargets({
    scenarios: result.scenarios,
    coldStarts: result.coldStarts,
    memory: result.memory,
    model: ctx.families[0]!.id,
    paired: result.paired ?? null,
  });
  return result;
}

/** Writes the JSON, prints the report, and updates BENCHMARKS.md when asked; returns the JSON's path. */
export function writeResult(ctx: BenchContext, result: BenchResult): string {
  const resultsDir = join(ctx.root, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${result.startedAt.replace(/[:.]/g, '-')}${result.mode === 'quick' ? '-quick' : ''}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  const report = formatReport(result);
  const relative = file.slice(ctx.root.length + 1);
  if (ctx.options.writeBenchmarks) {
    const doc = join(ctx.root, 'BENCHMARKS.md');
    let text = '';
    try {
      text = readFileSync(doc, 'utf8');
    } catch {
      text = '# Benchmarks\n';
    }
    writeFileSync(doc, replaceResultsSection(text, `Results of \`${relative}\`:\n\n${report}`));
  }
  console.log(`\n${report}\n`);
  console.log(formatHotPath(result.hotPath.profile as Record<string, ProfileSummary> | null, result.hotPath.micro as MicroSummary | null));
  return relative;
}
