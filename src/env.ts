/**
 * Bindings of the `vigil` Worker (wrangler.toml). Modules take only the bindings they need.
 */
export interface Env {
  /** Bearer token for /admin, reports and the dashboard; unset means those routes answer 503. */
  ADMIN_TOKEN?: string;
  /** Comma-separated API keys for prediction routes; unset means prediction is public. */
  PREDICT_TOKENS?: string;
}
