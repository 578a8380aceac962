/**
 * Runs the health checks of every deployed model (cron every 5 minutes, or POST /admin/checks/run), stores
 * each result, alerts on state changes and rolls back a failing canary. One failing check never stops the
 * others: a check that throws is recorded as `insufficient_data` with the error.
 *
 * @example
 * const summary = await monitor.run({ windowMinutes: 10 });
 */
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { healthChecks } from '../db/schema.ts';
import type { ModelRegistry } from '../registry/model-registry.ts';
import type { Manifest } from '../model/manifest.ts';
import { runQaGate } from '../registry/qa-gate.ts';
import type { ServedModelCache } from '../serving/served-model.ts';
import type { DeploymentService } from '../traffic/deployment-service.ts';
import type { Deployment } from '../traffic/deployment.ts';
import { rollbackPayload, stateChangePayload, type AlertDispatcher, type StateChange } from './alerts.ts';
import { biasStats, canaryStats, profileSnapshot, qualityStats, shadowStats } from './check-data.ts';
import { checkBias } from './checks/bias.ts';
import { checkCanary } from './checks/canary.ts';
import { checkDrift, checkSkew } from './checks/distribution.ts';
import { checkInvalidData } from './checks/invalid-data.ts';
import { checkInvariants } from './checks/invariants.ts';
import { checkParity } from './checks/parity.ts';
import { checkQuality } from './checks/quality.ts';
import { checkShadow } from './checks/shadow.ts';
import { checkStaleness } from './checks/staleness.ts';
import { result, windowLabel, type CheckName, type CheckWindow, type HealthCheckResult } from './checks/types.ts';

export const SCHEDULER_ACTOR = 'vigil:scheduler';

export interface MonitorDeps {
  db: Database;
  registry: ModelRegistry;
  deployments: DeploymentService;
  models: ServedModelCache;
  alerts: AlertDispatcher;
  now?: () => Date;
}

export interface RunOptions {
  /** Only this model. */
  model?: string;
  /** Override each manifest's window_minutes. */
  windowMinutes?: number;
}

export interface ModelRunSummary {
  model: string;
  results: HealthCheckResult[];
  changes: StateChange[];
  rolledBack: { canary: string; reason: string } | null;
}

export function windowsFor(now: number, minutes: number): { current: CheckWindow; previous: CheckWindow } {
  const ms = minutes * 60_000;
  const label = windowLabel(minutes);
  return { current: { from: now - ms, to: now + 1, label }, previous: { from: now - 2 * ms, to: now - ms, label: `${label} before` } };
}

export class HealthMonitor {
  readonly #deps: MonitorDeps;
  readonly #now: () => Date;

  constructor(deps: MonitorDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? (() => new Date());
  }

  async run(options: RunOptions = {}): Promise<ModelRunSummary[]> {
    // Alerts from earlier runs first, so the new ones of this run do not spend their retries twice.
    await this.#deps.alerts.retryPending();
    const models = options.model ? [options.model] : await this.#deps.registry.models();
    const summaries: ModelRunSummary[] = [];
    for (const model of models) {
      try {
        const summary = await this.runModel(model, options.windowMinutes);
        if (summary) summaries.push(summary);
      } catch (error) {
        console.error(
          JSON.stringify({
            level: 'error',
            message: 'health checks of a model failed',
            model,
            error: String(error),
            stack: error instanceof Error ? error.stack : undefined,
          }),
        );
      }
    }
    return summaries;
  }

  async runModel(model: string, windowMinutes?: number): Promise<ModelRunSummary | null> {
    this.#deps.deployments.invalidate(model);
    const deployment = await this.#deps.deployments.current(model);
    if (!deployment) return null;
    const primary = await this.#manifest(model, deployment.primary);
    const now = this.#now().getTime();
    const { current, previous } = windowsFor(now, windowMinutes ?? primary.monitoring.window_minutes);
    const results = await this.#evaluate(model, deployment, primary, now, current, previous);
    await this.#store(model, results, now);

    // A failing canary is rolled back before anyone is told: an alert (a webhook that hangs) never delays it.
    let rolledBack: ModelRunSummary['rolledBack'] = null;
    const failing = deployment.canary
      ? results.find((r) => r.check === 'canary' && r.version === deployment.canary!.version && r.status === 'fail')
      : undefined;
    if (deployment.canary && failing) {
      const reason =
        `canary check ${failing.subject} failed: value ${failing.value} ` +
        `over threshold ${failing.threshold} (window ${failing.window})`;
      try {
        await this.#deps.deployments.change(model, { action: 'clear_canary' }, SCHEDULER_ACTOR, reason);
        rolledBack = { canary: deployment.canary.version, reason };
      } catch (error) {
        console.error(JSON.stringify({ level: 'error', message: 'automatic canary rollback failed', model, error: String(error) }));
      }
    }

    const changes = await this.#deps.alerts.recordStates(model, results);
    if (rolledBack) await this.#deps.alerts.send(rollbackPayload(model, rolledBack.canary, rolledBack.reason, this.#now()));
    if (changes.length > 0) await this.#deps.alerts.send(stateChangePayload(model, changes, this.#now()));
    return { model, results, changes, rolledBack };
  }

