/// <reference path="./vigil-bindings.gen.d.ts" />
/**
 * Bindings of the `vigil` Worker. D1, R2, the telemetry queue and the [vars] are generated from wrangler.toml
 * (`npm run types` → src/vigil-bindings.gen.d.ts; `npm run typecheck` fails when it is out of date); what no
 * config declares is added here: the queue's message type and the secrets, which are optional (an unset secret
 * closes or drops what needs it) — `wrangler secret put` in production, `.dev.vars` locally. Modules take only
 * the bindings they need.
 */
import type { TelemetryMessage } from './telemetry/records.ts';

export interface Env extends Omit<VigilBindings, 'TELEMETRY'> {
  /** Telemetry off the request path; consumed into D1 by the telemetry Worker (src/telemetry-worker.ts). */
  TELEMETRY: Queue<TelemetryMessage | string>;
  /** Bearer token for /admin, reports and the dashboard; unset means those routes answer 503. */
  ADMIN_TOKEN?: string;
  /** Comma-separated API keys for prediction routes; unset means prediction is public. */
  PREDICT_TOKENS?: string;
  /** Comma-separated tokens that may post feedback (else PREDICT_TOKENS; the admin token always may). */
  FEEDBACK_TOKENS?: string;
  /** Secret key of the PII hashes in stored samples (at least 16 characters); without it PII "hash" features are dropped. */
  PII_HASH_KEY?: string;
  /** Webhook (Slack-compatible JSON) for health-check state changes. */
  ALERT_WEBHOOK_URL?: string;
}
