/**
 * Builds Workers as `wrangler deploy` bundles them and serves the bundles on local workerd through
 * Miniflare's API (no `wrangler dev` proxy): the service with its D1, R2 and Queues from wrangler.toml, and
 * the bare "limit" Worker.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, matchesGlob } from 'node:path';
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare, type V4MiniflareOptions, type WorkerdStructuredLog } from 'miniflare';
import { childPids } from './proc.ts';
import { onCleanup, runCommand, withTimeout } from './children.ts';
import { splitMigration } from './migrations.ts';

/** wrangler without network: no metrics, no request.cf download. */
export const OFFLINE_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  WRANGLER_SEND_METRICS: 'false',
  CI: 'true',
};

export interface Bundle {
  /** Directory with the entry module and the modules it imports (wasm, onnx). */
  dir: string;
  entry: string;
  bytes: number;
}

/** Bundles a Worker like a deploy does (`wrangler deploy --dry-run --outdir`). */
export async function buildWorker(repoRoot: string, configPath: string, outDir: string): Promise<Bundle> {
  const wrangler = join(repoRoot, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
  await runCommand(process.execPath, [wrangler, 'deploy', '--dry-run', '--config', configPath, '--outdir', outDir], {
    cwd: repoRoot,
    env: OFFLINE_ENV,
  });
  const files = readdirSync(outDir);
  const entry = files.find((f) => f.endsWith('.js'));
  if (!entry) throw new Error(`wrangler produced no .js entry in ${outDir} (files: ${files.join(', ')})`);
  let bytes = 0;
  for (const f of files) if (!f.endsWith('.map')) bytes += readFileSync(join(outDir, f)).byteLength;
  return { dir: outDir, entry, bytes };
}

/** Miniflare worker options of a wrangler config: its bindings, queues and module rules, as wrangler dev derives them. */
export async function wranglerWorkerOptions(configPath: string): Promise<Record<string, unknown>> {
  const { unstable_getMiniflareWorkerOptions } = await import('wrangler');
  const { workerOptions } = unstable_getMiniflareWorkerOptions(configPath);
  return workerOptions as unknown as Record<string, unknown>;
}

export interface ServedWorker {
  mf: Miniflare;
  /** Miniflare's entry socket: requests pass its entry Worker first (a local-only hop). */
  url: URL;
  /** workerd's socket straight into the Worker (what the benchmark loads). */
  directUrl: URL;
  /** The workerd processes this instance runs. */
  pids: number[];
  /** Log lines the Worker wrote at warn/error level. */
  errorLines: string[];
  logLines: number;
  dispose(): Promise<void>;
}

export interface ServeOptions {
  bundle: Bundle;
  /** Worker options from the wrangler config (bindings, queues, rules); the script comes from the bundle. */
  workerOptions: Record<string, unknown>;
  bindings?: Record<string, string>;
  /** Keep D1/R2/Queue state here (shared by runtimes started on the same directory). */
  persistPath?: string;
  /**
   * Serve the config's static assets too. Off by default: Miniflare simulates asset routing with three JS
   * workers in front of the Worker, in the same single-threaded process; in production Cloudflare matches
   * assets before the Worker runs, outside its isolate and its CPU time.
   */
  withAssets?: boolean;
  inspectorPort?: number;
  timeoutMs?: number;
  /** The Worker's name in workerd and in the dev registry (default `bench`). */
  name?: string;
  /**
   * Wrangler's dev registry directory: Miniflare instances that share it find each other's Workers, and a queue
   * produced in one is delivered to its consumer in another (Miniflare's queue broker forwards what it has no
   * local consumer for through the registry).
   */
  devRegistryPath?: string;
}

/** Starts workerd with the bundle; resolves once it accepts requests. */
export async function serveWorker(options: ServeOptions): Promise<ServedWorker> {
  const { bundle } = options;
  const errorLines: string[] = [];
  let logLines = 0;
  const before = new Set(childPids(process.pid, 'workerd'));
  const base = options.workerOptions;
  const name = options.name ?? 'bench';
  const worker: Record<string, unknown> = {
    ...base,
    rootPath: bundle.dir,
    name,
    modules: bundleModules(bundle, (base.modulesRules as ModuleRule[] | undefined) ?? []),
    modulesRoot: bundle.dir,
    bindings: { ...((base.bindings as Record<string, string> | undefined) ?? {}), ...(options.bindings ?? {}) },
    // A socket straight into the Worker, without Miniflare's entry Worker in front (production has none).
    unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }],
  };
  // Fields of wrangler's options that Miniflare's worker options do not take.
  for (const key of ['cronTriggers', 'connectHandlers', 'modulesRules']) delete worker[key];
  if (!options.withAssets) delete worker.assets;
  // wrangler derives options in Miniflare's v4 shape; Miniflare 5 converts them.
  const mfOptions = convertV4MiniflareOptions({
    workers: [worker],
    host: '127.0.0.1',
    port: 0,
    cf: false,
    log: new Log(LogLevel.WARN),
    logRequests: false,
    telemetry: { enabled: false },
    ...(options.persistPath ? { resourcePersistencePath: options.persistPath } : {}),
    ...(options.inspectorPort ? { inspectorPort: options.inspectorPort } : {}),
    ...(options.devRegistryPath ? { unsafeDevRegistryPath: options.devRegistryPath } : {}),
    handleStructuredLogs: (log: WorkerdStructuredLog) => {
      logLines++;
      if ((log.level === 'error' || log.level === 'warn') && errorLines.length < 200) errorLines.push(`${log.level}: ${log.message}`);
    },
  } as unknown as V4MiniflareOptions);
  const mf = new Miniflare(mfOptions);
  let disposed = false;
  const dispose = async () => {
    if (disposed) return;
    disposed = true;
    await mf.dispose();
  };
  const unregister = onCleanup(dispose);
  let url: URL;
  try {
    url = await withTimeout(mf.ready, options.timeoutMs ?? 60_000, 'workerd start');
  } catch (error) {
    unregister();
    await dispose().catch(() => undefined);
    throw error;
  }
  const pids = childPids(process.pid, 'workerd').filter((p) => !before.has(p));
  const directUrl = await mf.unsafeGetDirectURL(name);
  return {
    mf,
    url,
    directUrl,
    pids,
    errorLines,
    get logLines() {
      return logLines;
    },
    dispose: async () => {
      unregister();
      await dispose();
    },
  };
}

