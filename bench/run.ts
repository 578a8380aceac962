/**
 * `npm run bench [-- --quick]`: builds the Worker as it deploys, serves it on local workerd through
 * Miniflare's API (D1, R2 and Queues kept; migrations applied; ADMIN_TOKEN set), drives load from a separate
 * process at fixed concurrency, and measures it against two baselines in the same run — the bare model in a
 * Worker on the same workerd ("limit") and a plain Node server on onnxruntime-node ("peer") — plus cold
 * starts, memory, a CPU profile of the Worker under load and a micro-benchmark of the hot path's stages.
 * Writes bench/results/<time>.json and prints the tables (see BENCHMARKS.md).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, wants, type BenchOptions } from './lib/args.ts';
import { cleanupAll, freePort, installExitHandlers, onCleanup, onExitSync, runCommand, spawnNode, withTimeout } from './lib/children.ts';
import { runLoad, type LoadConfig, type MeasuredLoad } from './lib/load.ts';
import { describeMachine, rssParts, totalRss } from './lib/proc.ts';
import { breakdown, heapsByWorker, isolateHeap, loadLocator, startProfiling } from './lib/profile.ts';
import { checkTargets, formatReport, replaceResultsSection, type BenchResult, type ColdStartResult, type ColdStartRun, type MemoryResult, type ScenarioResult, type ServerKind } from './lib/report.ts';
import { ensurePeerRuntime, peerRuntimeDir, peerRuntimeVersion } from './peer/install.ts';
import { applyMigrations, buildWorker, serveWorker, wranglerWorkerOptions, type ServedWorker } from './lib/workers.ts';

const ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const MODEL = 'california-housing';
const PRIMARY = '2';
const SHADOW = '1';
const PREDICT_PATH = `/v1/models/${MODEL}/predict`;
const LIMIT_PATH = `/${MODEL}/${PRIMARY}`;
const JSON_HEADERS = { 'content-type': 'application/json' };

const started = performance.now();
function log(message: string): void {
  console.error(`[bench ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface GoldenExample {
  instance: Record<string, unknown>;
  expected: { value?: number };
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

function gitInfo(): BenchResult['git'] {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const status = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' });
    return { commit, changedFiles: status.split('\n').filter(Boolean).length };
  } catch {
    return { commit: null, changedFiles: null };
  }
}

function versions(): Record<string, string> {
  const out: Record<string, string> = { node: process.version };
  for (const pkg of ['miniflare', 'wrangler', 'workerd', 'onnxruntime-web', 'autocannon', 'hono']) {
    try {
      out[pkg] = readJson<{ version: string }>(join(ROOT, 'node_modules', pkg, 'package.json')).version;
    } catch {
      out[pkg] = 'missing';
    }
  }
  const peerDir = join(peerRuntimeDir(peerRuntimeVersion(ROOT)), 'node_modules', 'onnxruntime-node', 'package.json');
  out['onnxruntime-node'] = existsSync(peerDir) ? readJson<{ version: string }>(peerDir).version : 'not installed';
  return out;
}

/** Bindings for the benchmark: a fresh admin token; public predictions and no webhook whatever .dev.vars says. */
function benchBindings(workerOptions: Record<string, unknown>, adminToken: string): Record<string, string> {
  const bindings = { ...((workerOptions.bindings as Record<string, string> | undefined) ?? {}) };
  delete bindings.PREDICT_TOKENS;
  delete bindings.ALERT_WEBHOOK_URL;
  workerOptions.bindings = bindings;
  return { ADMIN_TOKEN: adminToken };
}

async function post(url: URL, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const response = await withTimeout(fetch(url, { method: 'POST', headers: { ...JSON_HEADERS, ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) }), 30_000, `POST ${url.pathname}`);
  return { status: response.status, text: await response.text() };
}

class Vigil {
  readonly worker: ServedWorker;
  readonly adminToken: string;

  constructor(worker: ServedWorker, adminToken: string) {
    this.worker = worker;
    this.adminToken = adminToken;
  }

  url(path: string): URL {
    return new URL(path, this.worker.directUrl);
  }

