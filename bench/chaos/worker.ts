/// <reference types="@cloudflare/workers-types" />
/// <reference path="../../src/vigil-bindings.gen.d.ts" />
/**
 * The chaos Worker: Vigil's own handlers (`createWorker` over `buildServices`, as `src/index.ts` builds them) over
 * bindings that fail on a schedule — D1, the TELEMETRY queue's sends, R2 — and an ONNX Runtime whose runs throw for
 * the artifacts the schedule names (the compiled evaluator is not wrapped: it serves what it serves in production).
 * Everything but `/__chaos` is the real Worker; the schedule is one module-level state per isolate, so the fetch,
 * queue and scheduled handlers all see the same faults.
 *
 * `POST /__chaos` (admin token) with `{ d1?, queue?, r2?, ort?: Fault, ortArtifacts?: string[] }` changes the
 * schedule (a Fault is `'ok' | 'error' | { stallMs, then? }`; `ortArtifacts` are the sha256 of the artifacts whose
 * runs `ort` applies to) and answers with the schedule, the calls each wrapper passed, failed and stalled, and the
 * warn/error lines the Worker logged by message; `GET /__chaos` only reads them.
 * Built by `npm run chaos` with bench/chaos/wrangler.toml; never deployed.
 */
import { adminToken, bearerToken, timingSafeEqualString } from '../../src/api/auth.ts';
import type { Services } from '../../src/api/context.ts';
import type { Env } from '../../src/env.ts';
import type { ModelRuntime } from '../../src/inference/model-runtime.ts';
import { OrtRuntime } from '../../src/inference/ort-runtime.ts';
import { sha256Hex } from '../../src/registry/artifact.ts';
import { buildServices } from '../../src/services.ts';
import { handleTelemetryBatch } from '../../src/telemetry/queue-handler.ts';
import { createWorker } from '../../src/worker.ts';
import { faultyD1, faultyQueue, faultyR2, faultyRuntime, type Fault, type FaultCounters } from '../../test/support/faulty-bindings.ts';

export interface ChaosSchedule {
  d1: Fault;
  queue: Fault;
  r2: Fault;
  ort: Fault;
  /** sha256 of the artifacts whose runs follow `ort`; every other artifact runs normally. */
  ortArtifacts: string[];
}

const schedule: ChaosSchedule = { d1: 'ok', queue: 'ok', r2: 'ok', ort: 'ok', ortArtifacts: [] };
const counters: Record<'d1' | 'queue' | 'r2' | 'ort', FaultCounters> = {
  d1: { passed: 0, failed: 0, stalled: 0 },
  queue: { passed: 0, failed: 0, stalled: 0 },
  r2: { passed: 0, failed: 0, stalled: 0 },
  ort: { passed: 0, failed: 0, stalled: 0 },
};

/** Warn and error lines the Worker logged, by `level message` (its JSON log lines) — what an operator would see. */
const logCounts: Record<string, number> = {};
for (const level of ['warn', 'error'] as const) {
  const original = console[level].bind(console);
  console[level] = (...args: unknown[]) => {
    let key = `${level} ${String(args[0]).slice(0, 100)}`;
    try {
      const parsed = JSON.parse(String(args[0])) as { level?: string; message?: string };
      if (parsed.message) key = `${parsed.level ?? level} ${parsed.message}`;
    } catch {
      // not a JSON line
    }
    logCounts[key] = (logCounts[key] ?? 0) + 1;
    original(...args);
  };
}

function isFault(value: unknown): value is Fault {
  if (value === 'ok' || value === 'error') return true;
  if (typeof value !== 'object' || value === null) return false;
  const { stallMs, then } = value as { stallMs?: unknown; then?: unknown };
  return typeof stallMs === 'number' && stallMs >= 0 && stallMs <= 60_000 && (then === undefined || then === 'ok' || then === 'error');
}

/** Every session is wrapped; whether its runs fail is decided per run from its artifact's sha256 and the schedule. */
function chaosRuntime(real: ModelRuntime): ModelRuntime {
  return {
    async createSession(bytes) {
      const sha256 = await sha256Hex(bytes);
      const fault = () => (schedule.ortArtifacts.includes(sha256) ? schedule.ort : 'ok');
      return faultyRuntime(real, () => true, fault, counters.ort).createSession(bytes);
    },
  };
}

let wrappedEnv: Env | undefined;
let services: Services | undefined;

/** The isolate's bindings wrapped once (the bindings are the same for every request of an isolate). */
function chaosEnv(env: Env): Env {
  wrappedEnv ??= {
    ...env,
    DB: faultyD1(env.DB as unknown as D1Database, () => schedule.d1, counters.d1) as unknown as Env['DB'],
    TELEMETRY: faultyQueue(env.TELEMETRY as unknown as Queue<unknown>, () => schedule.queue, counters.queue) as unknown as Env['TELEMETRY'],
    MODELS: faultyR2(env.MODELS as unknown as R2Bucket, () => schedule.r2, counters.r2) as unknown as Env['MODELS'],
  };
  return wrappedEnv;
}

// ONNX Runtime is wrapped; the compiled evaluator serves what the QA gate proved, as in src/index.ts. The ORT fault
// applies to versions on ONNX Runtime (the run forces the faulted versions onto it through the admin API).
const handlers = createWorker((env) => {
  services ??= buildServices(env, { ortRuntime: chaosRuntime(new OrtRuntime()) });
  return services;
});

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

async function chaosRoute(request: Request, env: Env): Promise<Response> {
  const token = adminToken(env.ADMIN_TOKEN);
  const given = bearerToken(request.headers.get('authorization') ?? undefined);
  if (!token || !given || !timingSafeEqualString(given, token))
    return json({ error: { code: 'unauthorized', message: 'the admin token is required' } }, 401);
  if (request.method === 'POST') {
    let body: Record<string, unknown>;
    try {
      body = (await request.json()) as Record<string, unknown>;
    } catch {
      return json({ error: { code: 'invalid_request', message: 'body must be JSON' } }, 400);
    }
    for (const key of ['d1', 'queue', 'r2', 'ort'] as const) {
      if (body[key] === undefined) continue;
      if (!isFault(body[key]))
        return json({ error: { code: 'invalid_request', message: `${key} must be 'ok', 'error' or { stallMs, then? }` } }, 400);
      schedule[key] = body[key];
    }
    if (body.ortArtifacts !== undefined) {
      if (!Array.isArray(body.ortArtifacts) || !body.ortArtifacts.every((s) => typeof s === 'string' && /^[0-9a-f]{64}$/.test(s))) {
        return json({ error: { code: 'invalid_request', message: 'ortArtifacts must be a list of sha256 hex strings' } }, 400);
      }
      schedule.ortArtifacts = body.ortArtifacts as string[];
    }
  } else if (request.method !== 'GET') {
    return json({ error: { code: 'method_not_allowed', message: 'GET or POST' } }, 405);
  }
  return json({ schedule, counters, logs: logCounts });
}

export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> {
    if (new URL(request.url).pathname === '/__chaos') return chaosRoute(request, env);
    return handlers.fetch(request, chaosEnv(env), ctx);
  },
  // The telemetry Worker's handler (src/telemetry-worker.ts), here beside serving so faults reach both.
  queue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
    return handleTelemetryBatch(batch, chaosEnv(env));
  },
  scheduled(controller: ScheduledController, env: Env): Promise<void> {
    return handlers.scheduled(controller, chaosEnv(env));
  },
} satisfies ExportedHandler<Env>;