interface ModuleRule {
  type: string;
  include: string[];
}

/**
 * The bundle's modules for Miniflare: the entry first, then every file it may import, typed by the config's
 * module rules (the same rules wrangler bundled with: CompiledWasm for .wasm, Data for .onnx).
 */
export function bundleModules(bundle: Bundle, rules: readonly ModuleRule[]): { type: string; path: string }[] {
  const modules = [{ type: 'ESModule', path: join(bundle.dir, bundle.entry) }];
  for (const file of readdirSync(bundle.dir).sort()) {
    if (file === bundle.entry || file.endsWith('.map') || file === 'README.md') continue;
    const rule = rules.find((r) => r.include.some((glob) => matchesGlob(file, glob) || matchesGlob(`x/${file}`, glob)));
    if (!rule) throw new Error(`no module rule in the wrangler config matches bundled file ${file}`);
    modules.push({ type: rule.type, path: join(bundle.dir, file) });
  }
  return modules;
}

/** Applies D1 migrations (drizzle-kit SQL files, statements split at `--> statement-breakpoint`) in order. */
export async function applyMigrations(mf: Miniflare, binding: string, migrationsDir: string): Promise<number> {
  const db = await mf.getD1Database(binding);
  const files = readdirSync(migrationsDir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  let statements = 0;
  for (const file of files) {
    for (const sql of splitMigration(readFileSync(join(migrationsDir, file), 'utf8'))) {
      await db.prepare(sql).run();
      statements++;
    }
  }
  return statements;
}
