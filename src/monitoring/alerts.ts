/**
 * Alerts: a change of a check's state (pass → fail, fail → pass, …) is announced once, as a JSON POST to
 * ALERT_WEBHOOK_URL with a Slack-compatible `text` and structured fields. Steady states do not re-alert, and
 * `insufficient_data` is not a state change (a quiet night does not page anyone). Deliveries are retried with
 * backoff within the run, and undelivered alerts again on later runs.
 */
import { and, asc, eq, isNull, lt, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { alerts, checkStates } from '../db/schema.ts';
import type { CheckStatus, HealthCheckResult } from './checks/types.ts';

export interface StateChange {
  check: HealthCheckResult['check'];
  subject: string;
  version: string | null;
  from: CheckStatus | null;
  to: CheckStatus;
  value: number | null;
  threshold: number | null;
  window: string;
}

const KEY = (check: string, subject: string) => `${check}\u0000${subject}`;

/** Changes between the last conclusive states and `results` (pure). New subjects that pass are not changes. */
export function stateChanges(previous: ReadonlyMap<string, CheckStatus>, results: readonly HealthCheckResult[]): StateChange[] {
  const changes: StateChange[] = [];
  for (const r of results) {
    if (r.status === 'insufficient_data') continue;
    const before = previous.get(KEY(r.check, r.subject)) ?? null;
    if (before === r.status || (before === null && r.status === 'pass')) continue;
    changes.push({
      check: r.check,
      subject: r.subject,
      version: r.version,
      from: before,
      to: r.status,
      value: r.value,
      threshold: r.threshold,
      window: r.window,
    });
  }
  return changes;
}

const ICON: Record<CheckStatus, string> = { pass: '✅', warn: '⚠️', fail: '🔴', insufficient_data: '…' };

function describe(c: StateChange): string {
  const what = c.subject ? `${c.check} ${c.subject}` : c.check;
  const measured =
    c.value === null ? '' : ` (value ${c.value}${c.threshold === null ? '' : `, fail threshold ${c.threshold}`}, window ${c.window})`;
  return `${ICON[c.to]} ${what}: ${c.from ?? 'new'} → ${c.to}${measured}`;
}

export interface AlertPayload {
  text: string;
  kind: 'state_change' | 'canary_rollback' | 'daily_summary';
  model: string;
  changes: StateChange[];
  note?: string;
  at: string;
}

export function stateChangePayload(model: string, changes: readonly StateChange[], at: Date): AlertPayload {
  const lines = changes.map(describe);
  return {
    text: `Vigil · ${model}: ${changes.length} health check${changes.length === 1 ? '' : 's'} changed\n${lines.join('\n')}`,
    kind: 'state_change',
    model,
    changes: [...changes],
    at: at.toISOString(),
  };
}

export function rollbackPayload(model: string, canaryVersion: string, reason: string, at: Date): AlertPayload {
  return {
    text: `Vigil · ${model}: canary version ${canaryVersion} was rolled back automatically — ${reason}`,
    kind: 'canary_rollback',
    model,
    changes: [],
    note: reason,
    at: at.toISOString(),
  };
}

export interface AlertDeliveryOptions {
  webhookUrl: string | undefined;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Attempts within one delivery (with exponential backoff), and in total across runs. */
  attemptsPerRun?: number;
  maxAttempts?: number;
  /** How long one webhook call may take before it is abandoned. */
  timeoutMs?: number;
  /** After a call times out, how long later alerts are only stored (delivered by a later run) without calling. */
  quietAfterTimeoutMs?: number;
  now?: () => Date;
}

export class AlertDispatcher {
  readonly #db: Database;
  readonly #options: Required<Omit<AlertDeliveryOptions, 'webhookUrl'>> & { webhookUrl: string | undefined };

  constructor(db: Database, options: AlertDeliveryOptions) {
    this.#db = db;
    this.#options = {
      webhookUrl: options.webhookUrl,
      fetch: options.fetch ?? ((input, init) => fetch(input, init)),
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      attemptsPerRun: options.attemptsPerRun ?? 3,
      maxAttempts: options.maxAttempts ?? 50,
      timeoutMs: options.timeoutMs ?? 10_000,
      quietAfterTimeoutMs: options.quietAfterTimeoutMs ?? 60_000,
      now: options.now ?? (() => new Date()),
    };
  }

  /** When a webhook call last timed out (0: never): a hanging webhook is not called again for a while. */
  #timedOutAt = 0;

  /** The last conclusive state of every check subject of `model`. */
  async states(model: string): Promise<Map<string, CheckStatus>> {
    const rows = await this.#db.select().from(checkStates).where(eq(checkStates.model, model));
    return new Map(rows.map((r) => [KEY(r.check, r.subject), r.status as CheckStatus]));
  }

  /** Records the new states and returns the changes (to alert on). */
  async recordStates(model: string, results: readonly HealthCheckResult[]): Promise<StateChange[]> {
    const changes = stateChanges(await this.states(model), results);
    const now = this.#options.now().getTime();
    const conclusive = [
      ...new Map(results.filter((r) => r.status !== 'insufficient_data').map((r) => [KEY(r.check, r.subject), r])).values(),
    ];
    for (let i = 0; i < conclusive.length; i += 20) {
      const rows = conclusive.slice(i, i + 20).map((r) => ({ model, check: r.check, subject: r.subject, status: r.status, since: now }));
      await this.#db
        .insert(checkStates)
        .values(rows)
        .onConflictDoUpdate({
          target: [checkStates.model, checkStates.check, checkStates.subject],
          set: {
            status: sql`excluded.status`,
            since: sql`CASE WHEN ${checkStates.status} = excluded.status THEN ${checkStates.since} ELSE excluded.since END`,
          },
        });
    }
    return changes;
  }

  /** Stores the alert and tries to deliver it now. */
  async send(payload: AlertPayload): Promise<boolean> {
    const [row] = await this.#db
      .insert(alerts)
      .values({ model: payload.model, kind: payload.kind, payload: JSON.stringify(payload), createdAt: this.#options.now().getTime() })
      .returning({ id: alerts.id });
    return this.#deliver(row!.id, JSON.stringify(payload), 0);
  }

  /**
   * Retries undelivered alerts (oldest first) that have attempts left, once each: with the 5-minute cron and
   * the default 50 attempts, a webhook outage of about four hours loses nothing.
   */
  async retryPending(limit = 20): Promise<void> {
    const pending = await this.#db
      .select()
      .from(alerts)
      .where(and(isNull(alerts.deliveredAt), lt(alerts.attempts, this.#options.maxAttempts)))
      .orderBy(asc(alerts.createdAt))
      .limit(limit);
    for (const a of pending) await this.#deliver(a.id, a.payload, a.attempts, 1);
  }

  async #deliver(id: number, body: string, attemptsSoFar: number, tries = this.#options.attemptsPerRun): Promise<boolean> {
    const { webhookUrl, timeoutMs } = this.#options;
    if (!webhookUrl) return false;
    if (this.#timedOutAt !== 0 && this.#options.now().getTime() - this.#timedOutAt < this.#options.quietAfterTimeoutMs) return false;
    let attempts = attemptsSoFar;
    let lastError = '';
    for (let i = 0; i < tries; i++) {
      if (i > 0) await this.#options.sleep(500 * 2 ** (i - 1));
      attempts++;
      try {
        const res = await withTimeout(
          (signal) => this.#options.fetch(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal }),
          timeoutMs,
        );
        if (res.ok) {
          await this.#db
            .update(alerts)
            .set({ attempts, deliveredAt: this.#options.now().getTime(), lastError: null })
            .where(eq(alerts.id, id));
          return true;
        }
        lastError = `webhook answered ${res.status}`;
      } catch (error) {
        const timedOut = error instanceof WebhookTimeout;
        lastError = timedOut ? `webhook did not answer within ${timeoutMs} ms` : String(error);
        if (timedOut) {
          this.#timedOutAt = this.#options.now().getTime();
          break;
        }
      }
    }
    // The webhook URL may embed a secret token; the error text never includes it.
    const error = redactWebhookUrl(lastError, webhookUrl);
    console.error(
      JSON.stringify({ level: 'warn', message: 'alert delivery failed; will retry on the next run', alert: id, attempts, error }),
    );
    await this.#db.update(alerts).set({ attempts, lastError: error }).where(eq(alerts.id, id));
    return false;
  }
}

class WebhookTimeout extends Error {
  override readonly name = 'WebhookTimeout';
}

/** Runs `call` with an abort signal, giving up after `ms` even when the call ignores the signal. */
function withTimeout<T>(call: (signal: AbortSignal) => Promise<T>, ms: number): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new WebhookTimeout(`no answer within ${ms} ms`));
    }, ms);
  });
  return Promise.race([call(controller.signal), timeout]).finally(() => {
    if (timer !== undefined) clearTimeout(timer);
  });
}

/** `text` with every occurrence of the webhook URL — as configured, normalized, or just its path — redacted. */
export function redactWebhookUrl(text: string, webhookUrl: string): string {
  const forms = new Set([webhookUrl]);
  try {
    const url = new URL(webhookUrl);
    forms.add(url.href);
    if (url.pathname.length > 1 || url.search) forms.add(`${url.pathname}${url.search}`);
  } catch {
    // Not a URL: the configured text is all there is to hide.
  }
  let out = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) out = out.split(form).join('<ALERT_WEBHOOK_URL>');
  return out;
}
