/**
 * Phase "cold": time to the first successful prediction on a fresh serving process, with the telemetry Worker
 * already up (in production it always is), on the state the Vigil phase left (D1 has the registry and the
 * deployments): with the primary version on the compiled evaluator; once more under the CPU profiler, for the
 * breakdown; with the version forced to ONNX Runtime through the engine API (restored to "auto" afterwards);
 * on an empty D1 (first use after a deploy: registers and QA-gates the bundled versions); and the limit and floor
 * Workers for comparison.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../lib/children.ts';
import { coldRun, coldStartProfile, repeatColdStart, type ColdStartBreakdown, type ColdStartResult } from '../lib/cold-start.ts';
import { loadLocator, startProfiling } from '../lib/profile.ts';
import { median } from '../lib/scenario.ts';
import { request, SERVING_TARGET, serveServing, serveTelemetry, VigilAdmin, vigilState, type VigilState } from '../lib/vigil-server.ts';
import { applyMigrations, serveWorker, type ServedWorker } from '../lib/workers.ts';
import type { BenchContext } from './context.ts';

export interface ColdStartPhaseResult {
  coldStarts: ColdStartResult[];
  breakdown: ColdStartBreakdown | null;
  /** The same profile of a cold start with the version forced to ONNX Runtime (the target that needs ORT). */
  ortBreakdown: ColdStartBreakdown | null;
}

/** Runs `task` against a serving process started for it (untimed), then stops the process. */
async function withServing<T>(ctx: BenchContext, state: VigilState, task: (serving: ServedWorker) => Promise<T>): Promise<T> {
  const serving = await serveServing(ctx.builds.vigil, state);
  try {
    return await task(serving);
  } finally {
    await serving.dispose();
  }
}

async function engineOf(ctx: BenchContext, state: VigilState, model: string, version: string): Promise<string> {
  return withServing(ctx, state, async (serving) => {
    const versions = await new VigilAdmin(serving.directUrl, ctx.adminToken).versions(model);
    return versions.find((v) => v.version === version)?.engine ?? 'unknown';
  });
}

async function setEngine(
  ctx: BenchContext,
  state: VigilState,
  model: string,
  version: string,
  engine: 'onnxruntime' | 'auto',
): Promise<void> {
  await withServing(ctx, state, (serving) => new VigilAdmin(serving.directUrl, ctx.adminToken).setEngine(model, version, engine));
}

/** One more cold start, with the isolate's CPU profile from just before the request to the answer. */
async function profiledColdStart(
  ctx: BenchContext,
  state: VigilState,
  body: string,
  path: string,
): Promise<{ firstPredictionMs: number; profile: ColdStartBreakdown['profile'] }> {
  const inspectorPort = await freePort();
  const serving = await serveServing(ctx.builds.vigil, state, { inspectorPort });
  try {
    const stop = await startProfiling(inspectorPort, [SERVING_TARGET], 50);
    const t0 = performance.now();
    const { status, text } = await request(new URL(path, serving.directUrl), 'POST', body);
    const firstPredictionMs = performance.now() - t0;
    const cpu = (await stop()).get(SERVING_TARGET)!;
    if (status !== 200) throw new Error(`the profiled first prediction answered ${status}: ${text.slice(0, 300)}`);
    const { serving: bundle } = ctx.builds.vigil;
    const locator = loadLocator(join(bundle.dir, `${bundle.entry}.map`));
    const locate = (url: string, line: number, column: number) =>
      url.endsWith(bundle.entry) ? (locator?.sourceAt(line, column) ?? 'bundle') : `builtin:${url}`;
    return { firstPredictionMs, profile: coldStartProfile(cpu, locate) };
  } finally {
    await serving.dispose();
  }
}

