/**
 * One autocannon run as both load generators use it (bench/load-generator.ts, bench/chaos/load-generator.ts):
 * fixed concurrency, no pipelining, every response's latency kept at full precision (autocannon's own histogram
 * keeps whole milliseconds), status codes and connection errors counted; prints one JSON line, a LoadResult
 * plus whatever `finish` adds, and exits 1 on a fatal error.
 */
import { createRequire } from 'node:module';
import type { LoadConfig, LoadResult } from './load.ts';
import { summarizeLatencies } from './stats.ts';

interface AutocannonInstance {
  on(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTimeMs: number) => void): void;
  on(event: 'reqError', listener: (error: Error) => void): void;
  stop(): void;
}

const require = createRequire(import.meta.url);
const autocannon = require('autocannon') as (
  opts: Record<string, unknown>,
  cb: (error: Error | null, result: Record<string, unknown>) => void,
) => AutocannonInstance;

/** Runs `requests` (autocannon request objects, cycled) against `config.url`; `finish` adds fields to the result. */
export function runAutocannon<Extra extends object>(config: LoadConfig, requests: readonly object[], finish: () => Extra): void {
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  let ok = 0;
  const statusCodes: Record<string, number> = {};
  const errorMessages = new Map<string, number>();

  const started = process.hrtime.bigint();
  const instance = autocannon(
    {
      url: config.url,
      connections: config.connections,
      duration: config.durationSeconds,
      timeout: config.timeoutSeconds,
      pipelining: 1,
      requests,
    },
    (error, result) => {
      const elapsedSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (error) {
        process.stdout.write(`${JSON.stringify({ fatal: String(error) })}\n`);
        process.exit(1);
      }
      const durationSeconds = Number(result.duration ?? elapsedSeconds);
      const out: LoadResult & Extra = {
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
        ...finish(),
      };
      process.stdout.write(`${JSON.stringify(out)}\n`);
    },
  );

  instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
    if (count === latencies.length) {
      const grown = new Float64Array(latencies.length * 2);
      grown.set(latencies);
      latencies = grown;
    }
    latencies[count++] = responseTimeMs;
    statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
    if (statusCode >= 200 && statusCode < 300) ok++;
  });
  instance.on('reqError', (error) => {
    const key = String(error).slice(0, 200);
    errorMessages.set(key, (errorMessages.get(key) ?? 0) + 1);
  });
  process.on('SIGTERM', () => instance.stop());
}
