/**
 * Runs the load generator (bench/load-generator.ts) as a child process and collects its result, while
 * sampling the RSS and CPU time of the server's processes and of the generator itself.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onExitSync, spawnNode, withTimeout } from './children.ts';
import { ResourceSampler } from './proc.ts';
import { summarizeSeries, type LatencySummary, type SeriesSummary } from './stats.ts';

export interface LoadConfig {
  url: string;
  path: string;
  headers: Record<string, string>;
  bodies: string[];
  connections: number;
  durationSeconds: number;
  timeoutSeconds: number;
}

export interface LoadResult {
  connections: number;
  durationSeconds: number;
  /** Responses received (any status). */
  requests: number;
  /** 2xx responses. */
  ok: number;
  non2xx: number;
  /** Connection errors (autocannon's count, timeouts included). */
  errors: number;
  timeouts: number;
  /** 2xx responses per second. */
  requestsPerSecond: number;
  statusCodes: Record<string, number>;
  errorMessages: Record<string, number>;
  latency: LatencySummary;
  /** CPU seconds the generator process used (all of its life). */
  generatorCpuSeconds: number;
}

export interface MeasuredLoad extends LoadResult {
  /** RSS of the server's processes sampled during the run (bytes). */
  serverRss: SeriesSummary | null;
  /** CPU seconds the server's processes used during the run. */
  serverCpuSeconds: number;
  /** Of one core: serverCpuSeconds / duration. */
  serverCpuShare: number;
  loadGeneratorCpuSeconds: number;
  loadGeneratorCpuShare: number;
  /**
   * CPU of the server's side processes during the run (Vigil's telemetry Worker, which consumes the queue into D1
   * in its own workerd), seconds and share of one core; 0 for servers without one.
   */
  sideCpuSeconds: number;
  sideCpuShare: number;
  /** Cores busy with anything else on the machine during the run (other users' processes): a disturbance. */
  otherCpuShare: number | null;
}

const GENERATOR = new URL('../load-generator.ts', import.meta.url).pathname;

/** Drives `config` against a server whose processes are `serverPids` (and side processes `sidePids`). */
export async function runLoad(
  config: LoadConfig,
  serverPids: () => readonly number[],
  sidePids: () => readonly number[] = () => [],
): Promise<MeasuredLoad> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-load-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config));
  const unregister = onExitSync(() => rmSync(dir, { recursive: true, force: true }));
  try {
    const generator = spawnNode(GENERATOR, [file]);
    const sampler = new ResourceSampler(serverPids);
    const sideSampler = new ResourceSampler(sidePids);
    let exited: Awaited<typeof generator.exited>;
    try {
      exited = await withTimeout(generator.exited, (config.durationSeconds + config.timeoutSeconds + 30) * 1000, `load ${config.path}`);
    } catch (error) {
      await generator.stop();
      throw error;
    }
    const serverCpuSeconds = sampler.stop();
    const sideCpuSeconds = sideSampler.stop();
    const line = exited.stdout.trim().split('\n').pop() ?? '';
    let result: LoadResult & { fatal?: string };
    try {
      result = JSON.parse(line) as LoadResult & { fatal?: string };
    } catch {
      throw new Error(`the load generator exited with ${exited.code} and no result:\n${exited.stderr.slice(-2000)}`);
    }
    if (result.fatal) throw new Error(`the load generator failed: ${result.fatal}`);
    return {
      ...result,
      serverRss: summarizeSeries(sampler.rss),
      serverCpuSeconds,
      serverCpuShare: serverCpuSeconds / result.durationSeconds,
      loadGeneratorCpuSeconds: result.generatorCpuSeconds,
      loadGeneratorCpuShare: result.generatorCpuSeconds / result.durationSeconds,
      sideCpuSeconds,
      sideCpuShare: sideCpuSeconds / result.durationSeconds,
      otherCpuShare:
        sampler.machineBusySeconds === null
          ? null
          : Math.max(0, sampler.machineBusySeconds - serverCpuSeconds - sideCpuSeconds - result.generatorCpuSeconds) /
            result.durationSeconds,
    };
  } finally {
    unregister();
    rmSync(dir, { recursive: true, force: true });
  }
}
