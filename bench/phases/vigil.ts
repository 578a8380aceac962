/**
 * Phase "vigil": Vigil as deployed (serving and telemetry Workers in two workerd processes, bench/lib/vigil-server.ts)
 * on one persisted state that the cold starts and the profile reuse afterwards. Sets up each model family's
 * full-path deployment and checks its goldens; for the primary family, the warm-up, the soak with the memory
 * figures, primary-only, full path and 100-instance scenarios; for the other families, full path and 100
 * instances; then counts what the telemetry left in D1. Also the full path behind Miniflare's asset routing.
 */
import { join } from 'node:path';
import { wantsLoad } from '../lib/args.ts';
import { telemetryCensus, type CensusDatabase, type TelemetryCensus } from '../lib/census.ts';
import { freePort } from '../lib/children.ts';
import { BATCH_INSTANCES, type LoadedFamily } from '../lib/families.ts';
import { memoryGrowth, memoryPoint, rssTimeline, type MemoryResult } from '../lib/memory.ts';
import { totalRss } from '../lib/proc.ts';
import type { ScenarioResult } from '../lib/scenario.ts';
import { SERVING_TARGET, serveVigil, VigilAdmin, type VersionEngine, type VigilPair, type VigilState } from '../lib/vigil-server.ts';
import { applyMigrations } from '../lib/workers.ts';
import { checkGolden, loadConfig, measure, type BenchContext, type ServerProcesses } from './context.ts';

export interface VigilPhaseResult {
  scenarios: ScenarioResult[];
  memory: MemoryResult | null;
  telemetry: TelemetryCensus | null;
  /** Engine per version of each family, as the admin API reported after the load. */
  engines: Record<string, VersionEngine[]>;
  workerLog: { lines: number; warnings: string[] };
}

/** Seconds between the RSS readings of the memory timeline. */
const TIMELINE_SECONDS = 10;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function fullPathSetup(family: LoadedFamily): string {
  return (
    `primary v${family.primary}, ` +
    `${family.shadow ? `shadow v${family.shadow} at 10 %` : 'no shadow (one version)'}, sampling 1 %, profiles`
  );
}

/** The family's bench deployment: its primary promoted, then the full path; its goldens reproduced. */
async function setUpFamily(ctx: BenchContext, admin: VigilAdmin, pair: VigilPair, family: LoadedFamily): Promise<void> {
  // The first deployment change registers and QA-gates the bundled versions; promoting the default primary is a 409.
  await admin.deployment(family.id, { action: 'promote', version: family.primary }, true);
  await admin.fullPath(family.id, family.shadow);
  await checkGolden(new URL(family.predictPath, pair.serving.directUrl), family, 'Vigil');
  ctx.log(`${family.id}: v${family.primary} deployed (${fullPathSetup(family)}); goldens reproduced`);
}

