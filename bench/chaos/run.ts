/**
 * `npm run chaos [-- --quick | --soak | --help]`: the real Worker on local workerd (Miniflare's API, built as
 * `wrangler deploy --dry-run` builds it, as `npm run bench` does) with its bindings wrapped to fail on a schedule
 * (bench/chaos/worker.ts), while load runs from a separate process. Per fault: the predictions answered and their
 * status codes, 5xx, telemetry sent vs stored vs counted as dropped once the fault is lifted, alerts, the canary's
 * state. `--soak`: minutes of full-path load with the isolate's V8 heap and per-isolate maps sampled. Prints the
 * tables and writes bench/results/chaos-<time>.json. Exit code 0 when the run completed, even with targets
 * missed (marked MISSED); non-zero only when the harness itself failed.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupAll, freePort, installExitHandlers, onCleanup, onExitSync, runCommand, withTimeout } from '../lib/children.ts';
import type { LoadConfig } from '../lib/load.ts';
import { describeMachine } from '../lib/proc.ts';
import { gitInfo, packageVersions, type GitInfo } from '../lib/provenance.ts';
import { applyMigrations, buildWorker, serveWorker, wranglerWorkerOptions, type Bundle, type ServedWorker } from '../lib/workers.ts';
import { parseChaosArgs, UsageRequested, type ChaosOptions, type PhaseName } from './options.ts';
import { FaultPhases, type PhaseContext, type PhaseResult, type PushedVersion, type Target } from './phases.ts';
import { formatFaultCalls, formatPhases, formatSoak, formatTargets, formatWorkerLogs, mark } from './report.ts';
import { runSoak, type SoakResult } from './soak.ts';
import { ChaosVigil } from './vigil-client.ts';
import { AlertWebhook } from './webhook.ts';

const ROOT = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
const CHAOS_CONFIG = join(ROOT, 'bench', 'chaos', 'wrangler.toml');
const MODEL = 'california-housing';
const PRIMARY = '1';
const SHADOW = '2';
/** First retry delay of a telemetry message D1 refused: 1 s instead of 30 s, so recovery shows within the run. */
const TELEMETRY_RETRY_SECONDS = '1';

