/**
 * Model version records in D1: every version Vigil knows, its manifest, artifact identity and QA result.
 * Records are immutable once written; the one thing an operator may change about a version is the engine it
 * serves on (engine_overrides), which is read alongside.
 */
import { and, asc, eq } from 'drizzle-orm';
import { isConstraintViolation, type Database } from '../db/client.ts';
import { engineOverrides, modelVersions } from '../db/schema.ts';
import type { Engine } from '../inference/model-runtime.ts';
import type { QaReport } from './qa-gate.ts';

/** An engine an operator forced for a version. */
export interface EngineOverride {
  engine: Engine;
  actor: string;
  reason: string | null;
  at: number;
}

export interface VersionRecord {
  model: string;
  version: string;
  source: 'bundled' | 'pushed';
  sha256: string;
  bytes: number;
  /** The manifest JSON as pushed (validated before it was stored). */
  manifestJson: string;
  status: 'qa_passed' | 'qa_failed';
  qaReport: QaReport;
  createdAt: number;
  createdBy: string;
  /** The engine the operator forced, if any (else the QA gate's choice serves). */
  engineOverride?: EngineOverride;
}

export type VersionSummary = Omit<VersionRecord, 'manifestJson' | 'qaReport'> & {
  qaFailure?: string;
  /** The engine this version serves on: the operator's, else the QA gate's choice, else ONNX Runtime. */
  engine: Engine;
  /** Why: the QA gate's parity finding or the operator's reason. */
  engineReason: string;
};

export interface VersionRepository {
  models(): Promise<string[]>;
  list(model: string): Promise<VersionSummary[]>;
  get(model: string, version: string): Promise<VersionRecord | null>;
  /** Inserts the record; 'exists' when the (model, version) is already recorded. */
  insert(record: VersionRecord): Promise<'inserted' | 'exists'>;
  /** Forces (or, with null, stops forcing) the engine of a version. */
  setEngineOverride(model: string, version: string, override: EngineOverride | null): Promise<void>;
}

export function firstQaFailure(report: QaReport): string | undefined {
  const failed = report.checks.find((c) => !c.passed);
  return failed ? `${failed.name}: ${failed.message}` : undefined;
}

/** The engine a version serves on, and why. */
export function effectiveEngine(record: Pick<VersionRecord, 'status' | 'qaReport' | 'engineOverride'>): { engine: Engine; reason: string } {
  if (record.engineOverride) {
    const { engine, actor, reason } = record.engineOverride;
    return { engine, reason: `forced by ${actor}${reason ? `: ${reason}` : ''}` };
  }
  if (record.qaReport.engine) return { engine: record.qaReport.engine.selected, reason: record.qaReport.engine.reason };
  if (record.status === 'qa_failed') return { engine: 'onnxruntime', reason: 'the version failed QA' };
  return { engine: 'onnxruntime', reason: 'QA-checked before the compiled evaluator existed: force "compiled" to prove its parity now' };
}

const overrideColumns = {
  engine: engineOverrides.engine,
  actor: engineOverrides.actor,
  reason: engineOverrides.reason,
  at: engineOverrides.createdAt,
};

function toOverride(
  row: { engine: Engine | null; actor: string | null; reason: string | null; at: number | null } | null,
): EngineOverride | undefined {
  return row?.engine && row.actor !== null && row.at !== null
    ? { engine: row.engine, actor: row.actor, reason: row.reason, at: row.at }
    : undefined;
}

export class D1VersionRepository implements VersionRepository {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async models(): Promise<string[]> {
    const rows = await this.#db.selectDistinct({ model: modelVersions.model }).from(modelVersions).orderBy(asc(modelVersions.model));
    return rows.map((r) => r.model);
  }

  async list(model: string): Promise<VersionSummary[]> {
    const rows = await this.#db
      .select({
        model: modelVersions.model,
        version: modelVersions.version,
        source: modelVersions.source,
        sha256: modelVersions.sha256,
        bytes: modelVersions.bytes,
        status: modelVersions.status,
        qaReport: modelVersions.qaReport,
        createdAt: modelVersions.createdAt,
        createdBy: modelVersions.createdBy,
        override: overrideColumns,
      })
      .from(modelVersions)
      .leftJoin(engineOverrides, and(eq(engineOverrides.model, modelVersions.model), eq(engineOverrides.version, modelVersions.version)))
      .where(eq(modelVersions.model, model))
      .orderBy(asc(modelVersions.version));
    return rows.map(({ qaReport: json, override, ...r }) => {
      const qaReport = JSON.parse(json) as QaReport;
      const engineOverride = toOverride(override);
      const failure = r.status === 'qa_failed' ? firstQaFailure(qaReport) : undefined;
      const { engine, reason } = effectiveEngine({ status: r.status, qaReport, ...(engineOverride ? { engineOverride } : {}) });
      return {
        ...r,
        version: String(r.version),
        ...(failure ? { qaFailure: failure } : {}),
        engine,
        engineReason: reason,
        ...(engineOverride ? { engineOverride } : {}),
      };
    });
  }

  async get(model: string, version: string): Promise<VersionRecord | null> {
    const [found] = await this.#db
      .select({ row: modelVersions, override: overrideColumns })
      .from(modelVersions)
      .leftJoin(engineOverrides, and(eq(engineOverrides.model, modelVersions.model), eq(engineOverrides.version, modelVersions.version)))
      .where(and(eq(modelVersions.model, model), eq(modelVersions.version, Number(version))))
      .limit(1);
    if (!found) return null;
    const { row } = found;
    const engineOverride = toOverride(found.override);
    return {
      model: row.model,
      version: String(row.version),
      source: row.source,
      sha256: row.sha256,
      bytes: row.bytes,
      manifestJson: row.manifest,
      status: row.status,
      qaReport: JSON.parse(row.qaReport) as QaReport,
      createdAt: row.createdAt,
      createdBy: row.createdBy,
      ...(engineOverride ? { engineOverride } : {}),
    };
  }

  async setEngineOverride(model: string, version: string, override: EngineOverride | null): Promise<void> {
    const key = and(eq(engineOverrides.model, model), eq(engineOverrides.version, Number(version)));
    if (!override) {
      await this.#db.delete(engineOverrides).where(key);
      return;
    }
    const values = { engine: override.engine, actor: override.actor, reason: override.reason, createdAt: override.at };
    await this.#db
      .insert(engineOverrides)
      .values({ model, version: Number(version), ...values })
      .onConflictDoUpdate({ target: [engineOverrides.model, engineOverrides.version], set: values });
  }

  async insert(record: VersionRecord): Promise<'inserted' | 'exists'> {
    try {
      await this.#db.insert(modelVersions).values({
        model: record.model,
        version: Number(record.version),
        source: record.source,
        sha256: record.sha256,
        bytes: record.bytes,
        artifactKey: record.source === 'pushed' ? `artifacts/${record.sha256}.onnx` : null,
        manifest: record.manifestJson,
        status: record.status,
        qaReport: JSON.stringify(record.qaReport),
        createdAt: record.createdAt,
        createdBy: record.createdBy,
      });
      return 'inserted';
    } catch (error) {
      if (isConstraintViolation(error)) return 'exists';
      throw error;
    }
  }
}
