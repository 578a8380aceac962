/**
 * Phase "paired" (`--paired N`): N interleaved rounds on the primary model family. Vigil (its full-path
 * deployment, from the Vigil phase's state), the limit, the floor and the peer are all up at once; each round
 * every server serves a short slice of single instances and one of 100 per request, in an order rotated every
 * round (bench/lib/paired.ts), so each round's ratios compare slices seconds apart.
 */
import { wantsLoad } from '../lib/args.ts';
import { BATCH_INSTANCES } from '../lib/families.ts';
import { machineBusySeconds } from '../lib/proc.ts';
import { roundOrder, sliceIds, type PairedRounds } from '../lib/paired.ts';
import type { ScenarioResult, ServerKind } from '../lib/scenario.ts';
import { serveVigil, type VigilState } from '../lib/vigil-server.ts';
import { baselinePath, type RunningServer, startPeer, startWorkerBaseline } from './baselines.ts';
import { checkGolden, loadConfig, measure, type BenchContext } from './context.ts';

const SERVERS: readonly ServerKind[] = ['vigil', 'limit', 'floor', 'peer'];
/**
 * Before each server's slices the machine must be quiet: after Vigil's, its telemetry is still on its way (the
 * isolate's flush, the queue broker, the telemetry Worker's D1 writes — tens of seconds of work after a
 * 100-instance slice), and it would otherwise run in the next server's slice.
 */
const QUIET_CORES = 0.15;
const QUIET_MAX_MS = 120_000;

/** Waits until the whole machine used less than QUIET_CORES over a second (at most QUIET_MAX_MS); the wait, ms. */
async function waitForQuiet(): Promise<number> {
  const started = performance.now();
  for (;;) {
    const before = machineBusySeconds();
    await sleep(1000);
    const after = machineBusySeconds();
    if (before === null || after === null || after - before < QUIET_CORES) return performance.now() - started;
    if (performance.now() - started > QUIET_MAX_MS) return performance.now() - started;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function runPaired(ctx: BenchContext, state: VigilState): Promise<PairedRounds | null> {
  const { options } = ctx;
  const family = ctx.families[0];
  if (!family || options.pairedRounds <= 0) return null;
  const servers = SERVERS.filter((s) => wantsLoad(options, s, family.id));
  if (servers.length < 2) return null;
  ctx.log(`interleaved rounds (${options.pairedRounds}, ${family.id}): starting ${servers.join(', ')} side by side`);
  const running = new Map<ServerKind, RunningServer & { path: string }>();
  try {
    for (const server of servers) {
      if (server === 'vigil') {
        const pair = await serveVigil(ctx.builds.vigil, state);
        running.set('vigil', {
          url: pair.serving.directUrl,
          processes: { pids: () => pair.serving.pids, sidePids: () => pair.telemetry.pids },
          stop: () => pair.dispose(),
          path: family.predictPath,
        });
      } else {
        const started = server === 'peer' ? await startPeer(ctx) : await startWorkerBaseline(ctx, server);
        running.set(server, { ...started, path: baselinePath(server, family) });
      }
      const s = running.get(server)!;
      if (server !== 'floor') await checkGolden(new URL(s.path, s.url), family, server);
    }
    const rounds: ScenarioResult[][] = [];
    for (let round = 0; round < options.pairedRounds; round++) {
      const slices: ScenarioResult[] = [];
      for (const server of roundOrder(servers, round)) {
        const s = running.get(server)!;
        const waited = await waitForQuiet();
        if (waited > 1500)
          ctx.log(`round ${round + 1}: waited ${(waited / 1000).toFixed(0)} s for the machine to be quiet before ${server}`);
        const [singleId, batchId] = sliceIds(server);
        for (const [id, bodies, instances] of [
          [singleId, family.singleBodies, 1],
          [batchId, family.batchBodies, BATCH_INSTANCES],
        ] as const) {
          const spec = {
            id,
            label: `round ${round + 1}: ${server}, ${instances} instance${instances > 1 ? 's' : ''} per request`,
            server,
            model: family.id,
            setup: 'interleaved slice',
            instancesPerRequest: instances,
          };
          const config = loadConfig(s.url, s.path, bodies, options, options.pairedSliceSeconds);
          slices.push(await measure(ctx, spec, config, s.processes, 1));
        }
      }
      rounds.push(slices);
    }
    return { model: family.id, sliceSeconds: options.pairedSliceSeconds, rounds };
  } finally {
    for (const s of running.values()) await s.stop();
  }
}