/** RSS and heaps after warm-up, the soak, the primary family's scenarios, and the memory figures. */
async function primaryScenarios(
  ctx: BenchContext,
  pair: VigilPair,
  admin: VigilAdmin,
  family: LoadedFamily,
  processes: ServerProcesses,
  inspectorPort: number,
  afterStartBytes: number | null,
): Promise<{ scenarios: ScenarioResult[]; memory: MemoryResult }> {
  const { options } = ctx;
  const url = pair.serving.directUrl;
  const single = loadConfig(url, family.predictPath, family.singleBodies, options, options.durationSeconds);
  const batch = loadConfig(url, family.predictPath, family.batchBodies, options, options.durationSeconds);
  const scenarios: ScenarioResult[] = [];
  const spec = (id: string, label: string, setup: string, instancesPerRequest = 1) => ({
    id,
    label,
    server: 'vigil' as const,
    model: family.id,
    setup,
    instancesPerRequest,
  });

  // workerd's RSS climbs for the first tens of seconds of load (its allocator's pages) and then holds: the memory
  // figure starts after a warm-up long enough for that, and the timeline shows the whole curve.
  const warmupSeconds = Math.max(3, options.soakWarmupSeconds);
  const timeline = rssTimeline(() => pair.serving.pids, TIMELINE_SECONDS);
  ctx.log(`warming up Vigil (${warmupSeconds} s, full path)`);
  await measure(
    ctx,
    spec('vigil-warmup', 'Vigil warm-up', fullPathSetup(family)),
    { ...single, durationSeconds: warmupSeconds },
    processes,
    0,
  );
  await sleep(1000);
  ctx.log('memory after warm-up: RSS, then each isolate after a full collection (heap snapshot)');
  const afterWarmup = await memoryPoint(pair.serving.pids, inspectorPort, SERVING_TARGET);
  let loadSeconds = 0;
  let afterSoak = null;
  let soakTimeline: number[] | null = null;
  if (options.soakSeconds > 0) {
    scenarios.push(
      await measure(
        ctx,
        spec('vigil-soak', `Vigil full path, ${options.soakSeconds} s soak`, fullPathSetup(family)),
        { ...single, durationSeconds: options.soakSeconds },
        processes,
        0,
      ),
    );
    loadSeconds += options.soakSeconds;
    afterSoak = await memoryPoint(pair.serving.pids, inspectorPort, SERVING_TARGET);
    soakTimeline = timeline.stop();
  }

  await admin.primaryOnly(family.id, family.shadow);
  scenarios.push(
    await measure(
      ctx,
      spec('vigil-primary', 'Vigil primary only', `primary v${family.primary}, no shadow, sampling 0, profiles`),
      single,
      processes,
      options.warmupSeconds,
    ),
  );
  // What the 100-instance path costs without the shadow and samples: the part of it no telemetry setting removes.
  scenarios.push(
    await measure(
      ctx,
      spec(
        'vigil-primary-batch100',
        `Vigil primary only, ${BATCH_INSTANCES} instances`,
        `primary v${family.primary}, no shadow, sampling 0, profiles`,
        BATCH_INSTANCES,
      ),
      batch,
      processes,
      options.warmupSeconds,
    ),
  );
  await admin.fullPath(family.id, family.shadow);
  scenarios.push(
    await measure(ctx, spec('vigil-full', 'Vigil full path', fullPathSetup(family)), single, processes, options.warmupSeconds),
  );
  scenarios.push(
    await measure(
      ctx,
      spec('vigil-batch100', `Vigil full path, ${BATCH_INSTANCES} instances`, fullPathSetup(family), BATCH_INSTANCES),
      batch,
      processes,
      options.warmupSeconds,
    ),
  );
  if (!afterSoak) loadSeconds += 3 * (options.durationSeconds + options.warmupSeconds);
  const afterLoad = afterSoak ?? (await memoryPoint(pair.serving.pids, inspectorPort, SERVING_TARGET));
  const rssSamples = timeline.stop();
  const peaks = scenarios.map((s) => s.load.serverRss?.max ?? 0);
  const storage = `${ctx.workDir.startsWith('/dev/shm') ? 'tmpfs' : 'disk'} (${ctx.workDir})`;
  return {
    scenarios,
    memory: {
      afterStartBytes,
      afterWarmup,
      afterLoad,
      peakBytes: peaks.length ? Math.max(...peaks) : null,
      warmupSeconds,
      rssTimeline: soakTimeline ?? rssSamples,
      timelineSeconds: TIMELINE_SECONDS,
      afterIdle: null,
      loadSecondsAfterWarmup: loadSeconds,
      isTwoMinuteFigure: options.soakSeconds >= 120,
      growth: memoryGrowth(afterWarmup, afterLoad),
      ortVersions: [],
      storage,
    },
  };
}

/** Full path with one instance and with 100 per request, for a family other than the primary one. */
async function familyScenarios(
  ctx: BenchContext,
  pair: VigilPair,
  family: LoadedFamily,
  processes: ServerProcesses,
): Promise<ScenarioResult[]> {
  const { options } = ctx;
  const url = pair.serving.directUrl;
  const setup = fullPathSetup(family);
  return [
    await measure(
      ctx,
      { id: 'vigil-full', label: 'Vigil full path', server: 'vigil', model: family.id, setup, instancesPerRequest: 1 },
      loadConfig(url, family.predictPath, family.singleBodies, options, options.durationSeconds),
      processes,
      options.warmupSeconds,
    ),
    await measure(
      ctx,
      {
        id: 'vigil-batch100',
        label: `Vigil full path, ${BATCH_INSTANCES} instances`,
        server: 'vigil',
        model: family.id,
        setup,
        instancesPerRequest: BATCH_INSTANCES,
      },
      loadConfig(url, family.predictPath, family.batchBodies, options, options.durationSeconds),
      processes,
      options.warmupSeconds,
    ),
  ];
}

