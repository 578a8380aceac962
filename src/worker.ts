/**
 * The serving Worker's handlers over a services factory: fetch (the Hono app) and scheduled (health checks every
 * five minutes; a daily summary once a day; both delete expired telemetry within a time budget). Telemetry is
 * consumed by its own Worker (src/telemetry-worker.ts). Each cron job runs under a D1 lease, so a slow run never
 * overlaps the next. `src/index.ts` exports it over the isolate's services; `npm run chaos` over services with
 * failing bindings.
 *
 * @example
 * export default createWorker(isolateServices);
 */
import { CHECKS_LEASE } from './api/health.ts';
import { createApp } from './app.ts';
import { acquireLease, releaseLease } from './db/leases.ts';
import type { Env } from './env.ts';
import { dailySummary } from './monitoring/daily-summary.ts';
import { applyRetention } from './monitoring/retention.ts';
import type { Services } from './api/context.ts';
import { numberVar } from './lib/number-var.ts';

/** The daily cron of wrangler.toml (the other one runs the health checks). */
const DAILY_CRON = '17 3 * * *';
/** A run that has not given its lease back by then is taken to be dead. */
const CHECKS_LEASE_MS = 4 * 60_000;
const DAILY_LEASE_MS = 30 * 60_000;
/** Wall time one run may spend deleting expired telemetry; the rest waits for the next run (five minutes later). */
const RETENTION_BUDGET_MS = 20_000;

export function createWorker(servicesFor: (env: Env) => Services) {
  const app = createApp(servicesFor);
  return {
    fetch: app.fetch,
    async scheduled(controller: ScheduledController, env: Env) {
      const { db, monitor, alerts } = servicesFor(env);
      const daily = controller.cron === DAILY_CRON;
      const job = daily ? 'daily' : CHECKS_LEASE;
      const holder = crypto.randomUUID();
      if (!(await acquireLease(db, job, holder, Date.now(), daily ? DAILY_LEASE_MS : CHECKS_LEASE_MS))) {
        console.log(JSON.stringify({ level: 'info', message: 'cron run skipped: the previous run still holds its lease', job }));
        return;
      }
      try {
        if (daily) await dailySummary(db, alerts, new Date(controller.scheduledTime));
        else await monitor.run();
        const summary = await applyRetention(db, {
          now: controller.scheduledTime,
          retentionDays: numberVar(env.RETENTION_DAYS, 30),
          profileRetentionDays: numberVar(env.PROFILE_RETENTION_DAYS, 400),
          budgetMs: RETENTION_BUDGET_MS,
        });
        console.log(
          JSON.stringify({
            level: summary.complete ? 'info' : 'warn',
            message: summary.complete ? 'retention applied' : 'retention ran out of time; the rest goes next run',
            job,
            ...summary,
          }),
        );
      } finally {
        await releaseLease(db, job, holder).catch((error: unknown) =>
          console.error(JSON.stringify({ level: 'error', message: 'lease release failed; it will expire', job, error: String(error) })),
        );
      }
    },
  } satisfies ExportedHandler<Env>;
}
