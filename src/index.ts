/**
 * Worker entry: exports the handlers: fetch (the Hono app), queue (the telemetry consumer) and scheduled
 * (health checks every five minutes; retention and a daily summary once a day).
 */
import { createApp } from './app.ts';
import type { Env } from './env.ts';
import { AlertDispatcher } from './monitoring/alerts.ts';
import { dailySummary } from './monitoring/daily-summary.ts';
import { applyRetention } from './monitoring/retention.ts';
import { isolateServices, numberVar } from './services.ts';
import { consumeTelemetry } from './telemetry/consumer.ts';
import type { TelemetryMessage } from './telemetry/records.ts';

/** Attempts before a telemetry message goes to the dead-letter queue (wrangler.toml max_retries + 1). */
const TELEMETRY_MAX_ATTEMPTS = 6;
/** The daily cron of wrangler.toml (the other one runs the health checks). */
const DAILY_CRON = '17 3 * * *';

const app = createApp(isolateServices);

export default {
  fetch: app.fetch,
  async queue(batch, env) {
    await consumeTelemetry(batch as MessageBatch<TelemetryMessage | string>, { d1: env.DB, deadLetters: env.TELEMETRY_DLQ, maxAttempts: TELEMETRY_MAX_ATTEMPTS });
  },
  async scheduled(controller, env) {
    const { db, monitor } = isolateServices(env);
    if (controller.cron === DAILY_CRON) {
      const summary = await applyRetention(db, {
        now: controller.scheduledTime,
        retentionDays: numberVar(env.RETENTION_DAYS, 30),
        profileRetentionDays: numberVar(env.PROFILE_RETENTION_DAYS, 400),
      });
      console.log(JSON.stringify({ level: 'info', message: 'retention applied', ...summary }));
      await dailySummary(db, new AlertDispatcher(db, { webhookUrl: env.ALERT_WEBHOOK_URL }), new Date(controller.scheduledTime));
      return;
    }
    await monitor.run();
  },
} satisfies ExportedHandler<Env, TelemetryMessage | string>;
