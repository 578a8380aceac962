/**
 * Feedback labels in D1, and which of them join a logged prediction.
 */
import { and, eq, inArray } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { feedback, predictionSamples, shadowComparisons } from '../db/schema.ts';

export interface FeedbackItem {
  requestId: string;
  instance: number;
  label: string;
}

export interface FeedbackOutcome {
  /** Labels stored now. */
  accepted: number;
  /** Items that join a logged prediction (a sample or a shadow comparison). */
  matched: number;
  /** Items without a logged prediction yet: kept, and reported so the caller knows. */
  unknown: { request_id: string; instance: number }[];
  /** Items whose instance already had a label (the first label is kept). */
  duplicates: { request_id: string; instance: number }[];
}

const KEY = (requestId: string, instance: number) => `${requestId}\u0000${instance}`;

export class FeedbackStore {
  readonly #db: Database;
  readonly #now: () => number;

  constructor(db: Database, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
  }

  async record(model: string, items: readonly FeedbackItem[]): Promise<FeedbackOutcome> {
    // The first label of an instance wins, within a request as across requests; later ones are duplicates.
    const firstByKey = new Map<string, FeedbackItem>();
    const repeated: FeedbackItem[] = [];
    for (const item of items) {
      const key = KEY(item.requestId, item.instance);
      if (firstByKey.has(key)) repeated.push(item);
      else firstByKey.set(key, item);
    }
    const unique = [...firstByKey.values()];
    const inserted = new Set<string>();
    // 5 columns per row: 20 rows stay within D1's 100 bound parameters.
    for (let i = 0; i < unique.length; i += 20) {
      const rows = unique
        .slice(i, i + 20)
        .map((item) => ({ model, requestId: item.requestId, instance: item.instance, label: item.label, receivedAt: this.#now() }));
      const returned = await this.#db
        .insert(feedback)
        .values(rows)
        .onConflictDoNothing()
        .returning({ requestId: feedback.requestId, instance: feedback.instance });
      for (const r of returned) inserted.add(KEY(r.requestId, r.instance));
    }
    const logged = new Set<string>();
    const ids = [...new Set(unique.map((i) => i.requestId))];
    for (let i = 0; i < ids.length; i += 90) {
      const chunk = ids.slice(i, i + 90);
      const samples = await this.#db
        .selectDistinct({ requestId: predictionSamples.requestId, instance: predictionSamples.instance })
        .from(predictionSamples)
        .where(and(eq(predictionSamples.model, model), inArray(predictionSamples.requestId, chunk)));
      const comparisons = await this.#db
        .selectDistinct({ requestId: shadowComparisons.requestId, instance: shadowComparisons.instance })
        .from(shadowComparisons)
        .where(and(eq(shadowComparisons.model, model), inArray(shadowComparisons.requestId, chunk)));
      for (const r of [...samples, ...comparisons]) logged.add(KEY(r.requestId, r.instance));
    }
    const outcome: FeedbackOutcome = { accepted: inserted.size, matched: 0, unknown: [], duplicates: [] };
    for (const item of unique) {
      const key = KEY(item.requestId, item.instance);
      if (logged.has(key)) outcome.matched++;
      else outcome.unknown.push({ request_id: item.requestId, instance: item.instance });
      if (!inserted.has(key)) outcome.duplicates.push({ request_id: item.requestId, instance: item.instance });
    }
    for (const item of repeated) outcome.duplicates.push({ request_id: item.requestId, instance: item.instance });
    return outcome;
  }
}
