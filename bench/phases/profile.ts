/**
 * Phase "profile": where the time goes inside workerd — a CPU profile of the serving Worker's isolate under the
 * primary family's full-path load (1, then 100 instances per request), every sample attributed through the
 * bundle's source map to a hot-path stage and to the nearest Vigil file on its stack. The profiler slows the
 * Worker (~30 %), so only shares and per-request figures are used.
 */
import { join } from 'node:path';
import { freePort } from '../lib/children.ts';
import type { ProfileSummary } from '../lib/hot-path-report.ts';
import { runLoad } from '../lib/load.ts';
import { breakdown, loadLocator, startProfiling } from '../lib/profile.ts';
import { SERVING_TARGET, serveVigil, type VigilState } from '../lib/vigil-server.ts';
import { loadConfig, type BenchContext } from './context.ts';

export async function runProfile(ctx: BenchContext, state: VigilState): Promise<Record<string, ProfileSummary> | null> {
  const { options } = ctx;
  const family = ctx.families[0]!;
  try {
    const inspectorPort = await freePort();
    const pair = await serveVigil(ctx.builds.vigil, state, { inspectorPort });
    try {
      const pids = () => pair.serving.pids;
      const config = loadConfig(pair.serving.directUrl, family.predictPath, family.singleBodies, options, 2);
      await runLoad(config, pids);
      ctx.log(`profiling the serving isolate: ${options.profileSeconds} s of full-path load with 1, then 100 instances per request`);
      const bundle = ctx.builds.vigil.serving;
      const locator = loadLocator(join(bundle.dir, `${bundle.entry}.map`));
      const profileRun = async (bodies: string[], instances: number): Promise<ProfileSummary> => {
        const stop = await startProfiling(inspectorPort, [SERVING_TARGET]);
        const load = await runLoad({ ...config, bodies, durationSeconds: options.profileSeconds }, pids);
        const cpu = (await stop()).get(SERVING_TARGET)!;
        const b = breakdown(cpu, locator, bundle.entry);
        const perRequest = (ms: number) => (ms * 1000) / Math.max(1, load.ok);
        const sorted = (record: Record<string, number>) =>
          Object.fromEntries(
            Object.entries(record)
              .sort((x, y) => y[1] - x[1])
              .map(([k, v]) => [k, perRequest(v)]),
          );
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
      return { single: await profileRun(family.singleBodies, 1), batch100: await profileRun(family.batchBodies, 100) };
    } finally {
      await pair.dispose();
    }
  } catch (error) {
    ctx.notes.push(`the workerd CPU profile failed: ${String(error).slice(0, 300)}`);
    ctx.log(`profile failed: ${String(error)}`);
    return null;
  }
}
