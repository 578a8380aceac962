/**
 * Phases "limit", "floor" and "peer": the baselines, each serving every model family it is asked for, single
 * instances and 100 per request, after reproducing the family's goldens (floor excepted: it has no model).
 * - limit: the bare Worker + ONNX Runtime Web on the same workerd (bench/limit/worker.ts);
 * - floor: the bare Worker that parses the JSON and answers a constant (bench/floor/worker.ts);
 * - peer: Node's http + onnxruntime-node (bench/peer/server.ts).
 */
import { join } from 'node:path';
import { wantsLoad, type ServerGroup } from '../lib/args.ts';
import { spawnNode, withTimeout } from '../lib/children.ts';
import { BATCH_INSTANCES, modelDir, type LoadedFamily } from '../lib/families.ts';
import type { ScenarioResult, ServerKind } from '../lib/scenario.ts';
import { serveWorker } from '../lib/workers.ts';
import { ensurePeerRuntime } from '../peer/install.ts';
import { checkGolden, loadConfig, measure, type BenchContext, type ServerProcesses } from './context.ts';

const DESCRIPTIONS: Record<Exclude<ServerKind, 'vigil'>, { label: string; setup: string }> = {
  limit: { label: 'limit (bare Worker + ORT)', setup: 'JSON → encode → ORT Web → JSON, no validation, routing or telemetry' },
  floor: { label: 'floor (bare Worker, JSON in, constant out)', setup: 'body text → JSON.parse → constant JSON answer' },
  peer: {
    label: 'peer (node:http + onnxruntime-node)',
    setup: 'JSON → validate → encode → ORT native (1 thread) → decode → JSON',
  },
};

/** Single-instance and 100-instance scenarios of `server` for every family --only lets through. */
async function scenariosFor(
  ctx: BenchContext,
  server: Exclude<ServerKind, 'vigil'>,
  base: URL,
  processes: ServerProcesses,
  path: (family: LoadedFamily) => string,
): Promise<ScenarioResult[]> {
  const { label, setup } = DESCRIPTIONS[server];
  const out: ScenarioResult[] = [];
  for (const family of ctx.families) {
    if (!wantsLoad(ctx.options, server, family.id)) continue;
    if (server !== 'floor') await checkGolden(new URL(path(family), base), family, server);
    const config = (bodies: string[]) => loadConfig(base, path(family), bodies, ctx.options, ctx.options.durationSeconds);
    out.push(
      await measure(
        ctx,
        { id: `${server}-single`, label, server, model: family.id, setup, instancesPerRequest: 1 },
        config(family.singleBodies),
        processes,
        ctx.options.warmupSeconds,
      ),
    );
    out.push(
      await measure(
        ctx,
        {
          id: `${server}-batch100`,
          label: `${server}, ${BATCH_INSTANCES} instances`,
          server,
          model: family.id,
          setup,
          instancesPerRequest: BATCH_INSTANCES,
        },
        config(family.batchBodies),
        processes,
        ctx.options.warmupSeconds,
      ),
    );
  }
  return out;
}

/** The path a baseline serves a family's predictions on (the floor answers any path; it takes Vigil's). */
export function baselinePath(server: Exclude<ServerKind, 'vigil'>, family: LoadedFamily): string {
  return server === 'floor' ? family.predictPath : family.baselinePath;
}

function wanted(ctx: BenchContext, server: ServerGroup): boolean {
  return ctx.families.some((f) => wantsLoad(ctx.options, server, f.id));
}

/** A baseline Worker on workerd (Miniflare API, direct socket, no bindings). */
async function runWorkerBaseline(ctx: BenchContext, server: 'limit' | 'floor'): Promise<ScenarioResult[]> {
  if (!wanted(ctx, server)) return [];
  ctx.log(`serving the ${server} Worker on workerd`);
  const worker = await startWorkerBaseline(ctx, server);
  try {
    return await scenariosFor(ctx, server, worker.url, worker.processes, (f) => baselinePath(server, f));
  } finally {
    await worker.stop();
  }
}

export const runLimit = (ctx: BenchContext) => runWorkerBaseline(ctx, 'limit');
export const runFloor = (ctx: BenchContext) => runWorkerBaseline(ctx, 'floor');

export interface RunningServer {
  url: URL;
  processes: ServerProcesses;
  stop(): Promise<void>;
}

/** A baseline Worker on workerd (Miniflare API, direct socket, no bindings), running until `stop`. */
export async function startWorkerBaseline(ctx: BenchContext, server: 'limit' | 'floor'): Promise<RunningServer> {
  const build = ctx.builds[server];
  const worker = await serveWorker({ bundle: build.bundle, workerOptions: build.options });
  return { url: worker.directUrl, processes: { pids: () => worker.pids }, stop: () => worker.dispose() };
}

/** The peer (node:http + onnxruntime-node) over every family's primary version, running until `stop`. */
export async function startPeer(ctx: BenchContext): Promise<RunningServer> {
  const runtimeDir = await ensurePeerRuntime(ctx.root, ctx.log);
  ctx.log('starting the peer (node:http + onnxruntime-node)');
  let portLine: (port: number) => void = () => undefined;
  const portReady = new Promise<number>((resolve) => (portLine = resolve));
  const dirs = ctx.families.flatMap((f) => [modelDir(ctx.root, f, f.primary)]);
  const peer = spawnNode(join(ctx.root, 'bench', 'peer', 'server.ts'), dirs, {
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
  try {
    const port = await withTimeout(
      Promise.race([
        portReady,
        peer.exited.then((e) => Promise.reject(new Error(`the peer exited with ${e.code}: ${e.stderr.slice(-2000)}`))),
      ]),
      60_000,
      'peer start',
    );
    return { url: new URL(`http://127.0.0.1:${port}`), processes: { pids: () => [peer.child.pid!] }, stop: () => peer.stop() };
  } catch (error) {
    await peer.stop();
    throw error;
  }
}

export async function runPeer(ctx: BenchContext): Promise<ScenarioResult[]> {
  if (!wanted(ctx, 'peer')) return [];
  const peer = await startPeer(ctx);
  try {
    return await scenariosFor(ctx, 'peer', peer.url, peer.processes, (f) => f.baselinePath);
  } finally {
    await peer.stop();
  }
}
