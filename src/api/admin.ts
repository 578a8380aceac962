/**
 * The admin API (bearer ADMIN_TOKEN): push versions through the QA gate, read versions, change deployments
 * (promote, canary, shadow, rollback, sampling) and read the audit trail.
 */
import type { ModelVersionDetailJson, ModelVersionJson } from './wire.ts';
import { Hono } from 'hono';
import { InvalidRequestError, ModelNotFoundError, UnsupportedMediaTypeError, VersionNotFoundError } from '../errors.ts';
import { effectiveEngine, firstQaFailure, type VersionRecord, type VersionSummary } from '../registry/version-repository.ts';
import { adminAuth } from './admin-auth.ts';
import type { AppEnv } from './context.ts';
import { readJsonBody } from './json-body.ts';
import { readMultipart } from './multipart.ts';
import { parseBody } from './schema-errors.ts';
import { DeploymentChangeSchema, EngineChangeSchema, EventsQuerySchema, ModelNameParam, VersionParam } from './admin-schemas.ts';

/** Pushed packages are read under this cap, refused as soon as they pass it. */
export const MAX_PUSH_BYTES = 64 * 1024 * 1024;

export function versionJson(v: VersionSummary): ModelVersionJson {
  return {
    model: v.model,
    version: v.version,
    source: v.source,
    status: v.status,
    sha256: v.sha256,
    bytes: v.bytes,
    ...(v.qaFailure ? { qa_failure: v.qaFailure } : {}),
    engine: v.engine,
    engine_reason: v.engineReason,
    ...(v.engineOverride
      ? {
          engine_override: {
            engine: v.engineOverride.engine,
            actor: v.engineOverride.actor,
            reason: v.engineOverride.reason,
            at: new Date(v.engineOverride.at).toISOString(),
          },
        }
      : {}),
    created_at: new Date(v.createdAt).toISOString(),
    created_by: v.createdBy,
  };
}

function recordJson(r: VersionRecord): ModelVersionDetailJson {
  const manifest = JSON.parse(r.manifestJson) as {
    task: string;
    stage?: string;
    training?: { trained_at?: string; metrics?: Record<string, unknown> };
  } & Record<string, unknown>;
  const failure = firstQaFailure(r.qaReport);
  const { engine, reason } = effectiveEngine(r);
  return {
    ...versionJson({ ...r, ...(failure ? { qaFailure: failure } : {}), engine, engineReason: reason }),
    task: manifest.task,
    stage: manifest.stage,
    trained_at: manifest.training?.trained_at,
    offline_metrics: manifest.training?.metrics,
    qa_report: r.qaReport as unknown as Record<string, unknown>,
    manifest,
  };
}

function actorOf(headerActor: string | undefined, bodyActor: string | undefined): string {
  const actor = (bodyActor ?? headerActor ?? 'admin').trim();
  return actor === '' ? 'admin' : actor.slice(0, 128);
}

function param(value: string, schema: typeof ModelNameParam | typeof VersionParam, field: string): string {
  const result = schema.safeParse(value);
  if (!result.success)
    throw new InvalidRequestError(`${field} "${value}" is not valid: ${result.error.issues[0]!.message}`, [
      { field, code: 'invalid', message: result.error.issues[0]!.message },
    ]);
  return result.data;
}

async function requireModel(c: { var: AppEnv['Variables'] }, model: string): Promise<void> {
  const models = await c.var.services.registry.models();
  if (!models.includes(model)) {
    throw new ModelNotFoundError(model, models);
  }
}

