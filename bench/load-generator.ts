/**
 * The load generator, run as its own process so it does not share an event loop with what it measures:
 * autocannon at fixed concurrency, cycling through the given request bodies, recording every response's
 * latency at full precision (autocannon's own histogram keeps whole milliseconds).
 *
 * Usage: node bench/load-generator.ts <config.json>   → one JSON line (LoadResult) on stdout.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { summarizeLatencies } from './lib/stats.ts';
import type { LoadConfig, LoadResult } from './lib/load.ts';

const require = createRequire(import.meta.url);
const autocannon = require('autocannon') as (
  opts: Record<string, unknown>,
  cb?: (error: Error | null, result: Record<string, unknown>) => void,
) => AutocannonInstance;

interface AutocannonInstance {
  on(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTimeMs: number) => void): void;
  on(event: 'reqError', listener: (error: Error) => void): void;
  stop(): void;
}

const config = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as LoadConfig;

let latencies = new Float64Array(1 << 16);
let count = 0;
let ok = 0;
const statusCodes: Record<string, number> = {};
const errorMessages = new Map<string, number>();

function record(ms: number): void {
  if (count === latencies.length) {
    const grown = new Float64Array(latencies.length * 2);
    grown.set(latencies);
    latencies = grown;
  }
  latencies[count++] = ms;
}

const started = process.hrtime.bigint();
const instance = autocannon(
  {
    url: config.url,
    connections: config.connections,
    duration: config.durationSeconds,
    timeout: config.timeoutSeconds,
    pipelining: 1,
    requests: config.bodies.map((body) => ({ method: 'POST', path: config.path, headers: config.headers, body })),
  },
  (error, result) => {
    const elapsedSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (error) {
      process.stdout.write(`${JSON.stringify({ fatal: String(error) })}\n`);
      process.exit(1);
    }
    const durationSeconds = Number(result.duration ?? elapsedSeconds);
    const out: LoadResult = {
      connections: config.connections,
      durationSeconds,
      requests: count,
      ok,
      non2xx: count - ok,
      errors: Number(result.errors ?? 0),
      timeouts: Number(result.timeouts ?? 0),
      requestsPerSecond: ok / durationSeconds,
      statusCodes,
      errorMessages: Object.fromEntries(errorMessages),
      latency: summarizeLatencies(latencies.subarray(0, count)),
      generatorCpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  },
);

instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
  record(responseTimeMs);
  statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
  if (statusCode >= 200 && statusCode < 300) ok++;
});
instance.on('reqError', (error) => {
  const key = String(error).slice(0, 200);
  errorMessages.set(key, (errorMessages.get(key) ?? 0) + 1);
});
process.on('SIGTERM', () => instance.stop());
