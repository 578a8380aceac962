/**
 * Deployments and their audit trail in D1. A change writes the new deployment and its event in one
 * transaction (a D1 batch), guarded by the deployment's revision: the event's (model, revision) is unique, so
 * of two concurrent changes from the same revision exactly one commits and the other retries.
 */
import { and, desc, eq, lt } from 'drizzle-orm';
import { isConstraintViolation, type Database } from '../db/client.ts';
import { deploymentEvents, deployments } from '../db/schema.ts';
import type { Deployment, PrimaryHistoryEntry, ShadowSpec } from './deployment.ts';

export interface DeploymentEvent {
  id: number;
  model: string;
  revision: number;
  action: string;
  actor: string;
  reason: string | null;
  before: Deployment | null;
  after: Deployment;
  created_at: string;
}

export interface DeploymentCommit {
  next: Deployment;
  action: string;
  actor: string;
  reason: string | null;
  before: Deployment | null;
}

export interface DeploymentStore {
  get(model: string): Promise<Deployment | null>;
  /** Newest first. `before` is an event id to page backwards from. */
  events(model: string, limit: number, before?: number): Promise<DeploymentEvent[]>;
  event(model: string, revision: number): Promise<DeploymentEvent | null>;
  /** Primary changes, newest first, for rollback. */
  primaryHistory(model: string): Promise<PrimaryHistoryEntry[]>;
  /** Commits `next` (whose revision must be before.revision + 1, or 1); false when another change won the race. */
  commit(change: DeploymentCommit): Promise<boolean>;
}

type DeploymentRow = typeof deployments.$inferSelect;

function fromRow(row: DeploymentRow): Deployment {
  return {
    model: row.model,
    primary: String(row.primaryVersion),
    canary: row.canaryVersion === null ? null : { version: String(row.canaryVersion), percent: row.canaryPercent ?? 0 },
    shadows: JSON.parse(row.shadows) as ShadowSpec[],
    sample_rate: row.sampleRate,
    revision: row.revision,
    updated_at: new Date(row.updatedAt).toISOString(),
    updated_by: row.updatedBy,
  };
}

function eventFromRow(r: typeof deploymentEvents.$inferSelect): DeploymentEvent {
  return {
    id: r.id,
    model: r.model,
    revision: r.revision,
    action: r.action,
    actor: r.actor,
    reason: r.reason,
    before: r.before ? (JSON.parse(r.before) as Deployment) : null,
    after: JSON.parse(r.after) as Deployment,
    created_at: new Date(r.createdAt).toISOString(),
  };
}

function columns(d: Deployment) {
  return {
    primaryVersion: Number(d.primary),
    canaryVersion: d.canary ? Number(d.canary.version) : null,
    canaryPercent: d.canary ? d.canary.percent : null,
    shadows: JSON.stringify(d.shadows),
    sampleRate: d.sample_rate,
    revision: d.revision,
    updatedAt: Date.parse(d.updated_at),
    updatedBy: d.updated_by,
  };
}

export class D1DeploymentStore implements DeploymentStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async get(model: string): Promise<Deployment | null> {
    const [row] = await this.#db.select().from(deployments).where(eq(deployments.model, model)).limit(1);
    return row ? fromRow(row) : null;
  }

  async events(model: string, limit: number, before?: number): Promise<DeploymentEvent[]> {
    const rows = await this.#db
      .select()
      .from(deploymentEvents)
      .where(
        before === undefined ? eq(deploymentEvents.model, model) : and(eq(deploymentEvents.model, model), lt(deploymentEvents.id, before)),
      )
      .orderBy(desc(deploymentEvents.revision))
      .limit(limit);
    return rows.map(eventFromRow);
  }

  async event(model: string, revision: number): Promise<DeploymentEvent | null> {
    const [row] = await this.#db
      .select()
      .from(deploymentEvents)
      .where(and(eq(deploymentEvents.model, model), eq(deploymentEvents.revision, revision)))
      .limit(1);
    return row ? eventFromRow(row) : null;
  }

  async primaryHistory(model: string): Promise<PrimaryHistoryEntry[]> {
    const rows = await this.#db
      .select({ before: deploymentEvents.before, after: deploymentEvents.after })
      .from(deploymentEvents)
      .where(eq(deploymentEvents.model, model))
      .orderBy(desc(deploymentEvents.revision));
    return rows.map((r) => ({
      before: r.before ? (JSON.parse(r.before) as Deployment).primary : null,
      after: (JSON.parse(r.after) as Deployment).primary,
    }));
  }

  async commit(change: DeploymentCommit): Promise<boolean> {
    const { next } = change;
    const event = this.#db.insert(deploymentEvents).values({
      model: next.model,
      revision: next.revision,
      action: change.action,
      actor: change.actor,
      reason: change.reason,
      before: change.before ? JSON.stringify(change.before) : null,
      after: JSON.stringify(next),
      createdAt: Date.parse(next.updated_at),
    });
    try {
      if (change.before === null) {
        await this.#db.batch([this.#db.insert(deployments).values({ model: next.model, piiSalt: '', ...columns(next) }), event]);
      } else {
        // If another change already moved the revision, this update matches no row and the event insert
        // collides with that change's event (unique model+revision), rolling the whole batch back.
        await this.#db.batch([
          this.#db
            .update(deployments)
            .set(columns(next))
            .where(and(eq(deployments.model, next.model), eq(deployments.revision, change.before.revision))),
          event,
        ]);
      }
      return true;
    } catch (error) {
      if (isConstraintViolation(error)) return false;
      throw error;
    }
  }
}
