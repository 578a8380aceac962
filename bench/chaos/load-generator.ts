/**
 * The chaos run's load generator: autocannon at fixed concurrency in its own process, like
 * bench/load-generator.ts, except that every request carries its own `x-request-id` (`<prefix>-<n>`), so the
 * telemetry rows of a phase can be matched to the predictions it answered one by one. Writes the id and served
 * version of every 2xx response to `answeredFile` (`id<TAB>version` lines) and prints one JSON line: a LoadResult
 * plus the non-2xx responses by status and error code.
 *
 * Usage: node bench/chaos/load-generator.ts <config.json>
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { LoadConfig, LoadResult } from '../lib/load.ts';
import { summarizeLatencies } from '../lib/stats.ts';

export interface TaggedLoadConfig extends LoadConfig {
  /** Request ids are `<idPrefix>-<n>`, n counting from 1. */
  idPrefix: string;
  answeredFile: string;
}

export interface TaggedLoadResult extends LoadResult {
  /** Non-2xx responses by `<status> <error code>` (the JSON error's code, or `-`). */
  failures: Record<string, number>;
  /** Requests built (ids handed out); some may never have been sent or answered. */
  idsIssued: number;
}

type Headers = Record<string, string>;

interface AutocannonRequest {
  method: string;
  path: string;
  headers: Headers;
  body: string;
  setupRequest: (request: AutocannonRequest) => AutocannonRequest;
  onResponse: (status: number, body: string, context: unknown, headers: Headers) => void;
}

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

const config = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as TaggedLoadConfig;

let latencies = new Float64Array(1 << 16);
let count = 0;
let ok = 0;
let issued = 0;
const statusCodes: Record<string, number> = {};
const failures: Record<string, number> = {};
const errorMessages = new Map<string, number>();
const answered: string[] = [];

function record(ms: number): void {
  if (count === latencies.length) {
    const grown = new Float64Array(latencies.length * 2);
    grown.set(latencies);
    latencies = grown;
  }
  latencies[count++] = ms;
}

function header(headers: Headers, name: string): string | undefined {
  for (const key of Object.keys(headers)) if (key.toLowerCase() === name) return headers[key];
  return undefined;
}

function errorCode(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: string } | string; code?: string };
    if (typeof parsed.error === 'object' && parsed.error?.code) return parsed.error.code;
    return parsed.code ?? '-';
  } catch {
    return '-';
  }
}

const requests: AutocannonRequest[] = config.bodies.map((body) => ({
  method: 'POST',
  path: config.path,
  headers: config.headers,
  body,
  setupRequest: (request) => ({ ...request, headers: { ...request.headers, 'x-request-id': `${config.idPrefix}-${++issued}` } }),
  onResponse: (status, responseBody, _context, headers) => {
    if (status >= 200 && status < 300) {
      answered.push(`${header(headers, 'x-request-id') ?? ''}\t${header(headers, 'x-model-version') ?? ''}`);
    } else {
      const key = `${status} ${errorCode(responseBody)}`;
      failures[key] = (failures[key] ?? 0) + 1;
    }
  },
}));

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
    writeFileSync(config.answeredFile, answered.length ? `${answered.join('\n')}\n` : '');
    const durationSeconds = Number(result.duration ?? elapsedSeconds);
    const out: TaggedLoadResult = {
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
      failures,
      idsIssued: issued,
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