  async deployment(action: Record<string, unknown>, allowConflict = false): Promise<void> {
    const { status, text } = await post(this.url(`/admin/models/${MODEL}/deployment`), { ...action, reason: 'npm run bench', actor: 'bench' }, { authorization: `Bearer ${this.adminToken}` });
    if (status === 409 && allowConflict) return;
    if (status < 200 || status >= 300) throw new Error(`deployment change ${JSON.stringify(action)} answered ${status}: ${text.slice(0, 500)}`);
  }

  /** No shadows, no sampling: profiles only (they cannot be switched off). */
  async primaryOnly(): Promise<void> {
    await this.deployment({ action: 'clear_shadow', version: SHADOW }, true);
    await this.deployment({ action: 'sampling', sample_rate: 0 });
    currentDeployment = 'primary';
  }

  /** One shadow at 10 %, 1 % sampling, profiles on. */
  async fullPath(): Promise<void> {
    await this.deployment({ action: 'shadow', version: SHADOW, sample_rate: 0.1 });
    await this.deployment({ action: 'sampling', sample_rate: 0.01 });
    currentDeployment = 'full';
  }
}

const CENSUS_TABLES = ['prediction_samples', 'shadow_comparisons', 'feature_profiles', 'profile_bins', 'telemetry_batches'] as const;

/** Bytes of the files under `dir` (recursively). */
function directoryBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? directoryBytes(path) : statSync(path).size;
  }
  return total;
}

/**
 * What the telemetry left in D1: rows per table once the buffers have flushed and the queue has drained (the
 * message count stops changing), and the local D1 files' size.
 */
async function d1Census(worker: ServedWorker, persistPath: string): Promise<{ rows: Record<string, number>; d1Bytes: number; drained: boolean }> {
  const db = await worker.mf.getD1Database('DB');
  const count = async (table: string) => Number((await db.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>())?.n ?? 0);
  // The queue delivers batches after up to max_batch_timeout (5 s): drained once the count holds for 6 s.
  let last = -1;
  let stable = 0;
  let drained = false;
  for (let i = 0; i < 12 && !drained; i++) {
    const n = await count('telemetry_batches');
    stable = n === last ? stable + 1 : 0;
    drained = stable >= 2;
    last = n;
    if (!drained) await sleep(3000);
  }
  const rows: Record<string, number> = {};
  for (const table of CENSUS_TABLES) rows[table] = await count(table);
  let d1Bytes = 0;
  try {
    d1Bytes = directoryBytes(join(persistPath, 'd1'));
  } catch {
    d1Bytes = directoryBytes(persistPath);
  }
  return { rows, d1Bytes, drained };
}

/** Checks that the server answers the golden examples with the manifest's expected values. */
async function checkGolden(url: URL, golden: readonly GoldenExample[], tolerance: number, label: string): Promise<void> {
  const { status, text } = await post(url, { instances: golden.map((g) => g.instance) });
  if (status !== 200) throw new Error(`${label}: golden check answered ${status}: ${text.slice(0, 500)}`);
  const predictions = (JSON.parse(text) as { predictions: { value: number }[] }).predictions;
  golden.forEach((g, i) => {
    const got = predictions[i]?.value;
    const want = g.expected.value!;
    if (got === undefined || Math.abs(got - want) > tolerance * Math.max(1, Math.abs(want))) {
      throw new Error(`${label}: golden example ${i} predicted ${got}, the manifest expects ${want}`);
    }
  });
}

function loadConfig(url: URL, path: string, bodies: string[], options: BenchOptions, durationSeconds: number): LoadConfig {
  return { url: url.origin, path, headers: JSON_HEADERS, bodies, connections: options.connections, durationSeconds, timeoutSeconds: 10 };
}

/** Requests and instances Vigil answered under each deployment (warm-ups included), for the D1 census. */
const served = { full: { requests: 0, instances: 0 }, primary: { requests: 0, instances: 0 } };
let currentDeployment: keyof typeof served | null = null;

/** runLoad that also counts what Vigil answered under the current deployment. */
async function drive(config: LoadConfig, pids: () => readonly number[], instancesPerRequest: number): Promise<MeasuredLoad> {
  const load = await runLoad(config, pids);
  if (currentDeployment) {
    served[currentDeployment].requests += load.ok;
    served[currentDeployment].instances += load.ok * instancesPerRequest;
  }
  return load;
}