export async function runColdStarts(ctx: BenchContext, state: VigilState): Promise<ColdStartPhaseResult> {
  const { options } = ctx;
  const family = ctx.families[0]!;
  const body = family.singleBodies[0]!;
  const predict = (w: ServedWorker) => request(new URL(family.predictPath, w.directUrl), 'POST', body);
  const coldStarts: ColdStartResult[] = [];
  const record = (result: ColdStartResult) => {
    const firsts = result.runs.map((r) => r.firstPredictionMs.toFixed(1)).join(', ');
    ctx.log(
      `${result.label}: first prediction ${firsts} ms` +
        (result.failures.length ? `; ${result.failures.length} failed: ${result.failures[0]}` : ''),
    );
    coldStarts.push(result);
  };
  let breakdown: ColdStartBreakdown | null = null;
  let ortBreakdown: ColdStartBreakdown | null = null;
  const profiled = async (engine: string): Promise<ColdStartBreakdown | null> => {
    try {
      const run = await profiledColdStart(ctx, state, body, family.predictPath);
      return {
        profiledFirstPredictionMs: run.firstPredictionMs,
        profile: run.profile,
        runtimeReadyMs: { vigil: null, telemetry: telemetryReadyMs, floor: null },
      };
    } catch (error) {
      ctx.notes.push(`the profiled cold start (${engine}) failed: ${String(error).slice(0, 300)}`);
      return null;
    }
  };

  ctx.log('cold starts: the telemetry Worker is started first and stays up; each run is a fresh serving process');
  const telemetryStarted = performance.now();
  const telemetry = await serveTelemetry(ctx.builds.vigil, state);
  const telemetryReadyMs = performance.now() - telemetryStarted;
  try {
    const engine = await engineOf(ctx, state, family.id, family.primary);
    ctx.log(`cold starts: ${options.coldStartRepetitions} × Vigil, deployed (${family.id} v${family.primary} on ${engine})`);
    record({
      ...(await repeatColdStart(
        'vigil-cold',
        `Vigil, deployed (D1 has registry + deployment), ${family.id} v${family.primary}`,
        options.coldStartRepetitions,
        () => coldRun(() => serveServing(ctx.builds.vigil, state), predict),
      )),
      engine,
    });
    breakdown = await profiled(engine);

    ctx.log(`cold starts: ${family.id} v${family.primary} forced to ONNX Runtime through the engine API`);
    await setEngine(ctx, state, family.id, family.primary, 'onnxruntime');
    try {
      const forced = await engineOf(ctx, state, family.id, family.primary);
      record({
        ...(await repeatColdStart(
          'vigil-cold-ort',
          `Vigil, deployed, ${family.id} v${family.primary} forced to ONNX Runtime`,
          options.coldStartRepetitions,
          () => coldRun(() => serveServing(ctx.builds.vigil, state), predict),
        )),
        engine: forced,
      });
      ortBreakdown = await profiled(forced);
    } finally {
      await setEngine(ctx, state, family.id, family.primary, 'auto');
    }
  } finally {
    await telemetry.dispose();
  }

  record(
    await repeatColdStart(
      'vigil-first-deploy',
      'Vigil, first use after deploy (empty D1: registers and QA-gates bundled versions)',
      options.firstDeployRepetitions,
      () => {
        // A state and dev registry of its own: no telemetry Worker consumes there (the first prediction does not wait for one).
        const fresh = vigilState(mkdtempSync(join(ctx.workDir, 'fresh-')));
        return coldRun(
          () => serveServing(ctx.builds.vigil, fresh),
          predict,
          async (w) => void (await applyMigrations(w.mf, 'DB', join(ctx.root, 'migrations'))),
        );
      },
    ),
  );
  const baselineRuns = options.quick ? Math.min(2, options.coldStartRepetitions) : options.coldStartRepetitions;
  for (const server of ['limit', 'floor'] as const) {
    const build = ctx.builds[server];
    const path = server === 'limit' ? family.baselinePath : family.predictPath;
    record(
      await repeatColdStart(`${server}-cold`, `${server} Worker`, baselineRuns, () =>
        coldRun(
          () => serveWorker({ bundle: build.bundle, workerOptions: build.options }),
          (w) => request(new URL(path, w.directUrl), 'POST', body),
        ),
      ),
    );
  }
  const readyOf = (id: string) => {
    const runs = coldStarts.find((c) => c.id === id)?.runs ?? [];
    return runs.length ? median(runs.map((r) => r.runtimeReadyMs)) : null;
  };
  for (const [b, id] of [
    [breakdown, 'vigil-cold'],
    [ortBreakdown, 'vigil-cold-ort'],
  ] as const)
    if (b) b.runtimeReadyMs = { ...b.runtimeReadyMs, vigil: readyOf(id), floor: readyOf('floor-cold') };
  return { coldStarts, breakdown, ortBreakdown };
}
