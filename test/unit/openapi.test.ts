import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/api/openapi.ts';
import { createApp } from '../../src/app.ts';

/** Hono's route pattern (`/v1/models/:model/predict`) as an OpenAPI path (`/v1/models/{model}/predict`). */
function openApiPaths(honoPath: string): string[] {
  // The KServe routes are matched as one segment, /v1/models/:spec, whose handler takes the ":predict" and ":explain" verbs.
  if (honoPath === '/v1/models/:spec') return ['/v1/models/{model}:predict', '/v1/models/{model}:explain'];
  const path = honoPath.replace(/:([A-Za-z_]+)(\{[^}]*\})?/g, '{$1}');
  return [path.length > 1 ? path.replace(/\/$/, '') : path];
}

describe('the OpenAPI document', () => {
  const document = openApiDocument() as { openapi: string; paths: Record<string, Record<string, unknown>> };

  it('is valid OpenAPI 3.1 according to the official schema', async () => {
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('lists every route the app serves, with its method', () => {
    const app = createApp(() => {
      throw new Error('services are not needed to list routes');
    });
    const served = app.routes
      .filter((r) => r.method !== 'ALL')
      .flatMap((r) => openApiPaths(r.path).map((path) => `${r.method.toLowerCase()} ${path}`));
    expect(served.length).toBeGreaterThan(20);
    const documented = new Set(
      Object.entries(document.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`)),
    );
    const undocumented = [...new Set(served)].filter((route) => !documented.has(route));
    expect(undocumented).toEqual([]);
  });

  it('documents no route the app does not serve', () => {
    const app = createApp(() => {
      throw new Error('unused');
    });
    const served = new Set(
      app.routes.filter((r) => r.method !== 'ALL').flatMap((r) => openApiPaths(r.path).map((path) => `${r.method.toLowerCase()} ${path}`)),
    );
    const documented = Object.entries(document.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`));
    expect(documented.filter((route) => !served.has(route))).toEqual([]);
  });

  it('describes request bodies with the schemas the handlers validate with', () => {
    const predict = document.paths['/v1/models/{model}/predict']!.post as {
      requestBody: { content: Record<string, { schema: { $ref?: string } }> };
    };
    expect(predict.requestBody.content['application/json']!.schema.$ref).toBe('#/components/schemas/PredictRequest');
    const deployment = document.paths['/admin/models/{model}/deployment']!.post as { security: unknown[] };
    expect(deployment.security).toEqual([{ adminToken: [] }]);
  });
});
