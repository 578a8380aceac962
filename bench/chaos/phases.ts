/**
 * The fault phases of `npm run chaos`. Each phase sets a fault, drives load at fixed concurrency on
 * `POST /v1/models/{model}/predict` (every request with its own `x-request-id`, prefixed with the phase's name),
 * probes what the fault should do to other routes, lifts the fault, sends a few requests (which also make the
 * isolate flush what its telemetry buffer kept), waits for the phase's telemetry to reach D1, and accounts for it
 * request by request.
 */
import { prefixRange, telemetryAccount, countedDelta, type CountedRecords, type Expectation, type TelemetryAccount } from './accounting.ts';
import type { LoadConfig } from '../lib/load.ts';
import type { ChaosOptions, PhaseName } from './options.ts';
import { runTaggedLoad, type TaggedLoad } from './tagged-load.ts';
import { NO_FAULTS, type ChaosVigil, type FaultCounts, type IsolateHealth } from './vigil-client.ts';
import type { AlertWebhook } from './webhook.ts';
import type { ChaosSchedule } from './worker.ts';

export interface PushedVersion {
  version: string;
  sha256: string;
  manifest: Record<string, unknown>;
  bytes: Uint8Array;
}

export interface PhaseContext {
  vigil: ChaosVigil;
  webhook: AlertWebhook;
  options: ChaosOptions;
  model: string;
  primary: string;
  shadow: { version: string; sha256: string };
  /** Pushed at setup and never loaded by the serving isolate before r2-errors (only R2 has its bytes). */
  pinned: PushedVersion;
  /** Pushed at setup; deployed as the canary whose runs fail. */
  canary: PushedVersion;
  /** A version pushed during the R2 outage (expected to be refused with 503). */
  pushDuringOutage: PushedVersion;
  golden: Record<string, unknown>[];
  bodies: string[];
  minSamples: number;
  log(message: string): void;
}

/** A request made beside the load to check what a fault does to another route. */
export interface Probe {
  name: string;
  /** What the documentation (docs/operations.md) says should happen. */
  expected: string;
  status: number;
  code: string | null;
  ms: number;
  met: boolean;
}

export interface Target {
  name: string;
  target: string;
  value: string;
  met: boolean;
}

export interface PhaseResult {
  name: PhaseName;
  fault: string;
  /** Whether answering every prediction is possible under this fault (a fallback exists). */
  fallbackExists: boolean;
  startedAt: string;
  load: {
    durationSeconds: number;
    requests: number;
    ok: number;
    statusCodes: Record<string, number>;
    failures: Record<string, number>;
    serverErrors: number;
    connectionErrors: number;
    timeouts: number;
    requestsPerSecond: number;
    latencyMs: { p50: number; p90: number; p99: number; max: number };
  };
  /** Calls the wrapped bindings passed, failed and stalled during the phase (from GET /__chaos). */
  faultCalls: FaultCounts;
  /** Warn/error lines the Worker logged during the phase (load and fault only), by `level message`. */
  workerLogs: Record<string, number>;
  probes: Probe[];
  recovery: { requests: number; ok: number; statusCodes: Record<string, number> };
  telemetry: TelemetryAccount & {
    drained: boolean;
    drainSeconds: number;
    /** Of the comparisons stored for predictions the load got answered (while the fault held), those recording a shadow error. */
    errorComparisons: { stored: number; withError: number };
  };
  health: { before: IsolateHealth; after: IsolateHealth };
  alerts: {
    webhookReceived: number;
    webhookReceivedWhileHanging: number;
    webhookAnswered: number;
    stored: number;
    delivered: number;
    rows: AlertRow[];
  };
  deployment: { canaryAfter: string | null; events: EventRow[] };
  details: Record<string, unknown>;
  targets: Target[];
}

interface AlertRow {
  id: number;
  kind: string;
  attempts: number;
  delivered_at: number | null;
  last_error: string | null;
  created_at: number;
}

interface EventRow {
  action: string;
  actor: string;
  reason: string | null;
  created_at: number;
}

