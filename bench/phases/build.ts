/**
 * Phase "build": `vigil prepare`, then `wrangler deploy --dry-run --outdir` for every Worker the run serves — the
 * serving Worker (wrangler.toml), the telemetry Worker (wrangler.telemetry.toml), and the limit and floor
 * baselines — with the Miniflare options wrangler derives from each config.
 */
import { join } from 'node:path';
import { runCommand, withTimeout } from '../lib/children.ts';
import { buildWorker, wranglerWorkerOptions } from '../lib/workers.ts';
import type { Builds } from './context.ts';

/** Bindings for the benchmark: a fresh admin token; public predictions and no webhook whatever .dev.vars says. */
export function benchBindings(workerOptions: Record<string, unknown>, adminToken: string): Record<string, string> {
  const bindings = { ...((workerOptions.bindings as Record<string, string> | undefined) ?? {}) };
  delete bindings.PREDICT_TOKENS;
  delete bindings.ALERT_WEBHOOK_URL;
  workerOptions.bindings = bindings;
  return { ADMIN_TOKEN: adminToken };
}

export async function buildAll(root: string, workDir: string, adminToken: string, log: (message: string) => void): Promise<Builds> {
  log('building: vigil prepare, then wrangler deploy --dry-run for the serving and telemetry Workers and the limit and floor Workers');
  const builds = await withTimeout(
    (async (): Promise<Builds> => {
      // `vigil prepare` generates the bundled-model index and stages public/.
      await runCommand(process.execPath, [join(root, 'cli', 'vigil.js'), 'prepare'], { cwd: root });
      const config = (path: string) => join(root, path);
      const [serving, telemetry, limit, floor] = await Promise.all([
        buildWorker(root, config('wrangler.toml'), join(workDir, 'vigil-bundle')),
        buildWorker(root, config('wrangler.telemetry.toml'), join(workDir, 'telemetry-bundle')),
        buildWorker(root, config('bench/limit/wrangler.toml'), join(workDir, 'limit-bundle')),
        buildWorker(root, config('bench/floor/wrangler.toml'), join(workDir, 'floor-bundle')),
      ]);
      const servingOptions = await wranglerWorkerOptions(config('wrangler.toml'));
      const telemetryOptions = await wranglerWorkerOptions(config('wrangler.telemetry.toml'));
      const bindings = benchBindings(servingOptions, adminToken);
      benchBindings(telemetryOptions, adminToken);
      return {
        vigil: { serving, telemetry, servingOptions, telemetryOptions, bindings },
        limit: { bundle: limit, options: await wranglerWorkerOptions(config('bench/limit/wrangler.toml')) },
        floor: { bundle: floor, options: await wranglerWorkerOptions(config('bench/floor/wrangler.toml')) },
      };
    })(),
    300_000,
    'build',
  );
  const size = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  log(
    `built: serving ${size(builds.vigil.serving.bytes)}, telemetry ${size(builds.vigil.telemetry.bytes)}, limit ` +
      `${size(builds.limit.bundle.bytes)}, floor ${size(builds.floor.bundle.bytes)} (uncompressed, with WASM and models)`,
  );
  return builds;
}