const started = performance.now();
function log(message: string): void {
  console.error(`[chaos ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}`);
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** Secrets a local .dev.vars may add to the service's bindings (the runner sets its own). */
const SECRETS = ['ADMIN_TOKEN', 'PREDICT_TOKENS', 'FEEDBACK_TOKENS', 'PII_HASH_KEY', 'ALERT_WEBHOOK_URL'];

function withoutSecrets(bindings: unknown): unknown {
  if (typeof bindings !== 'object' || bindings === null) return bindings ?? null;
  return Object.fromEntries(Object.entries(bindings).filter(([k]) => !SECRETS.includes(k)));
}

/**
 * Differences between the chaos Worker's wrangler config and the service's, in what Miniflare serves (bindings,
 * queues, module rules, compatibility): the chaos run must test the same Worker.
 */
function configDrift(service: Record<string, unknown>, chaos: Record<string, unknown>): string[] {
  const drift: string[] = [];
  const keys = new Set([...Object.keys(service), ...Object.keys(chaos)]);
  for (const key of keys) {
    if (['name', 'assets', 'rootPath', 'modules', 'modulesRoot', 'main', 'scriptPath'].includes(key)) continue;
    const a = JSON.stringify(key === 'bindings' ? withoutSecrets(service[key]) : (service[key] ?? null));
    const b = JSON.stringify(key === 'bindings' ? withoutSecrets(chaos[key]) : (chaos[key] ?? null));
    if (a !== b) drift.push(`${key}: wrangler.toml ${a.slice(0, 200)} vs bench/chaos/wrangler.toml ${b.slice(0, 200)}`);
  }
  return drift;
}

/** A copy of a bundled version under a new version number, with bytes of its own (an extra ONNX doc_string). */
function pushedCopy(fromVersion: string, version: string, purpose: string): PushedVersion {
  const dir = join(ROOT, 'models', MODEL, fromVersion);
  const manifest = readJson<Record<string, unknown> & { artifact: { sha256: string; bytes: number } }>(join(dir, 'manifest.json'));
  const original = readFileSync(join(dir, 'model.onnx'));
  // ModelProto field 6 (doc_string), appended: protobuf merges it; the graph is untouched, the sha256 differs.
  const note = Buffer.from(`vigil chaos: ${purpose} (copy of v${fromVersion})`, 'utf8');
  if (note.length > 127) throw new Error('doc_string note too long for a one-byte length');
  const bytes = new Uint8Array(Buffer.concat([original, Buffer.from([0x32, note.length]), note]));
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return {
    version,
    sha256,
    bytes,
    manifest: { ...manifest, version, artifact: { ...manifest.artifact, sha256, bytes: bytes.byteLength } },
  };
}

interface ChaosResult {
  schema: 1;
  kind: 'chaos';
  mode: 'quick' | 'full';
  run: 'faults' | 'soak';
  startedAt: string;
  finishedAt: string;
  machine: ReturnType<typeof describeMachine> & { loadAverageAtStart: number[]; loadAverageAtEnd: number[] };
  git: GitInfo;
  versions: Record<string, string>;
  options: Omit<ChaosOptions, 'only'> & { only: string[] | null };
  settings: Record<string, string>;
  model: { name: string; primary: string; shadow: string; inputs: string };
  setup: Record<string, unknown>;
  phases: PhaseResult[];
  soak: SoakResult | null;
  targets: { group: string; name: string; target: string; value: string; met: boolean }[];
  missed: number;
  workerLog: { lines: number; warningsAndErrors: number; distinctMessages: Record<string, number> };
  tables: string;
  notes: string[];
}

/** Log lines the Worker wrote at warn/error level, by their `message` field (first 200 lines kept by serveWorker). */
function distinctMessages(lines: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of lines) {
    const json = line.slice(line.indexOf(':') + 1).trim();
    let key = line.slice(0, 120);
    try {
      const parsed = JSON.parse(json) as { message?: string; level?: string };
      if (parsed.message) key = `${parsed.level ?? ''} ${parsed.message}`.trim();
    } catch {
      // not JSON
    }
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

async function main(): Promise<number> {
  let options: ChaosOptions;
  try {
    options = parseChaosArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageRequested) {
      console.log(error.message);
      return 0;
    }
    console.error((error as Error).message);
    return 2;
  }
  installExitHandlers();
  const startedAt = new Date();
  // State on tmpfs when there is one (as npm run bench does): SQLite's fsyncs on a disk would stall workerd.
  const scratch = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const workDir = mkdtempSync(join(scratch, 'vigil-chaos-'));
  const removeWorkDir = () => rmSync(workDir, { recursive: true, force: true });
  onCleanup(removeWorkDir);
  onExitSync(removeWorkDir);
  const notes: string[] = [];
  const machine = { ...describeMachine(), loadAverageAtStart: loadavg(), loadAverageAtEnd: [] as number[] };
  if (machine.loadAverageAtStart[0]! > 0.5)
    notes.push(
      `the machine was busy when the run started (load average ${machine.loadAverageAtStart[0]!.toFixed(2)}); ` +
        'latencies and throughput are disturbed, the accounting is not',
    );

  log('building: vigil prepare, then wrangler deploy --dry-run of bench/chaos/wrangler.toml');
  const { bundle, workerOptions, drift } = await withTimeout(
    (async () => {
      await runCommand(process.execPath, [join(ROOT, 'cli', 'vigil.js'), 'prepare'], { cwd: ROOT });
      const built: Bundle = await buildWorker(ROOT, CHAOS_CONFIG, join(workDir, 'bundle'));
      const chaosOptions = await wranglerWorkerOptions(CHAOS_CONFIG);
      // The chaos Worker is the serving Worker and the telemetry Worker in one (faults reach both): compare it
      // with the pair.
      const serving = await wranglerWorkerOptions(join(ROOT, 'wrangler.toml'));
      const telemetry = await wranglerWorkerOptions(join(ROOT, 'wrangler.telemetry.toml'));
      const serviceOptions = {
        ...serving,
        queueProducers: { ...(serving.queueProducers as object), ...(telemetry.queueProducers as object) },
        queueConsumers: { ...(serving.queueConsumers as object), ...(telemetry.queueConsumers as object) },
      };
      return { bundle: built, workerOptions: chaosOptions, drift: configDrift(serviceOptions, chaosOptions) };
    })(),
    300_000,
    'build',
  );
  log(`built: ${(bundle.bytes / 1024 ** 2).toFixed(1)} MB (uncompressed, with WASM and models)`);
  if (drift.length) {
    notes.push(`bench/chaos/wrangler.toml differs from wrangler.toml in what Miniflare serves: ${drift.join('; ')}`);
    log(`warning: config drift: ${drift.join('; ')}`);
  }

  const webhook = new AlertWebhook();
  await webhook.start();
  const adminToken = crypto.randomUUID();
  const baseBindings = { ...((workerOptions.bindings as Record<string, string> | undefined) ?? {}) };
  delete baseBindings.PREDICT_TOKENS;
  workerOptions.bindings = baseBindings;
  const bindings = { ADMIN_TOKEN: adminToken, ALERT_WEBHOOK_URL: webhook.url, TELEMETRY_RETRY_SECONDS };
  const settings = {
    ...baseBindings,
    ...bindings,
    ADMIN_TOKEN: '(random, 36 characters)',
    ALERT_WEBHOOK_URL: "(the runner's webhook server)",
  };
  const statePath = join(workDir, 'state');
  const inspectorPort = await freePort();
  const serve = () => serveWorker({ bundle, workerOptions, bindings, persistPath: statePath, inspectorPort });
  const workerLog = { lines: 0, errorLines: [] as string[] };
  const retire = async (worker: ServedWorker) => {
    workerLog.lines += worker.logLines;
    workerLog.errorLines.push(...worker.errorLines);
    await worker.dispose();
  };

  const manifest = readJson<{ golden: { instance: Record<string, unknown> }[]; monitoring?: { min_samples?: number } }>(
    join(ROOT, 'models', MODEL, PRIMARY, 'manifest.json'),
  );
  const golden = manifest.golden.map((g) => g.instance);
  const bodies = golden.map((instance) => JSON.stringify({ instances: [instance] }));
  const shadowManifest = readJson<{ artifact: { sha256: string } }>(join(ROOT, 'models', MODEL, SHADOW, 'manifest.json'));
  const loadConfigOf = (worker: ServedWorker, seconds: number): LoadConfig => ({
    url: worker.directUrl.origin,
    path: `/v1/models/${MODEL}/predict`,
    headers: { 'content-type': 'application/json' },
    bodies,
    connections: options.connections,
    durationSeconds: seconds,
    timeoutSeconds: 10,
  });

  const phases: PhaseResult[] = [];
  let soak: SoakResult | null = null;
  const setup: Record<string, unknown> = {};

  log('serving the chaos Worker on workerd (Miniflare API; D1, R2 and queues persisted in a temp dir)');
  let worker = await serve();
  setup.migrationStatements = await applyMigrations(worker.mf, 'DB', join(ROOT, 'migrations'));
  let vigil = new ChaosVigil(worker, adminToken, MODEL);

  if (options.soak) {
    soak = await runSoak(vigil, options, loadConfigOf(worker, options.soakSeconds), inspectorPort, log);
    await retire(worker);
  } else {
    // Every request logged (sample rate 1); the default deployment shadows v2 on every request.
    const deployment = await vigil.changeDeployment({ action: 'sampling', sample_rate: 1 });
    if (deployment.primary !== PRIMARY || !deployment.shadows.some((s) => s.version === SHADOW && s.sample_rate >= 1)) {
      throw new Error(
        `unexpected default deployment of ${MODEL}: ${JSON.stringify(deployment)} (expected primary v${PRIMARY}, ` +
          `shadow v${SHADOW} at 100 %)`,
      );
    }
    const pinned = pushedCopy(PRIMARY, '3', 'pinned while R2 fails');
    const canary = pushedCopy(PRIMARY, '4', 'failing canary');
    const pushDuringOutage = pushedCopy(PRIMARY, '5', 'pushed while R2 fails');
    for (const pkg of [pinned, canary]) {
      const res = await vigil.push(pkg.version, pkg.manifest, pkg.bytes);
      if (res.status !== 201) throw new Error(`push of v${pkg.version} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 500)}`);
    }
    // The ORT fault applies to versions on ONNX Runtime: the failing canary is put there as an operator would.
    const canaryEngine = await vigil.setEngine(canary.version, 'onnxruntime');
    setup.engines = Object.fromEntries(
      await Promise.all([PRIMARY, SHADOW, pinned.version, canary.version].map(async (v) => [`v${v}`, await vigil.engineOf(v)] as const)),
    );
    if (canaryEngine === null)
      notes.push('this build has no engine choice (PUT …/engine is not a route): every version runs on ONNX Runtime');
    setup.deployment = deployment;
    setup.pushed = {
      pinned: { version: pinned.version, sha256: pinned.sha256 },
      canary: { version: canary.version, sha256: canary.sha256 },
    };
    // A new isolate: the pushed versions' bytes are now only in R2, nothing is loaded.
    log('restarting workerd so the serving isolate has loaded nothing pushed');
    await retire(worker);
    worker = await serve();
    vigil = new ChaosVigil(worker, adminToken, MODEL);

    const ctx: PhaseContext = {
      vigil,
      webhook,
      options,
      model: MODEL,
      primary: PRIMARY,
      shadow: { version: SHADOW, sha256: shadowManifest.artifact.sha256 },
      pinned,
      canary,
      pushDuringOutage,
      golden,
      bodies,
      minSamples: manifest.monitoring?.min_samples ?? 100,
      log,
    };
    const faults = new FaultPhases(ctx);
    log(`warm-up: ${options.warmupSeconds} s at ${options.connections} connections`);
    if (options.warmupSeconds > 0) {
      const warm = await faults.warmup();
      setup.warmup = { requests: warm.requests, ok: warm.ok, statusCodes: warm.statusCodes };
    }
    // The failing canary runs second: the alert dispatcher keeps quiet for 60 s after the hanging webhook's timeout,
    // and redelivery is checked at the end, once that has passed, without waiting for it.
    const order: [PhaseName, () => Promise<PhaseResult>][] = [
      ['baseline', () => faults.baseline()],
      ['failing-canary-hanging-webhook', () => faults.failingCanary()],
      ['ort-fails-for-shadow', () => faults.ortFailsForShadow()],
      ['d1-errors', () => faults.d1Errors()],
      ['d1-stalls', () => faults.d1Stalls()],
      ['queue-send-failures', () => faults.queueSendFailures()],
      ['queue-stalls', () => faults.queueStalls()],
      ['r2-errors', () => faults.r2Errors()],
    ];
    for (const [name, run] of order) {
      if (options.only && !options.only.has(name)) continue;
      phases.push(await withTimeout(run(), (options.phaseSeconds + options.drainSeconds + 300) * 1000, name));
    }
    const canaryPhase = phases.find((p) => p.name === 'failing-canary-hanging-webhook');
    if (canaryPhase) await withTimeout(faults.redeliverAlerts(canaryPhase), 180_000, 'alert redelivery');
    setup.isolateAtEnd = (await vigil.health()).isolate;
    await retire(worker);
  }
  await webhook.close();

  machine.loadAverageAtEnd = loadavg();
  if (soak) notes.push(...soak.notes);
  notes.push(
    `TELEMETRY_RETRY_SECONDS=${TELEMETRY_RETRY_SECONDS} (production default 30): the queue consumer retries a ` +
      'message D1 refused after 1, 2, 4, … s, so recovery is observable within the run; ' +
      `TELEMETRY_FLUSH_MS=${baseBindings.TELEMETRY_FLUSH_MS ?? '5000'} and ` +
      `DEPLOYMENT_CACHE_SECONDS=${baseBindings.DEPLOYMENT_CACHE_SECONDS ?? '10'} as in wrangler.toml.`,
  );
  if (!options.soak) {
    notes.push(
      "Each request carries its own x-request-id (<phase>-<n>, set by bench/chaos/load-generator.ts), so a phase's " +
        'rows are matched to the predictions it answered one by one: "sent" counts the rows the 2xx answers must ' +
        'produce (one sample each at sample rate 1, one comparison each when the primary answered and the shadow ' +
        'runs on every request); "extra rows" belong to requests still in flight when the load stopped (their ' +
        'answers were never read) and are not part of "sent".',
      '"counted" is what /admin/health reports between the phase\'s start and its end as dropped in isolates, ' +
        'dead-lettered and waiting, or dropped from the dead-letter queue; dropped_in_isolates counts ' +
        'feature-profile records too, so it can exceed the sample and comparison rows missing.',
      'Phase order: baseline, then the failing canary (so the 60 s the alert dispatcher keeps quiet after the ' +
        "hanging webhook's timeout has passed when redelivery is checked at the end), then the binding faults. After " +
        'each fault is lifted, five predictions (ids <phase>-recovery-n, 400 ms apart) check recovery and make the ' +
        "isolate flush what its telemetry buffer kept; then the runner waits for the phase's rows (deadline --drain, " +
        'or 45 s without progress).',
      'Pushed setup versions: v3 (copy of v1 with its own bytes, pinned through POST ' +
        `/v2/models/${MODEL}/versions/3/infer in r2-errors) and v4 (the failing canary), then workerd restarts so ` +
        'the serving isolate has loaded neither.',
    );
  }

  const groups = [...phases.map((p) => ({ name: p.name, targets: p.targets })), ...(soak ? [{ name: 'soak', targets: soak.targets }] : [])];
  const targets = groups.flatMap((g) => g.targets.map((t: Target) => ({ group: g.name, ...t })));
  const missed = targets.filter((t) => !t.met).length;
  const tables: string[] = [];
  if (phases.length) {
    const engines = (setup.engines ?? {}) as Record<string, { engine: string } | null>;
    const engine = (v: string) => (engines[`v${v}`] ? ` on ${engines[`v${v}`]!.engine}` : '');
    tables.push(
      `Fault phases: ${MODEL} v${PRIMARY}${engine(PRIMARY)} primary, v${SHADOW}${engine(SHADOW)} shadow on every ` +
        `request, sample rate 1; ${options.connections} connections, ${options.phaseSeconds} s of load per phase, ` +
        `single-instance bodies (the ${golden.length} golden instances of v${PRIMARY}).`,
      '',
      formatPhases(phases),
      '',
      formatFaultCalls(phases),
      '',
      formatWorkerLogs(phases),
      '',
    );
  }
  if (soak) tables.push(formatSoak(soak), '');
  tables.push(formatTargets(groups));

  const result: ChaosResult = {
    schema: 1,
    kind: 'chaos',
    mode: options.quick ? 'quick' : 'full',
    run: options.soak ? 'soak' : 'faults',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine,
    git: gitInfo(ROOT),
    versions: packageVersions(ROOT),
    options: { ...options, only: options.only ? [...options.only] : null },
    settings,
    model: {
      name: MODEL,
      primary: PRIMARY,
      shadow: SHADOW,
      inputs: `the ${golden.length} golden instances of v${PRIMARY}'s manifest, one per request, cycled`,
    },
    setup,
    phases,
    soak,
    targets,
    missed,
    workerLog: {
      lines: workerLog.lines,
      warningsAndErrors: workerLog.errorLines.length,
      distinctMessages: distinctMessages(workerLog.errorLines),
    },
    tables: tables.join('\n'),
    notes,
  };
  const resultsDir = join(ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const suffix = `${options.soak ? '-soak' : ''}${options.quick ? '-quick' : ''}`;
  const file = join(resultsDir, `chaos-${startedAt.toISOString().replace(/[:.]/g, '-')}${suffix}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);

  console.log(
    `\nChaos run ${result.startedAt} (${result.mode}${options.soak ? ', soak' : ''}) on ${machine.cpuModel}, ` +
      `${machine.cores} cores, Node ${process.version}; commit ${result.git.commit?.slice(0, 10) ?? '?'}` +
      `${result.git.changedFiles ? ` with ${result.git.changedFiles} uncommitted changes` : ''}.\n`,
  );
  console.log(result.tables);
  console.log('');
  for (const note of notes) console.log(`- ${note}`);
  console.log(
    `\n${
      missed === 0
        ? 'every target met'
        : `${missed} target${missed === 1 ? '' : 's'} MISSED: ${targets
            .filter((t) => !t.met)
            .map((t) => `${t.group}: ${t.name}`)
            .join('; ')}`
    }`,
  );
  console.log(`results: ${file.slice(ROOT.length + 1)} (${((performance.now() - started) / 1000).toFixed(0)} s) ${mark(missed === 0)}`);
  return 0;
}

let code = 1;
try {
  code = await main();
} catch (error) {
  console.error(`\nchaos run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  code = 1;
} finally {
  await cleanupAll();
}
process.exit(code);
