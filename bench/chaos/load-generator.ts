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
import { runAutocannon } from '../lib/autocannon-run.ts';
import type { LoadConfig, LoadResult } from '../lib/load.ts';

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

const config = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as TaggedLoadConfig;

let issued = 0;
const failures: Record<string, number> = {};
const answered: string[] = [];

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

runAutocannon(config, requests, () => {
  writeFileSync(config.answeredFile, answered.length ? `${answered.join('\n')}\n` : '');
  return { failures, idsIssued: issued };
});
