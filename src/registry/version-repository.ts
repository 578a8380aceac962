/**
 * Model version records in D1: every version Vigil knows, its manifest, artifact identity and QA result.
 * Records are immutable once written.
 */
import { and, asc, eq } from 'drizzle-orm';
import { isConstraintViolation, type Database } from '../db/client.ts';
import { modelVersions } from '../db/schema.ts';
import type { QaReport } from './qa-gate.ts';

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
}

export type VersionSummary = Omit<VersionRecord, 'manifestJson' | 'qaReport'> & { qaFailure?: string };

export interface VersionRepository {
  models(): Promise<string[]>;
  list(model: string): Promise<VersionSummary[]>;
  get(model: string, version: string): Promise<VersionRecord | null>;
  /** Inserts the record; 'exists' when the (model, version) is already recorded. */
  insert(record: VersionRecord): Promise<'inserted' | 'exists'>;
}

export function firstQaFailure(report: QaReport): string | undefined {
  const failed = report.checks.find((c) => !c.passed);
  return failed ? `${failed.name}: ${failed.message}` : undefined;
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
      })
      .from(modelVersions)
      .where(eq(modelVersions.model, model))
      .orderBy(asc(modelVersions.version));
    return rows.map(({ qaReport, ...r }) => {
      const failure = r.status === 'qa_failed' ? firstQaFailure(JSON.parse(qaReport) as QaReport) : undefined;
      return { ...r, version: String(r.version), ...(failure ? { qaFailure: failure } : {}) };
    });
  }

  async get(model: string, version: string): Promise<VersionRecord | null> {
    const [row] = await this.#db
      .select()
      .from(modelVersions)
      .where(and(eq(modelVersions.model, model), eq(modelVersions.version, Number(version))))
      .limit(1);
    if (!row) return null;
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
    };
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