interface PhaseSpec {
  name: PhaseName;
  fault: string;
  schedule: Partial<ChaosSchedule>;
  fallbackExists: boolean;
  /** Before the load, after the fault is set. */
  setup?: () => Promise<void>;
  /** Beside the load, while the fault holds. */
  during?: () => Promise<Probe[]>;
  /** After the load, while the fault still holds. */
  beforeRestore?: (result: PhaseResult) => Promise<void>;
  /** After the fault is lifted, before the recovery requests. */
  afterRestore?: (result: PhaseResult) => Promise<void>;
  /** After the telemetry is accounted. */
  finish?: (result: PhaseResult) => Promise<void>;
  /** Predictions the phase made outside the load (id → version), accounted with the load's. */
  extraAnswered?: ReadonlyMap<string, string>;
}

/** Longer than TELEMETRY_FLUSH_MS (5 s): a flush the isolate had scheduled would have run. */
const IDLE_WAIT_MS = 8000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function errorCode(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const error = (body as { error?: unknown; code?: unknown }).error;
  if (typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string')
    return (error as { code: string }).code;
  const code = (body as { code?: unknown }).code;
  return typeof code === 'string' ? code : null;
}

function subtractCounts(after: FaultCounts, before: FaultCounts): FaultCounts {
  const out = {} as FaultCounts;
  for (const key of Object.keys(after) as (keyof FaultCounts)[]) {
    out[key] = {
      passed: after[key].passed - before[key].passed,
      failed: after[key].failed - before[key].failed,
      stalled: after[key].stalled - before[key].stalled,
    };
  }
  return out;
}

function countedOf(health: IsolateHealth): CountedRecords {
  return {
    droppedInIsolates: health.telemetry.dropped_in_isolates,
    waitingInDeadLetterQueue: health.telemetry.waiting.records,
    droppedFromDeadLetterQueue: health.telemetry.dropped.records,
  };
}

/** The Open Inference Protocol body of one instance (one tensor per feature). */
function oipBody(instance: Record<string, unknown>): unknown {
  return {
    inputs: Object.entries(instance).map(([name, value]) => ({
      name,
      datatype: typeof value === 'number' ? 'FP64' : typeof value === 'boolean' ? 'BOOL' : 'BYTES',
      shape: [1],
      data: [value],
    })),
  };
}

export class FaultPhases {
  readonly #ctx: PhaseContext;

  constructor(ctx: PhaseContext) {
    this.#ctx = ctx;
  }

  #loadConfig(seconds: number): LoadConfig {
    const { vigil, options, model, bodies } = this.#ctx;
    return {
      url: vigil.worker.directUrl.origin,
      path: `/v1/models/${model}/predict`,
      headers: { 'content-type': 'application/json' },
      bodies,
      connections: options.connections,
      durationSeconds: seconds,
      timeoutSeconds: 10,
    };
  }

  /** Discarded load before the phases: sessions, validators and the deployment warm. */
  async warmup(): Promise<TaggedLoad> {
    return runTaggedLoad(this.#loadConfig(this.#ctx.options.warmupSeconds), 'warmup');
  }

  async #probe(
    name: string,
    expected: string,
    accept: (status: number, code: string | null) => boolean,
    call: () => Promise<{ status: number; body: unknown; ms: number }>,
  ): Promise<Probe> {
    try {
      const res = await call();
      const code = errorCode(res.body);
      return { name, expected, status: res.status, code, ms: res.ms, met: accept(res.status, code) };
    } catch (error) {
      return { name, expected, status: 0, code: String(error).slice(0, 200), ms: 0, met: false };
    }
  }

  /** A prediction outside the load, with its own id; records it in `answered` when it is answered 2xx. */
  async #predict(
    id: string,
    answered: Map<string, string>,
    instance: Record<string, unknown>,
    version?: string,
  ): Promise<{ status: number; body: unknown; ms: number }> {
    const { vigil, model } = this.#ctx;
    const res = version
      ? await vigil.request('POST', `/v2/models/${model}/versions/${version}/infer`, {
          body: oipBody(instance),
          headers: { 'x-request-id': id },
        })
      : await vigil.request('POST', `/v1/models/${model}/predict`, { body: { instances: [instance] }, headers: { 'x-request-id': id } });
    if (res.status >= 200 && res.status < 300) answered.set(id, res.headers.get('x-model-version') ?? version ?? '');
    return res;
  }

  async #storedRows(table: 'prediction_samples' | 'shadow_comparisons', prefix: string): Promise<Map<string, number>> {
    const [from, to] = prefixRange(prefix);
    const rows = await this.#ctx.vigil.rows<{ request_id: string; n: number }>(
      `SELECT request_id, count(*) AS n FROM ${table} WHERE request_id >= ?1 AND request_id < ?2 GROUP BY request_id`,
      from,
      to,
    );
    return new Map(rows.map((r) => [r.request_id, Number(r.n)]));
  }

  async #rowCount(table: 'prediction_samples' | 'shadow_comparisons', prefix: string): Promise<number> {
    const [from, to] = prefixRange(prefix);
    return this.#ctx.vigil.count(`SELECT count(*) AS n FROM ${table} WHERE request_id >= ?1 AND request_id < ?2`, from, to);
  }

  /**
   * Waits until every answered prediction's rows are in D1 or counted as dropped (and the isolate holds nothing
   * unsent), or the deadline passes; then accounts request by request.
   */
  async #drain(
    prefix: string,
    answered: ReadonlyMap<string, string>,
    expectation: Expectation,
    before: IsolateHealth,
  ): Promise<{ account: TelemetryAccount; drained: boolean; seconds: number; after: IsolateHealth }> {
    const { vigil, options, log } = this.#ctx;
    const started = performance.now();
    const deadline = started + options.drainSeconds * 1000;
    let expected = 0;
    for (const version of answered.values()) expected += expectation.instances * (1 + (expectation.compared(version) ? 1 : 0));
    let lastProgress = -1;
    let lastChange = performance.now();
    for (;;) {
      const health = await vigil.health().catch(() => null);
      const counted = health ? countedDelta(countedOf(before), countedOf(health)) : null;
      const countedTotal = counted
        ? Math.max(0, counted.droppedInIsolates) +
          Math.max(0, counted.waitingInDeadLetterQueue) +
          Math.max(0, counted.droppedFromDeadLetterQueue)
        : 0;
      const stored = (await this.#rowCount('prediction_samples', prefix)) + (await this.#rowCount('shadow_comparisons', prefix));
      const pending = health?.isolate.telemetry_pending ?? 1;
      if (stored + countedTotal !== lastProgress) {
        lastProgress = stored + countedTotal;
        lastChange = performance.now();
      }
      const now = performance.now();
      // Rows of requests in flight when the load stopped are counted here too, so the exact account decides.
      const maybeDone = health !== null && pending === 0 && stored + countedTotal >= expected;
      // Queue retries back off (TELEMETRY_RETRY_SECONDS doubling): 45 s without progress is given up on early.
      const stuck = health !== null && pending === 0 && now - lastChange > 45_000;
      if (maybeDone || stuck || now > deadline) {
        const account = telemetryAccount(
          answered,
          await this.#storedRows('prediction_samples', prefix),
          await this.#storedRows('shadow_comparisons', prefix),
          expectation,
          counted ?? countedDelta(countedOf(before), countedOf(before)),
        );
        if (account.lost === 0 || stuck || now > deadline) {
          const seconds = (performance.now() - started) / 1000;
          if (account.lost > 0)
            log(
              `${prefix}: ${account.lost} records unaccounted after ${seconds.toFixed(0)} s ` +
                `(${stuck ? 'no progress for 45 s' : 'deadline'})`,
            );
          return { account, drained: account.lost === 0, seconds, after: health ?? (await vigil.health()) };
        }
      }
      await sleep(2000);
    }
  }

  async #run(spec: PhaseSpec): Promise<PhaseResult> {
    const { vigil, webhook, options, log, golden } = this.#ctx;
    const startedMs = Date.now();
    log(`${spec.name}: ${spec.fault}`);
    const healthBefore = await vigil.health();
    const stateBefore = await vigil.chaosState();
    const faultsBefore = stateBefore.counters;
    const webhookBefore = { received: webhook.received.length, answered: webhook.answered };
    await vigil.chaos({ ...NO_FAULTS, ...spec.schedule });
    await spec.setup?.();
    const loadRun = runTaggedLoad(this.#loadConfig(options.phaseSeconds), spec.name);
    const probes = spec.during ? await spec.during() : [];
    const load = await loadRun;
    const serverErrors = Object.entries(load.statusCodes).reduce((n, [status, count]) => n + (Number(status) >= 500 ? count : 0), 0);
    const result: PhaseResult = {
      name: spec.name,
      fault: spec.fault,
      fallbackExists: spec.fallbackExists,
      startedAt: new Date(startedMs).toISOString(),
      load: {
        durationSeconds: load.durationSeconds,
        requests: load.requests,
        ok: load.ok,
        statusCodes: load.statusCodes,
        failures: load.failures,
        serverErrors,
        connectionErrors: load.errors,
        timeouts: load.timeouts,
        requestsPerSecond: load.requestsPerSecond,
        latencyMs: { p50: load.latency.p50Ms, p90: load.latency.p90Ms, p99: load.latency.p99Ms, max: load.latency.maxMs },
      },
      faultCalls: {
        d1: { passed: 0, failed: 0, stalled: 0 },
        queue: { passed: 0, failed: 0, stalled: 0 },
        r2: { passed: 0, failed: 0, stalled: 0 },
        ort: { passed: 0, failed: 0, stalled: 0 },
      },
      workerLogs: {},
      probes,
      recovery: { requests: 0, ok: 0, statusCodes: {} },
      telemetry: null as unknown as PhaseResult['telemetry'],
      health: { before: healthBefore, after: healthBefore },
      alerts: { webhookReceived: 0, webhookReceivedWhileHanging: 0, webhookAnswered: 0, stored: 0, delivered: 0, rows: [] },
      deployment: { canaryAfter: null, events: [] },
      details: {},
      targets: [],
    };
    log(
      `${spec.name}: ${load.requests} requests (${load.requestsPerSecond.toFixed(0)}/s answered 2xx), ` +
        `statuses ${JSON.stringify(load.statusCodes)}${load.errors ? `, ${load.errors} connection errors` : ''}`,
    );
    await spec.beforeRestore?.(result);
    const stateAfter = await vigil.chaos(NO_FAULTS);
    result.faultCalls = subtractCounts(stateAfter.counters, faultsBefore);
    result.workerLogs = Object.fromEntries(
      Object.entries(stateAfter.logs)
        .map(([k, v]) => [k, v - (stateBefore.logs[k] ?? 0)] as const)
        .filter(([, v]) => v > 0)
        .sort((a, b) => b[1] - a[1]),
    );
    await spec.afterRestore?.(result);

    // Recovery: predictions right after the fault is lifted; they also make the isolate flush its buffer.
    const answered = new Map(load.answered);
    for (let i = 1; i <= 5; i++) {
      const res = await this.#predict(`${spec.name}-recovery-${i}`, answered, golden[i % golden.length]!).catch(() => ({
        status: 0,
        body: null,
        ms: 0,
      }));
      result.recovery.requests++;
      if (res.status >= 200 && res.status < 300) result.recovery.ok++;
      result.recovery.statusCodes[res.status] = (result.recovery.statusCodes[res.status] ?? 0) + 1;
      await sleep(400);
    }
    for (const [id, version] of spec.extraAnswered ?? []) answered.set(id, version);

    const deployment = await vigil.deployment();
    const shadowEverywhere = deployment.shadows.some((s) => s.sample_rate >= 1);
    const expectation: Expectation = { instances: 1, compared: (version) => shadowEverywhere && version === this.#ctx.primary };
    const drained = await this.#drain(spec.name, answered, expectation, healthBefore);
    const [from, to] = prefixRange(spec.name);
    const comparisonErrors = new Map(
      (
        await vigil.rows<{ request_id: string; error: number }>(
          'SELECT request_id, max(error IS NOT NULL) AS error FROM shadow_comparisons ' +
            'WHERE request_id >= ?1 AND request_id < ?2 GROUP BY request_id',
          from,
          to,
        )
      ).map((r) => [r.request_id, Number(r.error)]),
    );
    let comparedDuringFault = 0;
    let withError = 0;
    for (const id of load.answered.keys()) {
      const error = comparisonErrors.get(id);
      if (error === undefined) continue;
      comparedDuringFault++;
      withError += error;
    }
    result.telemetry = {
      ...drained.account,
      drained: drained.drained,
      drainSeconds: drained.seconds,
      errorComparisons: { stored: comparedDuringFault, withError },
    };
    result.health.after = drained.after;
    log(
      `${spec.name}: telemetry ${result.telemetry.samples.stored}/${result.telemetry.samples.sent} samples, ` +
        `${result.telemetry.comparisons.stored}/${result.telemetry.comparisons.sent} comparisons stored, ` +
        `${result.telemetry.countedTotal} counted as dropped/waiting, lost ${result.telemetry.lost} ` +
        `(${drained.seconds.toFixed(0)} s to drain)`,
    );

    const alertRows = await vigil.rows<AlertRow>(
      'SELECT id, kind, attempts, delivered_at, last_error, created_at FROM alerts WHERE created_at >= ?1 ORDER BY id',
      startedMs,
    );
    const received = webhook.received.slice(webhookBefore.received);
    result.alerts = {
      webhookReceived: received.length,
      webhookReceivedWhileHanging: received.filter((a) => a.mode === 'hang').length,
      webhookAnswered: webhook.answered - webhookBefore.answered,
      stored: alertRows.length,
      delivered: alertRows.filter((a) => a.delivered_at !== null).length,
      rows: alertRows,
    };
    result.deployment = {
      canaryAfter: deployment.canary ? `${deployment.canary.version} at ${deployment.canary.percent} %` : null,
      events: await vigil.rows<EventRow>(
        'SELECT action, actor, reason, created_at FROM deployment_events WHERE model = ?1 AND created_at >= ?2 ORDER BY id',
        this.#ctx.model,
        startedMs,
      ),
    };
    await spec.finish?.(result);

    // Targets every phase shares.
    const targets: Target[] = [];
    const injected = Object.entries(spec.schedule)
      .filter(([k, v]) => k !== 'ortArtifacts' && v !== 'ok')
      .map(([k]) => k as keyof FaultCounts);
    for (const key of injected) {
      const calls = result.faultCalls[key];
      targets.push({
        name: `${key} fault injected`,
        target: '> 0 calls failed or stalled',
        value: `${calls.failed} failed, ${calls.stalled} stalled, ${calls.passed} passed`,
        met: calls.failed + calls.stalled > 0,
      });
    }
    if (spec.fallbackExists)
      targets.push({ name: '5xx on predictions', target: '0', value: String(serverErrors), met: serverErrors === 0 });
    targets.push({
      name: 'telemetry lost (not stored, not counted)',
      target: '0',
      value: String(result.telemetry.lost),
      met: result.telemetry.lost === 0,
    });
    targets.push({
      name: 'recovery predictions answered 200',
      target: `${result.recovery.requests}`,
      value: String(result.recovery.ok),
      met: result.recovery.ok === result.recovery.requests,
    });
    for (const p of probes)
      targets.push({ name: `probe: ${p.name}`, target: p.expected, value: `${p.status}${p.code ? ` ${p.code}` : ''}`, met: p.met });
    result.targets = [...targets, ...result.targets];
    return result;
  }

  baseline(): Promise<PhaseResult> {
    return this.#run({ name: 'baseline', fault: 'none', schedule: {}, fallbackExists: true });
  }

  d1Errors(): Promise<PhaseResult> {
    const { vigil, model } = this.#ctx;
    return this.#run({
      name: 'd1-errors',
      fault: 'every D1 call throws (D1_ERROR)',
      schedule: { d1: 'error' },
      fallbackExists: true,
      during: async () => {
        await sleep(1000);
        return [
          await this.#probe(
            'admin GET events while D1 fails',
            '503 service_unavailable',
            (s, c) => s === 503 && c === 'service_unavailable',
            () => vigil.admin('GET', `/models/${model}/events`),
          ),
          await this.#probe(
            'POST /admin/checks/run while D1 fails',
            '503 service_unavailable',
            (s, c) => s === 503 && c === 'service_unavailable',
            () => vigil.admin('POST', `/checks/run?model=${model}&window=10m`),
          ),
        ];
      },
      finish: async (result) => {
        // Each failed read of the deployment logs this line once (src/traffic/deployment-service.ts).
        const rereads = result.workerLogs['warn D1 unreadable: serving the last known deployment'] ?? 0;
        const allowed = Math.ceil(result.load.durationSeconds / 2) + 2;
        result.targets.push({
          name: 'deployment re-read from D1 while it fails (docs/operations.md: "D1 is retried every 2 s")',
          target: `≤ ${allowed} in ${result.load.durationSeconds.toFixed(0)} s`,
          value: `${rereads} failed reads for ${result.load.requests} requests`,
          met: rereads <= allowed,
        });
      },
    });
  }

  d1Stalls(): Promise<PhaseResult> {
    // docs/operations.md: an expired deployment waits at most 250 ms for D1, then is served from the cache.
    return this.#stalls('d1-stalls', 'd1', 'D1 call', 'D1 call');
  }

  queueSendFailures(): Promise<PhaseResult> {
    const { vigil, log } = this.#ctx;
    return this.#run({
      name: 'queue-send-failures',
      fault: 'TELEMETRY send/sendBatch throws',
      schedule: { queue: 'error' },
      fallbackExists: true,
      afterRestore: async (result) => {
        // What the isolate kept, once the queue takes messages again but before any new request arrives.
        const atRestore = (await vigil.health()).isolate.telemetry_pending ?? null;
        await sleep(IDLE_WAIT_MS);
        const afterIdle = (await vigil.health()).isolate.telemetry_pending ?? null;
        result.details.pendingWithoutTraffic = { atRestore, afterIdleMs: IDLE_WAIT_MS, afterIdle };
        log(
          `queue-send-failures: the isolate holds ${atRestore} records when the queue recovers, ` +
            `${afterIdle} after ${IDLE_WAIT_MS / 1000} s without requests`,
        );
      },
      finish: async (result) => {
        const t = result.telemetry;
        // docs/operations.md: each isolate keeps up to 20,000 records, resends them, drops the oldest beyond and counts them.
        result.details.keptAndResent = t.samples.stored + t.comparisons.stored;
        const isolateDropped = (result.health.after.isolate.telemetry_dropped ?? 0) - (result.health.before.isolate.telemetry_dropped ?? 0);
        result.targets.push({
          name: 'records the isolate dropped are all reported to D1 (dropped_in_isolates)',
          target: `${isolateDropped} (the isolate's telemetry_dropped)`,
          value: String(t.counted.droppedInIsolates),
          met: t.counted.droppedInIsolates === isolateDropped,
        });
      },
    });
  }

  queueStalls(): Promise<PhaseResult> {
    // Telemetry is sent after the response (src/serving/after-response.ts): a stalled send delays records, not
    // predictions.
    return this.#stalls('queue-stalls', 'queue', 'TELEMETRY send/sendBatch', 'queue send');
  }

  /** Every `calls` of `binding` stalls --stall seconds, then succeeds: no prediction may wait for one (`call`). */
  #stalls(name: PhaseName, binding: 'd1' | 'queue', calls: string, call: string): Promise<PhaseResult> {
    const stallMs = this.#ctx.options.stallSeconds * 1000;
    return this.#run({
      name,
      fault: `every ${calls} stalls ${stallMs / 1000} s, then succeeds`,
      schedule: { [binding]: { stallMs } },
      fallbackExists: true,
      finish: async (result) => {
        const max = result.load.latencyMs.max;
        result.targets.push({
          name: `no prediction waits for a stalled ${call}`,
          target: `max latency < ${stallMs} ms`,
          value: `${max.toFixed(0)} ms (p99 ${result.load.latencyMs.p99.toFixed(1)} ms)`,
          met: max < stallMs,
        });
      },
    });
  }

  r2Errors(): Promise<PhaseResult> {
    const { vigil, golden, pinned, pushDuringOutage } = this.#ctx;
    const pinnedAnswered = new Map<string, string>();
    return this.#run({
      name: 'r2-errors',
      fault:
        `every R2 call throws; requests pinned to pushed v${pinned.version}, not loaded yet, cannot be served ` +
        '(no fallback: its bytes are only in R2)',
      schedule: { r2: 'error' },
      fallbackExists: true,
      extraAnswered: pinnedAnswered,
      during: async () => {
        await sleep(500);
        const probes: Probe[] = [];
        for (let i = 1; i <= 3; i++) {
          probes.push(
            await this.#probe(
              `pinned v${pinned.version} (not loaded) #${i}`,
              '503 model_unavailable (no fallback exists)',
              (s) => s === 503,
              () => this.#predict(`r2-errors-pinned-${i}`, pinnedAnswered, golden[i]!, pinned.version),
            ),
          );
        }
        probes.push(
          await this.#probe(
            `push v${pushDuringOutage.version} while R2 fails`,
            '503 (docs/operations.md: "a push answers 503")',
            (s) => s === 503,
            () => vigil.push(pushDuringOutage.version, pushDuringOutage.manifest, pushDuringOutage.bytes),
          ),
        );
        return probes;
      },
      afterRestore: async (result) => {
        const after = await this.#probe(
          `pinned v${pinned.version} after R2 recovered`,
          '200',
          (s) => s === 200,
          () => this.#predict('r2-errors-pinned-after', pinnedAnswered, golden[0]!, pinned.version),
        );
        result.probes.push(after);
        result.details.pinnedNoFallback = {
          requests: result.probes.filter((p) => p.name.startsWith(`pinned v${pinned.version} (not loaded)`)).length,
          statuses: result.probes
            .filter((p) => p.name.startsWith(`pinned v${pinned.version} (not loaded)`))
            .map((p) => `${p.status} ${p.code ?? ''}`.trim()),
        };
      },
      finish: async (result) => {
        const stored = await vigil.count(
          'SELECT count(*) AS n FROM model_versions WHERE model = ?1 AND version = ?2',
          this.#ctx.model,
          Number(pushDuringOutage.version),
        );
        result.details.pushDuringOutageRegistered = stored > 0;
      },
    });
  }

  ortFailsForShadow(): Promise<PhaseResult> {
    const { shadow, vigil } = this.#ctx;
    let before: Awaited<ReturnType<ChaosVigil['engineOf']>> = null;
    return this.#run({
      name: 'ort-fails-for-shadow',
      fault: `ONNX Runtime throws on every run of the shadow (v${shadow.version}, forced onto ONNX Runtime); the primary runs normally`,
      schedule: { ort: 'error', ortArtifacts: [shadow.sha256] },
      fallbackExists: true,
      setup: async () => {
        before = await vigil.engineOf(shadow.version);
        if (before && before.engine !== 'onnxruntime') await vigil.setEngine(shadow.version, 'onnxruntime');
      },
      afterRestore: async (result) => {
        if (before && before.engine !== 'onnxruntime')
          await vigil.setEngine(shadow.version, (before.override as 'onnxruntime' | 'compiled' | null) ?? 'auto');
        result.details.shadowEngine = { before, during: 'onnxruntime', after: await vigil.engineOf(shadow.version) };
      },
      finish: async (result) => {
        const { stored, withError } = result.telemetry.errorComparisons;
        result.targets.push({
          name: 'comparisons of the load record the shadow error',
          target: `all ${stored}`,
          value: String(withError),
          met: stored > 0 && withError === stored,
        });
      },
    });
  }

  failingCanary(): Promise<PhaseResult> {
    const { vigil, webhook, model, canary, options, minSamples, log } = this.#ctx;
    let checksStartedAt = 0;
    return this.#run({
      name: 'failing-canary-hanging-webhook',
      fault:
        `canary v${canary.version} (${options.canaryPercent} %, on ONNX Runtime) whose runs all throw; ` +
        'the alert webhook hangs; then POST /admin/checks/run?window=10m',
      schedule: { ort: 'error', ortArtifacts: [canary.sha256] },
      fallbackExists: false,
      setup: async () => {
        webhook.mode = 'hang';
        await vigil.changeDeployment({ action: 'canary', version: canary.version, percent: options.canaryPercent });
      },
      beforeRestore: async (result) => {
        // The canary check reads the canary's failures from the feature profiles: wait until they are in D1.
        const deadline = performance.now() + 45_000;
        let errors = 0;
        while (performance.now() < deadline) {
          errors = await vigil.count(
            "SELECT sum(count) AS n FROM feature_profiles WHERE model = ?1 AND version = ?2 AND feature = '__errors__'",
            model,
            Number(canary.version),
          );
          if (errors >= minSamples) break;
          await sleep(1000);
        }
        log(`failing canary: ${errors} canary failures in D1's profiles; running the checks with the webhook hanging`);
        checksStartedAt = Date.now();
        const checks = await vigil.admin<{
          models: {
            model: string;
            rolled_back: { canary: string; reason: string } | null;
            changes: unknown[];
            counts: Record<string, number>;
          }[];
        }>('POST', `/checks/run?model=${model}&window=10m`, undefined, 180_000);
        const summary = checks.status === 200 ? checks.body.models.find((m) => m.model === model) : undefined;
        const rollbackEvent = (
          await vigil.rows<EventRow>(
            'SELECT action, actor, reason, created_at FROM deployment_events ' +
              "WHERE model = ?1 AND action = 'clear_canary' AND created_at >= ?2 ORDER BY id",
            model,
            checksStartedAt,
          )
        )[0];
        result.details.canaryFailuresInProfiles = errors;
        result.details.checksRun = {
          status: checks.status,
          seconds: checks.ms / 1000,
          rolledBack: summary?.rolled_back ?? null,
          stateChanges: summary?.changes.length ?? null,
          counts: summary?.counts ?? null,
          rollbackSecondsAfterStart: rollbackEvent ? (rollbackEvent.created_at - checksStartedAt) / 1000 : null,
        };
        const rolled = summary?.rolled_back?.canary === canary.version;
        result.targets.push({
          name: 'failing canary rolled back by the checks',
          target: 'yes',
          value: rolled ? 'yes' : `no (checks answered ${checks.status})`,
          met: rolled,
        });
        const rollbackSeconds = rollbackEvent ? (rollbackEvent.created_at - checksStartedAt) / 1000 : null;
        result.targets.push({
          name: 'rollback not delayed by the hanging webhook',
          target: '< 10 s (the webhook timeout) after the run started',
          value:
            rollbackSeconds === null
              ? 'no rollback event'
              : `${rollbackSeconds.toFixed(2)} s; the run took ${(checks.ms / 1000).toFixed(1)} s`,
          met: rollbackSeconds !== null && rollbackSeconds < 10,
        });
      },
      afterRestore: async () => {
        webhook.mode = 'ok';
      },
      finish: async (result) => {
        result.details.checksStartedAt = checksStartedAt;
        const failures = Object.entries(result.load.failures);
        const documented = failures.filter(([key]) => key === '500 model_error').reduce((n, [, v]) => n + v, 0);
        result.targets.push({
          name: 'canary failures answered as documented (docs/operations.md: "500 model_error")',
          target: `${result.load.serverErrors} × 500 model_error`,
          value: failures.map(([k, v]) => `${v} × ${k}`).join('; ') || 'none',
          met: result.load.serverErrors > 0 && documented === result.load.serverErrors,
        });
        const stored = result.alerts.stored;
        result.targets.push({
          name: 'alerts stored while the webhook hangs',
          target: '≥ 1 (rollback alert)',
          value:
            `${stored} stored, ${result.alerts.delivered} delivered, ` +
            `${result.alerts.webhookReceivedWhileHanging} calls reached the hanging webhook`,
          met: result.alerts.rows.some((a) => a.kind === 'canary_rollback'),
        });
        result.targets.push({
          name: 'canary state after the checks',
          target: 'no canary',
          value: result.deployment.canaryAfter ?? 'no canary',
          met: result.deployment.canaryAfter === null,
        });
      },
    });
  }

  /**
   * After the webhook answers again: a cron run (the scheduled handler, as Cloudflare triggers it) delivers the
   * alerts the hanging webhook never took. The dispatcher stays quiet for 60 s after a timeout, so this waits
   * for that first.
   */
  async redeliverAlerts(canaryPhase: PhaseResult): Promise<void> {
    const { vigil, webhook, log } = this.#ctx;
    const checksStartedAt = Number(canaryPhase.details.checksStartedAt ?? 0);
    const quietUntil = checksStartedAt + 10_000 + 61_000;
    const wait = quietUntil - Date.now();
    if (wait > 0) {
      log(`alert redelivery: waiting ${(wait / 1000).toFixed(0)} s for the dispatcher's 60 s quiet period after the webhook timeout`);
      await sleep(wait);
    }
    const answeredBefore = webhook.answered;
    const worker = await vigil.worker.mf.getWorker('bench');
    const started = performance.now();
    const outcome = await worker.scheduled({ cron: '*/5 * * * *', scheduledTime: new Date() });
    const seconds = (performance.now() - started) / 1000;
    const ids = canaryPhase.alerts.rows.map((a) => a.id);
    const rows = ids.length
      ? await vigil.rows<AlertRow>(
          `SELECT id, kind, attempts, delivered_at, last_error, created_at FROM alerts WHERE id IN (${ids.join(',')}) ORDER BY id`,
        )
      : [];
    const delivered = rows.filter((a) => a.delivered_at !== null).length;
    canaryPhase.details.redelivery = {
      cronOutcome: outcome.outcome,
      seconds,
      alerts: rows,
      webhookAnswered: webhook.answered - answeredBefore,
    };
    canaryPhase.targets.push({
      name: 'stored alerts delivered by the next cron run once the webhook answers',
      target: `${rows.length} delivered`,
      value:
        `${delivered} delivered (cron ${outcome.outcome}, ${seconds.toFixed(1)} s; ` +
        `webhook answered ${webhook.answered - answeredBefore})`,
      met: rows.length > 0 && delivered === rows.length,
    });
    log(`alert redelivery: cron ${outcome.outcome}; ${delivered}/${rows.length} of the phase's alerts delivered`);
  }
}