  async #manifest(model: string, version: string): Promise<Manifest> {
    const pkg = await this.#deps.registry.get(model, version);
    if (!pkg) throw new Error(`deployment of ${model} names version ${version}, which is not registered`);
    return pkg.manifest;
  }

  /** Runs `check`, turning an exception into an `insufficient_data` result so the other checks still run. */
  async #guard(
    check: CheckName,
    version: string | null,
    window: CheckWindow,
    run: () => Promise<HealthCheckResult[]> | HealthCheckResult[],
  ): Promise<HealthCheckResult[]> {
    try {
      return await run();
    } catch (error) {
      console.error(JSON.stringify({ level: 'error', message: 'health check failed to run', check, version, error: String(error) }));
      return [
        result({
          check,
          subject: '',
          version,
          status: 'insufficient_data',
          value: null,
          threshold: null,
          window: window.label,
          details: { error: String(error) },
        }),
      ];
    }
  }

  async #parity(model: string, version: string, window: CheckWindow): Promise<HealthCheckResult[]> {
    return this.#guard('parity', version, window, async () => {
      const served = await this.#deps.models.get(model, version);
      return [checkParity(version, await served.withSession((session) => runQaGate(served.manifest, session, this.#now())))];
    });
  }

  async #evaluate(
    model: string,
    deployment: Deployment,
    primary: Manifest,
    now: number,
    current: CheckWindow,
    previous: CheckWindow,
  ): Promise<HealthCheckResult[]> {
    const { db } = this.#deps;
    const version = deployment.primary;
    const results: HealthCheckResult[] = [];
    const add = async (check: CheckName, v: string | null, run: () => Promise<HealthCheckResult[]> | HealthCheckResult[]) => {
      results.push(...(await this.#guard(check, v, current, run)));
    };

    const snapshot = profileSnapshot(db, model, version, current);
    await add('staleness', version, () => [checkStaleness(primary, now)]);
    await add('invalid_data', version, async () => checkInvalidData(primary, await snapshot, current));
    await add('invariants', version, async () => checkInvariants(primary, await snapshot, current));
    await add('skew', version, async () => checkSkew(primary, await snapshot, current));
    await add('drift', version, async () =>
      checkDrift(primary, await snapshot, await profileSnapshot(db, model, version, previous), current),
    );
    await add('quality', version, async () => checkQuality(primary, await qualityStats(db, primary, model, version, current), current));
    await add('bias', version, async () => checkBias(primary, await biasStats(db, primary, model, version, current), current));
    results.push(...(await this.#parity(model, version, current)));

    if (deployment.canary) {
      const canaryVersion = deployment.canary.version;
      await add('canary', canaryVersion, async () => {
        const canary = await this.#manifest(model, canaryVersion);
        const health = checkCanary(primary, await canaryStats(db, model, primary, canaryVersion, current), current);
        const [quality] = checkQuality(
          canary,
          { overall: (await qualityStats(db, canary, model, canaryVersion, current)).overall, slices: [] },
          current,
        );
        health.push({ ...quality!, check: 'canary', subject: `${canaryVersion}:quality` });
        const staleness = checkStaleness(canary, now);
        return [...health, staleness];
      });
      results.push(...(await this.#parity(model, canaryVersion, current)));
    }

    if (deployment.shadows.length > 0) {
      await add('shadow', null, async () => {
        const stats = await shadowStats(db, model, current, version);
        return deployment.shadows.map((s) => {
          const found = stats.find((x) => x.shadowVersion === s.version);
          return checkShadow(
            primary,
            found ?? {
              shadowVersion: s.version,
              comparisons: 0,
              errors: 0,
              meanAbsDiff: null,
              p95AbsDiff: null,
              maxAbsDiff: null,
              meanSignedDiff: null,
              labelAgreement: null,
              meanPrimaryLatencyMs: null,
              meanShadowLatencyMs: null,
            },
            current,
          );
        });
      });
      for (const s of deployment.shadows) results.push(...(await this.#parity(model, s.version, current)));
    }
    return results;
  }

  async #store(model: string, results: readonly HealthCheckResult[], now: number): Promise<void> {
    const rows = results.map((r) => ({
      model,
      version: r.version === null ? null : Number(r.version),
      check: r.check,
      subject: r.subject,
      status: r.status,
      value: r.value,
      threshold: r.threshold,
      window: r.window,
      details: JSON.stringify(r.details),
      createdAt: now,
    }));
    // 10 columns per row: 9 rows stay within D1's 100 bound parameters.
    for (let i = 0; i < rows.length; i += 9) await this.#deps.db.insert(healthChecks).values(rows.slice(i, i + 9));
  }

  /** The latest result of every check subject of `model`. */
  async latest(model: string): Promise<(HealthCheckResult & { checked_at: string })[]> {
    const { db } = this.#deps;
    const latestIds = db
      .select({ id: sql<number>`max(${healthChecks.id})` })
      .from(healthChecks)
      .where(eq(healthChecks.model, model))
      .groupBy(healthChecks.check, healthChecks.subject);
    const rows = await db
      .select()
      .from(healthChecks)
      .where(and(eq(healthChecks.model, model), inArray(healthChecks.id, latestIds)))
      .orderBy(healthChecks.check, healthChecks.subject);
    return rows.map(storedResult);
  }

  /** Result history of one check of `model`, newest first. */
  async history(model: string, check: CheckName, limit = 100): Promise<(HealthCheckResult & { checked_at: string })[]> {
    const rows = await this.#deps.db
      .select()
      .from(healthChecks)
      .where(and(eq(healthChecks.model, model), eq(healthChecks.check, check)))
      .orderBy(desc(healthChecks.id))
      .limit(limit);
    return rows.map(storedResult);
  }
}

function storedResult(r: typeof healthChecks.$inferSelect): HealthCheckResult & { checked_at: string } {
  return {
    check: r.check as CheckName,
    subject: r.subject,
    version: r.version === null ? null : String(r.version),
    status: r.status,
    value: r.value,
    threshold: r.threshold,
    window: r.window,
    details: JSON.parse(r.details) as Record<string, unknown>,
    checked_at: new Date(r.createdAt).toISOString(),
  };
}
