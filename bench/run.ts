/**
 * `npm run bench [-- --quick]`: builds the Workers as they deploy, serves Vigil on local workerd through Miniflare's
 * API as it is deployed — the serving Worker and the telemetry Worker in two workerd processes, D1/R2 kept, the
 * queue between them, migrations applied, ADMIN_TOKEN set — drives load from a separate process at fixed
 * concurrency, and measures it against three baselines in the same run, for each model family: the bare model in
 * a Worker on the same workerd ("limit"), a Worker that parses the JSON and answers a constant ("floor"), and a
 * plain Node server on onnxruntime-node ("peer"); plus cold starts (compiled, ONNX Runtime, first use) with a
 * breakdown, memory over a soak, a CPU profile of the serving isolate under load and a micro-benchmark of the
 * hot path's stages. Writes bench/results/<time>.json and prints the tables (see BENCHMARKS.md).
 *
 * Each phase is a function in bench/phases/; this file runs them in order.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, wants, wantsServer, type BenchOptions } from './lib/args.ts';
import { cleanupAll, installExitHandlers, onCleanup, onExitSync } from './lib/children.ts';
import { loadFamily, MODEL_FAMILIES } from './lib/families.ts';
import { describeMachine } from './lib/proc.ts';
import { vigilState } from './lib/vigil-server.ts';
import { runFloor, runLimit, runPeer } from './phases/baselines.ts';
import { buildAll } from './phases/build.ts';
import { runColdStarts } from './phases/cold-starts.ts';
import type { BenchContext } from './phases/context.ts';
import { runMicro } from './phases/micro.ts';
import { runPaired } from './phases/paired.ts';
import { runProfile } from './phases/profile.ts';
import { assembleResult, writeResult, type Measurements } from './phases/results.ts';
import { runAssets, runVigil } from './phases/vigil.ts';

const ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');

const started = performance.now();
function log(message: string): void {
  console.error(`[bench ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}`);
}

/** Phase "prepare": scratch directory (tmpfs when there is one), machine description, model families, builds. */
async function prepare(options: BenchOptions): Promise<{ ctx: BenchContext; machine: Measurements['machine'] }> {
  // Local D1/R2/Queue state lives on tmpfs when there is one: SQLite's fsyncs on a disk would stall workerd's
  // thread (production's D1 is remote and never blocks the Worker).
  const scratch = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const workDir = mkdtempSync(join(scratch, 'vigil-bench-'));
  const removeWorkDir = () => rmSync(workDir, { recursive: true, force: true });
  onCleanup(removeWorkDir);
  onExitSync(removeWorkDir);
  const notes: string[] = [];
  const machine = { ...describeMachine(), loadAverageAtStart: loadavg(), loadAverageAtEnd: [] as number[] };
  if (machine.loadAverageAtStart[0]! > 0.5) {
    const warning =
      'the machine was busy when the run started (load average ' +
      `${machine.loadAverageAtStart[0]!.toFixed(2)}): other processes compete with workerd and the load generator; ` +
      'see the "other CPU" column';
    notes.push(warning);
    log(`warning: ${warning}`);
  }
  const families = MODEL_FAMILIES.map((f) => loadFamily(ROOT, f));
  const adminToken = crypto.randomUUID();
  const builds = await buildAll(ROOT, workDir, adminToken, log);
  if (builds.vigil.servingOptions.assets) {
    notes.push(
      "wrangler.toml declares [assets]; the Vigil scenarios serve the Worker without Miniflare's simulated asset " +
        'routing, which runs as extra JS workers in the same single-threaded workerd (in production Cloudflare ' +
        'matches assets before the Worker, outside its CPU time); the scenario "behind local asset routing" measures ' +
        'what that simulation costs',
    );
  }
  return { ctx: { root: ROOT, options, workDir, families, builds, adminToken, notes, log }, machine };
}

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  installExitHandlers();
  const startedAt = new Date();
  const { ctx, machine } = await prepare(options);
  const m: Measurements = {
    startedAt,
    machine,
    scenarios: [],
    coldStarts: [],
    coldStartBreakdown: null,
    ortColdStartBreakdown: null,
    memory: null,
    telemetry: null,
    engines: {},
    profile: null,
    micro: null,
    paired: null,
    workerLog: { lines: 0, warnings: [] },
  };

  // One Vigil state for the whole run: the Vigil phase deploys every family on it; cold starts and the profile reuse it.
  const state = vigilState(join(ctx.workDir, 'vigil'));
  if (wantsServer(options, 'vigil') || wants(options, 'cold') || wants(options, 'profile') || wants(options, 'assets')) {
    const vigil = await runVigil(ctx, state);
    m.scenarios.push(...vigil.scenarios);
    Object.assign(m, { memory: vigil.memory, telemetry: vigil.telemetry, engines: vigil.engines, workerLog: vigil.workerLog });
  }
  if (wants(options, 'assets') && ctx.builds.vigil.servingOptions.assets) m.scenarios.push(...(await runAssets(ctx, state)));
  m.scenarios.push(...(await runLimit(ctx)), ...(await runFloor(ctx)), ...(await runPeer(ctx)));
  m.paired = await runPaired(ctx, state);
  if (wants(options, 'cold')) {
    const cold = await runColdStarts(ctx, state);
    m.coldStarts = cold.coldStarts;
    m.coldStartBreakdown = cold.breakdown;
    m.ortColdStartBreakdown = cold.ortBreakdown;
  }
  if (wants(options, 'profile') && options.profileSeconds > 0) m.profile = await runProfile(ctx, state);
  if (wants(options, 'micro')) m.micro = await runMicro(ctx);

  const file = writeResult(ctx, assembleResult(ctx, m));
  console.log(`\nresults: ${file} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  return 0;
}

let code = 1;
try {
  code = await main();
} catch (error) {
  console.error(`\nbench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  code = 1;
} finally {
  await cleanupAll();
}
process.exit(code);