/** Sets up every family on `state` and runs Vigil's load scenarios (none when --only excludes them). */
export async function runVigil(ctx: BenchContext, state: VigilState): Promise<VigilPhaseResult> {
  ctx.log(
    'serving Vigil as deployed: the telemetry Worker, then the serving Worker, in two workerd processes ' +
      '(Miniflare API; D1/R2 shared, queue through the dev registry)',
  );
  // The inspector is used between scenarios only (heaps); no session is open under load.
  const inspectorPort = await freePort();
  const pair = await serveVigil(ctx.builds.vigil, state, { inspectorPort });
  const scenarios: ScenarioResult[] = [];
  let memory: MemoryResult | null = null;
  let telemetry: TelemetryCensus | null = null;
  const engines: Record<string, VersionEngine[]> = {};
  try {
    const migrated = await applyMigrations(pair.serving.mf, 'DB', join(ctx.root, 'migrations'));
    ctx.log(
      `applied ${migrated} migration statements; serving pid ${pair.serving.pids.join(',')}, telemetry pid ` +
        `${pair.telemetry.pids.join(',')}`,
    );
    const afterStartBytes = totalRss(pair.serving.pids);
    const admin = new VigilAdmin(pair.serving.directUrl, ctx.adminToken);
    const served: Record<string, number> = {};
    for (const family of ctx.families) {
      await setUpFamily(ctx, admin, pair, family);
      served[family.id] = family.golden.length;
    }
    const processes = (family: LoadedFamily): ServerProcesses => ({
      pids: () => pair.serving.pids,
      sidePids: () => pair.telemetry.pids,
      onAnswered: (instances) => (served[family.id] = (served[family.id] ?? 0) + instances),
    });
    const [primary, ...others] = ctx.families;
    if (primary && wantsLoad(ctx.options, 'vigil', primary.id)) {
      const result = await primaryScenarios(ctx, pair, admin, primary, processes(primary), inspectorPort, afterStartBytes);
      scenarios.push(...result.scenarios);
      memory = result.memory;
    }
    for (const family of others) {
      if (!wantsLoad(ctx.options, 'vigil', family.id)) continue;
      scenarios.push(...(await familyScenarios(ctx, pair, family, processes(family))));
    }
    if (scenarios.length) {
      ctx.log('idling until the telemetry has flushed and the queue has drained into D1 (through the telemetry Worker)');
      const db = (await pair.serving.mf.getD1Database('DB')) as unknown as CensusDatabase;
      telemetry = await telemetryCensus(db, state.persistPath, Object.fromEntries(ctx.families.map((f) => [f.id, f.primary])), served);
      ctx.log(`D1 after the run: ${JSON.stringify(telemetry.rows)}; profiled/answered instances ${JSON.stringify(telemetry.completeness)}`);
      if (memory) memory.afterIdle = await memoryPoint(pair.serving.pids, inspectorPort, SERVING_TARGET);
    }
    for (const family of ctx.families) engines[family.id] = await admin.versions(family.id);
    if (memory) {
      memory.ortVersions = ctx.families.flatMap((f) =>
        (engines[f.id] ?? [])
          .filter((v) => v.engine === 'onnxruntime' && (v.version === f.primary || v.version === f.shadow))
          .map((v) => `${f.id} v${v.version}`),
      );
    }
  } finally {
    await pair.dispose();
  }
  return {
    scenarios,
    memory,
    telemetry,
    engines,
    workerLog: {
      lines: pair.serving.logLines + pair.telemetry.logLines,
      warnings: [...pair.serving.errorLines, ...pair.telemetry.errorLines.map((l) => `telemetry Worker: ${l}`)],
    },
  };
}

/** The primary family's full path behind Miniflare's simulated static-asset routing (wrangler.toml [assets]). */
export async function runAssets(ctx: BenchContext, state: VigilState): Promise<ScenarioResult[]> {
  const family = ctx.families[0]!;
  ctx.log('serving Vigil with its [assets] as Miniflare simulates them (asset router workers in front)');
  const pair = await serveVigil(ctx.builds.vigil, state, { withAssets: true });
  try {
    const processes: ServerProcesses = { pids: () => pair.serving.pids, sidePids: () => pair.telemetry.pids };
    const config = loadConfig(pair.serving.directUrl, family.predictPath, family.singleBodies, ctx.options, ctx.options.durationSeconds);
    const spec = {
      id: 'vigil-full-assets',
      label: 'Vigil full path behind local asset routing',
      server: 'vigil' as const,
      model: family.id,
      setup: `as "Vigil full path", plus Miniflare's asset router workers in front (local only)`,
      instancesPerRequest: 1,
    };
    return [await measure(ctx, spec, config, processes, ctx.options.warmupSeconds)];
  } finally {
    await pair.dispose();
  }
}