export function adminRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('*', adminAuth);

  app.get('/models', async (c) => {
    const { registry, deployments } = c.get('services');
    const models = await registry.models();
    const out = [];
    for (const name of models) {
      out.push({ name, versions: (await registry.summaries(name)).map(versionJson), deployment: await deployments.current(name) });
    }
    return c.json({ models: out });
  });

  app.get('/models/:model/versions', async (c) => {
    const model = param(c.req.param('model'), ModelNameParam, 'model');
    await requireModel(c, model);
    return c.json({ model, versions: (await c.get('services').registry.summaries(model, { fresh: true })).map(versionJson) });
  });

  app.get('/models/:model/versions/:version', async (c) => {
    const model = param(c.req.param('model'), ModelNameParam, 'model');
    const version = param(c.req.param('version'), VersionParam, 'version');
    const record = await c.get('services').registry.record(model, version);
    if (!record) {
      await requireModel(c, model);
      throw new VersionNotFoundError(model, version);
    }
    return c.json(recordJson(record));
  });

  app.put('/models/:model/versions/:version', async (c) => {
    const model = param(c.req.param('model'), ModelNameParam, 'model');
    const version = param(c.req.param('version'), VersionParam, 'version');
    const contentType = c.req.header('content-type') ?? '';
    if (!contentType.toLowerCase().startsWith('multipart/form-data')) {
      throw new UnsupportedMediaTypeError(
        'push a version as multipart/form-data with a "model" file (model.onnx) and a "manifest" file (manifest.json)',
        [{ field: 'content-type', code: 'unsupported_media_type', message: 'must be multipart/form-data' }],
      );
    }
    // Read under the cap as it streams (a push without Content-Length is no longer unbounded), held once.
    const parts = await readMultipart(c.req.raw, MAX_PUSH_BYTES);
    const modelPart = parts.get('model');
    const manifestPart = parts.get('manifest');
    const missing = [
      ...(modelPart?.filename !== undefined
        ? []
        : [{ field: 'model', code: 'missing_part', message: 'attach model.onnx as the "model" file part' }]),
      ...(manifestPart === undefined
        ? [{ field: 'manifest', code: 'missing_part', message: 'attach manifest.json as the "manifest" part' }]
        : []),
    ];
    if (missing.length) throw new InvalidRequestError(missing.map((m) => m.message).join('; '), missing);
    const bytes = modelPart!.data;
    const manifestJson = new TextDecoder().decode(manifestPart!.data);
    const { created, record } = await c.get('services').registry.push({
      model,
      version,
      manifestJson,
      bytes,
      actor: actorOf(c.req.header('x-vigil-actor'), undefined),
    });
    if (record.status === 'qa_failed') {
      const failed = record.qaReport.checks.filter((check) => !check.passed);
      return c.json(
        {
          error: {
            code: 'qa_failed',
            message: `version ${version} of "${model}" failed QA and cannot serve: ${failed[0]?.name}: ${failed[0]?.message}`,
            details: failed.flatMap((check) => [
              { field: `qa.${check.name}`, code: 'qa_failed', message: check.message },
              ...(check.failures ?? []).map((f) => ({ field: `qa.${check.name}`, code: 'qa_failed', message: f })),
            ]),
          },
          version: recordJson(record),
        },
        422,
      );
    }
    // A model pushed for the first time serves its first QA-passed version at once (an audited event).
    const deployment = created ? await c.get('services').deployments.deployFirst(model, record.createdBy) : null;
    return c.json({ ...recordJson(record), ...(deployment ? { deployment } : {}) }, created ? 201 : 200);
  });

  app.put('/models/:model/versions/:version/engine', async (c) => {
    const model = param(c.req.param('model'), ModelNameParam, 'model');
    const version = param(c.req.param('version'), VersionParam, 'version');
    await requireModel(c, model);
    const body = parseBody(EngineChangeSchema, await readJsonBody(c.req.raw));
    const summary = await c.get('services').registry.setEngine(model, version, {
      engine: body.engine,
      actor: actorOf(c.req.header('x-vigil-actor'), body.actor),
      reason: body.reason ?? null,
    });
    return c.json(versionJson(summary));
  });

  app.get('/models/:model/deployment', async (c) => {
    const model = param(c.req.param('model'), ModelNameParam, 'model');
    await requireModel(c, model);
    const deployment = await c.get('services').deployments.current(model);
    if (!deployment) throw c.get('services').deployments.noDeployment(model);
    return c.json(deployment);
  });

  app.post('/models/:model/deployment', async (c) => {
    const model = param(c.req.param('model'), ModelNameParam, 'model');
    await requireModel(c, model);
    const body = parseBody(DeploymentChangeSchema, await readJsonBody(c.req.raw));
    const { reason, actor, ...action } = body;
    const result = await c.get('services').deployments.change(model, action, actorOf(c.req.header('x-vigil-actor'), actor), reason ?? null);
    return c.json(result);
  });

  app.get('/models/:model/events', async (c) => {
    const model = param(c.req.param('model'), ModelNameParam, 'model');
    await requireModel(c, model);
    const query = parseBody(EventsQuerySchema, c.req.query());
    const events = await c.get('services').deployments.events(model, query.limit, query.before);
    return c.json({ model, events });
  });

  return app;
}
