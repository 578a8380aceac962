/**
 * The load generator, run as its own process so it does not share an event loop with what it measures:
 * autocannon at fixed concurrency, cycling through the given request bodies, recording every response's
 * latency at full precision (bench/lib/autocannon-run.ts).
 *
 * Usage: node bench/load-generator.ts <config.json>   → one JSON line (LoadResult) on stdout.
 */
import { readFileSync } from 'node:fs';
import { runAutocannon } from './lib/autocannon-run.ts';
import type { LoadConfig } from './lib/load.ts';

const config = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as LoadConfig;
runAutocannon(
  config,
  config.bodies.map((body) => ({ method: 'POST', path: config.path, headers: config.headers, body })),
  () => ({}),
);