async function measure(
  id: string,
  label: string,
  server: ServerKind,
  setup: string,
  instancesPerRequest: number,
  config: LoadConfig,
  pids: () => readonly number[],
  warmupSeconds: number,
): Promise<ScenarioResult> {
  if (warmupSeconds > 0) await drive({ ...config, durationSeconds: warmupSeconds }, pids, instancesPerRequest);
  log(`${label}: ${config.durationSeconds} s at ${config.connections} connections`);
  const load: MeasuredLoad = await drive(config, pids, instancesPerRequest);
  const errors = load.non2xx + load.errors;
  log(`${label}: ${load.requestsPerSecond.toFixed(0)} req/s, p99 ${load.latency.p99Ms.toFixed(2)} ms, ${errors} errors, server CPU ${load.serverCpuShare.toFixed(2)} cores`);
  return { id, label, server, setup, instancesPerRequest, load, predictionsPerSecond: load.requestsPerSecond * instancesPerRequest };
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
  // Local D1/R2/Queue state lives on tmpfs when there is one: SQLite's fsyncs on a disk would stall workerd's
  // single thread (production's D1 is remote and never blocks the Worker).
  const scratch = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const workDir = mkdtempSync(join(scratch, 'vigil-bench-'));
  const removeWorkDir = () => rmSync(workDir, { recursive: true, force: true });
  onCleanup(removeWorkDir);
  onExitSync(removeWorkDir);
  const notes: string[] = [];

  const machine = { ...describeMachine(), loadAverageAtStart: loadavg(), loadAverageAtEnd: [] as number[] };
  if (machine.loadAverageAtStart[0]! > 0.5) {
    const warning = `the machine was busy when the run started (load average ${machine.loadAverageAtStart[0]!.toFixed(2)}): other processes compete with workerd and the load generator; see the "other CPU" column`;
    notes.push(warning);
    log(`warning: ${warning}`);
  }

  // Inputs: the golden instances of the primary model, cycled; the 100-instance bodies rotate through them.
  const modelDir = join(ROOT, 'models', MODEL, PRIMARY);
  const manifest = readJson<{ golden: GoldenExample[]; golden_tolerance?: { absolute?: number; relative?: number } | number }>(join(modelDir, 'manifest.json'));
  const golden = manifest.golden;
  const singleBodies = golden.map((g) => JSON.stringify({ instances: [g.instance] }));
  const batchBodies = golden.map((_, k) => JSON.stringify({ instances: Array.from({ length: 100 }, (__, i) => golden[(k + i) % golden.length]!.instance) }));
  const tolerance = 1e-3;

  log('building: vigil prepare, then wrangler deploy --dry-run for the service and the limit Worker');
  const [vigilBundle, limitBundle, vigilOptions, limitOptions] = await withTimeout(
    (async () => {
      // `vigil prepare` (formerly `models:index`) generates the bundled-model index and stages public/.
      await runCommand(process.execPath, [join(ROOT, 'cli', 'vigil.js'), 'prepare'], { cwd: ROOT }).catch(() =>
        runCommand(process.execPath, [join(ROOT, 'cli', 'vigil.js'), 'models:index'], { cwd: ROOT }),
      );
      const vigil = await buildWorker(ROOT, join(ROOT, 'wrangler.toml'), join(workDir, 'vigil-bundle'));
      const limit = await buildWorker(ROOT, join(ROOT, 'bench', 'limit', 'wrangler.toml'), join(workDir, 'limit-bundle'));
      return [vigil, limit, await wranglerWorkerOptions(join(ROOT, 'wrangler.toml')), await wranglerWorkerOptions(join(ROOT, 'bench', 'limit', 'wrangler.toml'))] as const;
    })(),
    300_000,
    'build',
  );
  log(`built: service ${(vigilBundle.bytes / 1024 ** 2).toFixed(1)} MB, limit ${(limitBundle.bytes / 1024 ** 2).toFixed(1)} MB (uncompressed, with WASM and models)`);

  if (vigilOptions.assets) {
    notes.push(
      "wrangler.toml declares [assets]; the Vigil scenarios serve the Worker without Miniflare's simulated asset routing, which runs as extra JS workers in the same single-threaded workerd (in production Cloudflare matches assets before the Worker, outside its CPU time); the scenario \"behind local asset routing\" measures what that simulation costs",
    );
  }
  const adminToken = crypto.randomUUID();
  const vigilBindings = benchBindings(vigilOptions, adminToken);
  const statePath = join(workDir, 'vigil-state');
  const scenarios: ScenarioResult[] = [];
  const coldStarts: ColdStartResult[] = [];
  let memory: MemoryResult | null = null;
  let census: Awaited<ReturnType<typeof d1Census>> | null = null;
  const workerLog = { lines: 0, warnings: [] as string[] };
  const serveVigil = (extra: { persistPath?: string; inspectorPort?: number } = {}) =>
    serveWorker({ bundle: vigilBundle, workerOptions: vigilOptions, bindings: vigilBindings, persistPath: extra.persistPath ?? statePath, ...(extra.inspectorPort ? { inspectorPort: extra.inspectorPort } : {}) });

  // ---- Vigil: setup (also leaves the D1 state cold starts and the profile reuse) and the load scenarios.
  {
    log('serving Vigil on workerd (Miniflare API, D1/R2/Queues local)');
    // The inspector is only used between phases, to read the isolate's heap; no session is open under load.
    const inspectorPort = await freePort();
    const heap = async () => (await isolateHeap(inspectorPort, 'core:user:bench'))?.usedBytes ?? null;
    const worker = await serveVigil({ inspectorPort });
    const vigil = new Vigil(worker, adminToken);
    const pids = () => worker.pids;
    const migrated = await applyMigrations(worker.mf, 'DB', join(ROOT, 'migrations'));
    log(`applied ${migrated} migration statements`);
    const afterStartBytes = totalRss(worker.pids);
    // The first deployment change bootstraps the default (primary v1, v2 shadow) and QA-gates the bundled versions.
    await vigil.deployment({ action: 'promote', version: PRIMARY });
    await checkGolden(vigil.url(PREDICT_PATH), golden, tolerance, 'Vigil');
    await vigil.fullPath();

    if (wants(options, 'vigil')) {
      const single = loadConfig(worker.directUrl, PREDICT_PATH, singleBodies, options, options.durationSeconds);
      const warmupSeconds = Math.max(3, options.warmupSeconds);
      log(`warming up Vigil (${warmupSeconds} s, full path)`);
      await drive({ ...single, durationSeconds: warmupSeconds }, pids, 1);
      await sleep(1000);
      const afterWarmupBytes = totalRss(worker.pids);
      const partsAfterWarmup = rssParts(worker.pids);
      const heapAfterWarmup = await heap();
      const heapsAfterWarmup = await heapsByWorker(inspectorPort);
      let loadSeconds = 0;
      if (options.soakSeconds > 0) {
        scenarios.push(await measure('vigil-soak', `Vigil full path, ${options.soakSeconds} s soak`, 'vigil', 'primary v2, shadow v1 at 10 %, sampling 1 %, profiles', 1, { ...single, durationSeconds: options.soakSeconds }, pids, 0));
        loadSeconds += options.soakSeconds;
      }
      const afterSoakBytes = totalRss(worker.pids);
      const partsAfterSoak = rssParts(worker.pids);
      const heapAfterSoak = options.soakSeconds > 0 ? await heap() : null;
      const heapsAfterSoak = options.soakSeconds > 0 ? await heapsByWorker(inspectorPort) : null;

      await vigil.primaryOnly();
      scenarios.push(await measure('vigil-primary', 'Vigil primary only', 'vigil', 'primary v2, no shadow, sampling 0, profiles', 1, single, pids, options.warmupSeconds));
      await vigil.fullPath();
      scenarios.push(await measure('vigil-full', 'Vigil full path', 'vigil', 'primary v2, shadow v1 at 10 %, sampling 1 %, profiles', 1, single, pids, options.warmupSeconds));
      const batch = loadConfig(worker.directUrl, PREDICT_PATH, batchBodies, options, options.durationSeconds);
      scenarios.push(await measure('vigil-batch100', 'Vigil full path, 100 instances', 'vigil', 'primary v2, shadow v1 at 10 %, sampling 1 %, profiles', 100, batch, pids, options.warmupSeconds));
      if (options.soakSeconds === 0) loadSeconds += 3 * (options.durationSeconds + options.warmupSeconds);
      const afterLoadBytes = options.soakSeconds > 0 ? afterSoakBytes : totalRss(worker.pids);
      const partsAfterLoad = options.soakSeconds > 0 ? partsAfterSoak : rssParts(worker.pids);
      const heapAfterLoad = options.soakSeconds > 0 ? heapAfterSoak : await heap();
      const heapsAfterLoad = heapsAfterSoak ?? (await heapsByWorker(inspectorPort));
      // Idle until the telemetry has flushed (5 s) and the queue has drained into D1; then count what D1 holds.
      log('idling until telemetry has flushed and the queue has drained');
      census = await d1Census(worker, statePath);
      log(`D1 after the run: ${JSON.stringify(census.rows)}; ${(census.d1Bytes / 1024 ** 2).toFixed(1)} MB on disk`);
      const peaks = scenarios.filter((s) => s.server === 'vigil').map((s) => s.load.serverRss?.max ?? 0);
      memory = {
        afterStartBytes,
        afterWarmupBytes,
        peakBytes: peaks.length ? Math.max(...peaks) : null,
        afterLoadBytes,
        afterIdleBytes: totalRss(worker.pids),
        loadSecondsAfterWarmup: loadSeconds,
        growth: afterWarmupBytes && afterLoadBytes ? afterLoadBytes / afterWarmupBytes - 1 : null,
        isTwoMinuteFigure: options.soakSeconds >= 120,
        isolateHeap: { afterWarmupBytes: heapAfterWarmup, afterLoadBytes: heapAfterLoad, afterIdleBytes: await heap() },
        heapsByWorker: { afterWarmup: heapsAfterWarmup, afterLoad: heapsAfterLoad },
        rssParts: { afterWarmup: partsAfterWarmup, afterLoad: partsAfterLoad },
        storage: `${statePath.startsWith('/dev/shm') ? 'tmpfs' : 'disk'} (${statePath})`,
      };
    }
    currentDeployment = null;
    workerLog.lines += worker.logLines;
    workerLog.warnings.push(...worker.errorLines);
    await worker.dispose();
  }

  // ---- the same full path behind Miniflare's simulated static-asset routing (wrangler.toml [assets]).
  if (wants(options, 'assets') && vigilOptions.assets) {
    log('serving Vigil with its [assets] as Miniflare simulates them (asset router workers in front)');
    const worker = await serveWorker({ bundle: vigilBundle, workerOptions: vigilOptions, bindings: vigilBindings, persistPath: statePath, withAssets: true });
    try {
      const vigil = new Vigil(worker, adminToken);
      await vigil.fullPath().catch(() => undefined); // already the stored deployment; a 409 changes nothing
      currentDeployment = null;
      scenarios.push(
        await measure('vigil-full-assets', 'Vigil full path behind local asset routing', 'vigil', 'as "Vigil full path", plus Miniflare\'s asset router workers in front (local only)', 1, loadConfig(worker.directUrl, PREDICT_PATH, singleBodies, options, options.durationSeconds), () => worker.pids, options.warmupSeconds),
      );
    } finally {
      await worker.dispose();
    }
  }

  // ---- limit: the bare model in a Worker on the same workerd.
  if (wants(options, 'limit')) {
    log('serving the limit Worker on workerd');
    const worker = await serveWorker({ bundle: limitBundle, workerOptions: limitOptions });
    const url = new URL(LIMIT_PATH, worker.directUrl);
    await checkGolden(url, golden, tolerance, 'limit');
    const pids = () => worker.pids;
    scenarios.push(await measure('limit-single', 'limit (bare Worker + ORT)', 'limit', 'JSON → encode → ORT → JSON, no validation, routing or telemetry', 1, loadConfig(worker.directUrl, LIMIT_PATH, singleBodies, options, options.durationSeconds), pids, options.warmupSeconds));
    scenarios.push(await measure('limit-batch100', 'limit, 100 instances', 'limit', 'JSON → encode → ORT → JSON, no validation, routing or telemetry', 100, loadConfig(worker.directUrl, LIMIT_PATH, batchBodies, options, options.durationSeconds), pids, options.warmupSeconds));
    await worker.dispose();
  }

  // ---- peer: plain Node http + onnxruntime-node.
  if (wants(options, 'peer')) {
    const runtimeDir = await ensurePeerRuntime(ROOT, log);
    log('starting the peer (node:http + onnxruntime-node)');
    let portLine: (port: number) => void = () => undefined;
    const portReady = new Promise<number>((resolve) => (portLine = resolve));
    const peer = spawnNode(join(ROOT, 'bench', 'peer', 'server.ts'), [modelDir, join(ROOT, 'models', MODEL, SHADOW)], {
      env: { ...process.env, VIGIL_PEER_RUNTIME_DIR: runtimeDir },
      onLine: (line) => {
        try {
          const port = (JSON.parse(line) as { port?: number }).port;
          if (port) portLine(port);
        } catch {
          // not the port line
        }
      },
    });
    const port = await withTimeout(Promise.race([portReady, peer.exited.then((e) => Promise.reject(new Error(`the peer exited with ${e.code}: ${e.stderr.slice(-2000)}`)))]), 60_000, 'peer start');
    const peerUrl = new URL(`http://127.0.0.1:${port}`);
    await checkGolden(new URL(LIMIT_PATH, peerUrl), golden, tolerance, 'peer');
    const pids = () => [peer.child.pid!];
    scenarios.push(await measure('peer-single', 'peer (node:http + onnxruntime-node)', 'peer', 'JSON → validate → encode → ORT native (1 thread) → JSON', 1, loadConfig(peerUrl, LIMIT_PATH, singleBodies, options, options.durationSeconds), pids, options.warmupSeconds));
    scenarios.push(await measure('peer-batch100', 'peer, 100 instances', 'peer', 'JSON → validate → encode → ORT native (1 thread) → JSON', 100, loadConfig(peerUrl, LIMIT_PATH, batchBodies, options, options.durationSeconds), pids, options.warmupSeconds));
    await peer.stop();
  }

  // ---- cold starts: a new runtime each time, time to the first successful prediction.
  if (wants(options, 'cold')) {
    const coldRun = async (serve: () => Promise<ServedWorker>, url: (w: ServedWorker) => URL, body: string, beforeFirst?: (w: ServedWorker) => Promise<void>): Promise<ColdStartRun> => {
      const t0 = performance.now();
      const worker = await serve();
      try {
        const t1 = performance.now();
        if (beforeFirst) await beforeFirst(worker);
        const t2 = performance.now();
        const { status, text } = await post(url(worker), body);
        const t3 = performance.now();
        if (status !== 200) throw new Error(`first prediction answered ${status}: ${text.slice(0, 300)}`);
        return { runtimeReadyMs: t1 - t0, firstPredictionMs: t3 - t2, totalMs: t3 - t0 - (t2 - t1) };
      } finally {
        await worker.dispose();
      }
    };
    const repeat = async (id: string, label: string, n: number, once: () => Promise<ColdStartRun>): Promise<void> => {
      const result: ColdStartResult = { id, label, runs: [], failures: [] };
      for (let i = 0; i < n; i++) {
        try {
          result.runs.push(await withTimeout(once(), 120_000, `${label} #${i + 1}`));
        } catch (error) {
          result.failures.push(String(error).slice(0, 500));
        }
      }
      const firsts = result.runs.map((r) => r.firstPredictionMs.toFixed(0)).join(', ');
      log(`${label}: first prediction ${firsts} ms${result.failures.length ? `; ${result.failures.length} failed: ${result.failures[0]}` : ''}`);
      coldStarts.push(result);
    };
    log(`cold starts: ${options.coldStartRepetitions} × Vigil (deployed: D1 already has the registry and deployment)`);
    await repeat('vigil-cold', 'Vigil, deployed (D1 has registry + deployment)', options.coldStartRepetitions, () => coldRun(() => serveVigil(), (w) => new URL(PREDICT_PATH, w.directUrl), singleBodies[0]!));
    await repeat('vigil-first-deploy', 'Vigil, first use after deploy (empty D1: registers and QA-gates bundled versions)', options.firstDeployRepetitions, () => {
      const fresh = mkdtempSync(join(workDir, 'fresh-'));
      return coldRun(() => serveVigil({ persistPath: fresh }), (w) => new URL(PREDICT_PATH, w.directUrl), singleBodies[0]!, async (w) => void (await applyMigrations(w.mf, 'DB', join(ROOT, 'migrations'))));
    });
    await repeat('limit-cold', 'limit Worker', options.quick ? Math.min(2, options.coldStartRepetitions) : options.coldStartRepetitions, () => coldRun(() => serveWorker({ bundle: limitBundle, workerOptions: limitOptions }), (w) => new URL(LIMIT_PATH, w.directUrl), singleBodies[0]!));
  }

  // ---- where the time goes, inside workerd: a CPU profile of the Worker's isolate under full-path load.
  let profile: unknown = null;
  if (wants(options, 'profile') && options.profileSeconds > 0) {
    try {
      const inspectorPort = await freePort();
      const worker = await serveVigil({ inspectorPort });
      try {
        const pids = () => worker.pids;
        const config = loadConfig(worker.directUrl, PREDICT_PATH, singleBodies, options, 2);
        await runLoad(config, pids);
        log(`profiling the Worker isolate: ${options.profileSeconds} s of full-path load with 1, then 100 instances per request`);
        const locator = loadLocator(join(vigilBundle.dir, `${vigilBundle.entry}.map`));
        const profileRun = async (bodies: string[], instances: number) => {
          const stop = await startProfiling(inspectorPort, ['core:user:bench']);
          const load = await runLoad({ ...config, bodies, durationSeconds: options.profileSeconds }, pids);
          const cpu = (await stop()).get('core:user:bench')!;
          const b = breakdown(cpu, locator, vigilBundle.entry);
          const perRequest = (ms: number) => (ms * 1000) / Math.max(1, load.ok);
          const sorted = (record: Record<string, number>) => Object.fromEntries(Object.entries(record).sort((x, y) => y[1] - x[1]).map(([k, v]) => [k, perRequest(v)]));
          return {
            instancesPerRequest: instances,
            requests: load.ok,
            requestsPerSecondUnderProfiler: load.requestsPerSecond,
            serverCpuUsPerRequest: (load.serverCpuSeconds * 1e6) / Math.max(1, load.ok),
            wallMs: b.wallMs,
            usPerRequest: sorted(b.categories),
            usPerRequestByVigilFile: sorted(b.owners),
            topFunctions: b.topFunctions.map((f) => ({ ...f, usPerRequest: perRequest(f.ms) })),
          };
        };
        profile = { single: await profileRun(singleBodies, 1), batch100: await profileRun(batchBodies, 100) };
      } finally {
        await worker.dispose();
      }
    } catch (error) {
      notes.push(`the workerd CPU profile failed: ${String(error).slice(0, 300)}`);
      log(`profile failed: ${String(error)}`);
    }
  }

  // ---- where the time goes, stage by stage: the same pure modules and ORT WASM build in Node.
  let micro: unknown = null;
  if (wants(options, 'micro')) {
    log('micro-benchmark of the hot-path stages (Node, same modules and ORT WASM build)');
    const child = spawnNode(join(ROOT, 'bench', 'hot-path.ts'), [modelDir, join(ROOT, 'models', MODEL, SHADOW), String(options.microBudgetMs)]);
    try {
      const exited = await withTimeout(child.exited, 180_000, 'hot-path micro-benchmark');
      micro = JSON.parse(exited.stdout.trim().split('\n').pop() ?? 'null');
    } catch (error) {
      await child.stop();
      notes.push(`the hot-path micro-benchmark failed: ${String(error).slice(0, 300)}`);
    }
  }

  machine.loadAverageAtEnd = loadavg();
  const busy = scenarios.filter((s) => (s.load.otherCpuShare ?? 0) > 0.15);
  if (busy.length) notes.push(`other processes used more than 0.15 cores during: ${busy.map((s) => `${s.label} (${s.load.otherCpuShare!.toFixed(2)})`).join(', ')}; those figures are disturbed`);
  if (workerLog.warnings.length) notes.push(`the Worker logged ${workerLog.warnings.length} warning/error lines during the run; first: ${workerLog.warnings[0]!.slice(0, 300)}`);

  const result: BenchResult = {
    schema: 1,
    mode: options.quick ? 'quick' : 'full',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine,
    git: gitInfo(),
    versions: versions(),
    model: { name: MODEL, primary: PRIMARY, shadow: SHADOW, inputs: `the ${golden.length} golden instances of v${PRIMARY}'s manifest, cycled (100-instance bodies rotate through them)` },
    options: { connections: options.connections, durationSeconds: options.durationSeconds, warmupSeconds: options.warmupSeconds, soakSeconds: options.soakSeconds },
    bundles: { vigilBytes: vigilBundle.bytes, limitBytes: limitBundle.bytes },
    scenarios,
    coldStarts,
    memory,
    hotPath: { profile, micro },
    telemetry: census ? { ...census, served } : null,
    workerLog,
    targets: [],
    notes,
  };
  result.targets = checkTargets(result);

  const resultsDir = join(ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${startedAt.toISOString().replace(/[:.]/g, '-')}${options.quick ? '-quick' : ''}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  const report = formatReport(result);
  if (options.writeBenchmarks) {
    const doc = join(ROOT, 'BENCHMARKS.md');
    let text = '';
    try {
      text = readFileSync(doc, 'utf8');
    } catch {
      text = '# Benchmarks\n';
    }
    writeFileSync(doc, replaceResultsSection(text, `Results of \`${file.slice(ROOT.length + 1)}\`:\n\n${report}`));
  }
  console.log(`\n${report}\n`);
  console.log(formatHotPath(profile, micro));
  console.log(`\nresults: ${file.slice(ROOT.length + 1)} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  return 0;
}

interface ProfileSummary {
  instancesPerRequest: number;
  usPerRequest: Record<string, number>;
  usPerRequestByVigilFile: Record<string, number>;
  serverCpuUsPerRequest: number;
  requestsPerSecondUnderProfiler: number;
  topFunctions: { name: string; source: string; usPerRequest: number }[];
}

/** The hot-path findings as text: workerd profile by category and the micro-benchmark stages. */
function formatHotPath(profile: unknown, micro: unknown): string {
  const lines: string[] = [];
  const profiles = profile ? Object.values(profile as Record<string, ProfileSummary>) : [];
  for (const p of profiles) {
    lines.push(
      `Where the time goes inside workerd: CPU profile of the Worker isolate, full path, ${p.instancesPerRequest} instance(s) per request, ` +
        `${p.requestsPerSecondUnderProfiler.toFixed(0)} req/s under the profiler; the workerd process used ${p.serverCpuUsPerRequest.toFixed(0)} µs CPU per request.`,
    );
    lines.push('');
    lines.push('| category (self time) | µs per request |');
    lines.push('| --- | ---: |');
    for (const [k, v] of Object.entries(p.usPerRequest)) lines.push(`| ${k} | ${v.toFixed(1)} |`);
    lines.push('');
    lines.push('| Vigil file (inclusive of the library and native code it calls) | µs per request |');
    lines.push('| --- | ---: |');
    for (const [k, v] of Object.entries(p.usPerRequestByVigilFile).slice(0, 16)) lines.push(`| ${k} | ${v.toFixed(1)} |`);
    lines.push('');
    lines.push('| top functions (self time) | source | µs per request |');
    lines.push('| --- | --- | ---: |');
    for (const f of p.topFunctions.slice(0, 12)) lines.push(`| ${f.name} | ${f.source} | ${f.usPerRequest.toFixed(1)} |`);
    lines.push('');
  }
  const m = micro as { model: string; timings: { stage: string; instances: number; us: number | null; error?: string }[] } | null;
  if (m) {
    lines.push('');
    lines.push(`Hot-path stages in Node (${m.model}; µs per request):`);
    lines.push('| stage | 1 instance | 100 instances |');
    lines.push('| --- | ---: | ---: |');
    const stages = [...new Set(m.timings.map((t) => t.stage))];
    for (const stage of stages) {
      const cell = (n: number) => {
        const t = m.timings.find((x) => x.stage === stage && (x.instances === n || (n === 1 && x.instances <= 1)));
        return t ? (t.us === null ? `failed: ${t.error ?? ''}` : t.us.toFixed(2)) : '–';
      };
      lines.push(`| ${stage} | ${cell(1)} | ${cell(100)} |`);
    }
  }
  return lines.join('\n');
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
