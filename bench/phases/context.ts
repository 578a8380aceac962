/**
 * What every phase of `npm run bench` shares: the options, the scratch directory, the built bundles, the model
 * families with their request bodies, the log, and the notes that end up in the report. Also `measure`, the one
 * way a load scenario is run and recorded.
 */
import type { BenchOptions } from '../lib/args.ts';
import type { LoadedFamily } from '../lib/families.ts';
import { goldenMismatches, type AnsweredPrediction } from '../lib/golden.ts';
import { runLoad, type LoadConfig, type MeasuredLoad } from '../lib/load.ts';
import type { ScenarioResult, ServerKind } from '../lib/scenario.ts';
import { request, type VigilBuild } from '../lib/vigil-server.ts';
import type { Bundle } from '../lib/workers.ts';

export const JSON_HEADERS = { 'content-type': 'application/json' };

export interface Builds {
  vigil: VigilBuild;
  limit: { bundle: Bundle; options: Record<string, unknown> };
  floor: { bundle: Bundle; options: Record<string, unknown> };
}

export interface BenchContext {
  root: string;
  options: BenchOptions;
  /** Scratch directory (tmpfs when there is one), removed on exit. */
  workDir: string;
  families: LoadedFamily[];
  builds: Builds;
  adminToken: string;
  notes: string[];
  log(message: string): void;
}

export function loadConfig(url: URL, path: string, bodies: string[], options: BenchOptions, durationSeconds: number): LoadConfig {
  return { url: url.origin, path, headers: JSON_HEADERS, bodies, connections: options.connections, durationSeconds, timeoutSeconds: 10 };
}

export interface ScenarioSpec {
  id: string;
  label: string;
  server: ServerKind;
  model: string;
  setup: string;
  instancesPerRequest: number;
}

export interface ServerProcesses {
  /** The processes serving the load (CPU and RSS are theirs). */
  pids: () => readonly number[];
  /** Side processes whose CPU is recorded apart (Vigil's telemetry Worker). */
  sidePids?: () => readonly number[];
  /** Called with the instances every load run had answered with a 2xx (warm-ups included): what Vigil served. */
  onAnswered?: (instances: number) => void;
}

/** A discarded warm-up (when `warmupSeconds` > 0), then the measured run. */
export async function measure(
  ctx: BenchContext,
  spec: ScenarioSpec,
  config: LoadConfig,
  server: ServerProcesses,
  warmupSeconds: number,
): Promise<ScenarioResult> {
  const drive = async (c: LoadConfig): Promise<MeasuredLoad> => {
    const load = await runLoad(c, server.pids, server.sidePids);
    server.onAnswered?.(load.ok * spec.instancesPerRequest);
    return load;
  };
  if (warmupSeconds > 0) await drive({ ...config, durationSeconds: warmupSeconds });
  ctx.log(`${spec.model} · ${spec.label}: ${config.durationSeconds} s at ${config.connections} connections`);
  const load = await drive(config);
  const errors = load.non2xx + load.errors;
  ctx.log(
    `${spec.model} · ${spec.label}: ${load.requestsPerSecond.toFixed(0)} req/s, p99 ${load.latency.p99Ms.toFixed(2)} ms, ` +
      `${errors} errors, server CPU ${load.serverCpuShare.toFixed(2)} cores`,
  );
  return { ...spec, load, predictionsPerSecond: load.requestsPerSecond * spec.instancesPerRequest };
}

/** Checks that a server answers the family's golden examples as the manifest expects, within its tolerance. */
export async function checkGolden(url: URL, family: LoadedFamily, label: string): Promise<void> {
  const { status, text } = await request(url, 'POST', { instances: family.golden.map((g) => g.instance) });
  if (status !== 200) throw new Error(`${label} (${family.id}): golden check answered ${status}: ${text.slice(0, 500)}`);
  const answers = (JSON.parse(text) as { predictions: AnsweredPrediction[] }).predictions;
  const mismatches = goldenMismatches(answers, family.golden, family.tolerance);
  if (mismatches.length)
    throw new Error(
      `${label} (${family.id}) does not reproduce the golden examples (tolerance abs ${family.tolerance.abs}, rel ` +
        `${family.tolerance.rel}): ${mismatches.slice(0, 5).join('; ')}`,
    );
}
