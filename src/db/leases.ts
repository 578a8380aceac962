/**
 * D1 leases: a job that must not overlap itself (the five-minute checks, the daily maintenance) takes its lease
 * before it runs. Taking one is a single statement — insert, or take over an expired lease — so two runs racing
 * for it cannot both win; a run that dies leaves its lease to expire.
 *
 * @example
 * if (!(await acquireLease(db, 'health-checks', runId, Date.now(), 240_000))) return; // another run is at it
 * try { … } finally { await releaseLease(db, 'health-checks', runId); }
 */
import { and, eq, lte, sql } from 'drizzle-orm';
import type { Database } from './client.ts';
import { leases } from './schema.ts';

export async function acquireLease(db: Database, name: string, holder: string, nowMs: number, ttlMs: number): Promise<boolean> {
  const taken = await db
    .insert(leases)
    .values({ name, holder, expiresAt: nowMs + ttlMs })
    .onConflictDoUpdate({
      target: leases.name,
      set: { holder: sql`excluded.holder`, expiresAt: sql`excluded.expires_at` },
      setWhere: lte(leases.expiresAt, nowMs),
    })
    .returning({ holder: leases.holder });
  return taken.length === 1 && taken[0]!.holder === holder;
}

export async function releaseLease(db: Database, name: string, holder: string): Promise<void> {
  await db.delete(leases).where(and(eq(leases.name, name), eq(leases.holder, holder)));
}
