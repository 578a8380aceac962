/**
 * The daily summary (daily cron): one message listing, per model, the checks currently failing or warning —
 * or that all is well — so a quiet on-call week still shows the monitoring is alive.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import type { AlertDispatcher, AlertPayload } from './alerts.ts';

export async function dailySummary(db: Database, alerts: AlertDispatcher, now: Date): Promise<AlertPayload | null> {
  const rows = await db.all<{ model: string; status: string; n: number; subjects: string }>(sql`
    SELECT model, status, count(*) AS n, group_concat("check" || CASE WHEN subject = '' THEN '' ELSE ' ' || subject END, ', ') AS subjects
    FROM check_states GROUP BY model, status ORDER BY model, status`);
  if (rows.length === 0) return null;
  const models = [...new Set(rows.map((r) => r.model))];
  const lines = models.map((model) => {
    const of = (status: string) => rows.find((r) => r.model === model && r.status === status);
    const fail = of('fail');
    const warn = of('warn');
    if (!fail && !warn) return `✅ ${model}: all ${of('pass')?.n ?? 0} checks pass`;
    return [
      `${fail ? '🔴' : '⚠️'} ${model}:`,
      fail ? `${fail.n} failing (${fail.subjects})` : '',
      warn ? `${warn.n} warning (${warn.subjects})` : '',
    ]
      .filter(Boolean)
      .join(' ');
  });
  const payload: AlertPayload = {
    text: `Vigil daily summary, ${now.toISOString().slice(0, 10)}\n${lines.join('\n')}`,
    kind: 'daily_summary',
    model: '*',
    changes: [],
    note: 'daily summary',
    at: now.toISOString(),
  };
  await alerts.send(payload);
  return payload;
}
