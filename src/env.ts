/**
 * Bindings of the `vigil` Worker (wrangler.toml). Modules take only the bindings they need.
 */
import type { D1Database, Queue, R2Bucket } from '@cloudflare/workers-types';
import type { TelemetryMessage } from './telemetry/records.ts';

export interface Env {
  /** Registry, deployments, audit trail, telemetry, feedback and health checks. */
  DB: D1Database;
  /** Pushed model artifacts, content-addressed by sha256. */
  MODELS: R2Bucket;
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
  /** Seconds a deployment may be cached per isolate (at most 10). */
  DEPLOYMENT_CACHE_SECONDS?: string;
  /** Milliseconds telemetry waits in the isolate before it is sent (0 sends after every request). */
  TELEMETRY_FLUSH_MS?: string;
  /** Days raw telemetry (samples, comparisons, feedback, health results) is kept; default 30. */
  RETENTION_DAYS?: string;
  /** Days aggregate profiles are kept; default 400. */
  PROFILE_RETENTION_DAYS?: string;
}
