/**
 * The OpenAPI document against what is served: each call below gets a response whose status the document lists
 * for that route, whose body parses with the documented zod schema, and which carries no field the document
 * does not describe (objects are closed unless documented as maps). A route whose served shape drifts from its
 * documentation fails here.
 */
import type { RouteConfig } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ROUTES } from '../../src/api/openapi.ts';
import { adminHeaders, fetchWorker, manifestOf } from './helpers.ts';

type JsonSchema = {
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema | JsonSchema[];
  prefixItems?: JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
};

/** The documented route for a request path (templates like `/v1/models/{model}:predict` matched segment-wise). */
function routeFor(method: string, path: string): RouteConfig | undefined {
  return ROUTES.find((r) => {
    if (r.method !== method.toLowerCase()) return false;
    const pattern = new RegExp(`^${r.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/:]+')}$`);
    return pattern.test(path);
  });
}

function jsonSchemaOf(route: RouteConfig, status: number): z.ZodType | undefined {
  const response = route.responses[status] as { content?: Record<string, { schema: z.ZodType }> } | undefined;
  return response?.content?.['application/json']?.schema;
}

/** Paths of fields in `value` that `schema` does not describe (open maps and `unknown` allow anything). */
function undocumented(value: unknown, schema: JsonSchema, root: JsonSchema, at: string): string[] {
  if (schema.$ref) return undocumented(value, root.$defs?.[schema.$ref.replace('#/$defs/', '')] ?? {}, root, at);
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches) {
    const results = branches.map((b) => undocumented(value, b, root, at));
    return results.find((r) => r.length === 0) ?? results.reduce((a, b) => (b.length < a.length ? b : a));
  }
  if (schema.allOf) return schema.allOf.flatMap((s) => undocumented(value, s, root, at));
  if (Array.isArray(value)) {
    if (Array.isArray(schema.prefixItems))
      return value.flatMap((v, i) => undocumented(v, schema.prefixItems![i] ?? {}, root, `${at}[${i}]`));
    const items = schema.items;
    if (!items || Array.isArray(items)) return [];
    return value.flatMap((v, i) => undocumented(v, items, root, `${at}[${i}]`));
  }
  if (value === null || typeof value !== 'object') return [];
  const isObjectSchema = schema.type === 'object' || schema.properties !== undefined;
  if (!isObjectSchema) return [];
  const out: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    const property = schema.properties?.[key];
    if (property) out.push(...undocumented(v, property, root, `${at}.${key}`));
    else if (typeof schema.additionalProperties === 'object')
      out.push(...undocumented(v, schema.additionalProperties, root, `${at}.${key}`));
    else if (schema.additionalProperties !== true) out.push(`${at}.${key}`);
  }
  return out;
}

interface Call {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  body?: unknown;
  admin?: boolean;
  status: number;
}

const housing = manifestOf('california-housing', '1');
const adult = manifestOf('adult-income', '1');
const house = housing.golden[0]!.instance;
const person = adult.golden[0]!.instance;
const v2Inputs = housing.features.map((f) => ({
  name: f.name,
  datatype: f.type === 'category' ? 'BYTES' : 'FP32',
  shape: [1],
  data: [house[f.name] ?? null],
}));

const CALLS: Call[] = [
  { method: 'POST', path: '/v1/models/california-housing/predict', body: { instances: [house] }, status: 200 },
  { method: 'POST', path: '/v1/models/adult-income:predict', body: { instances: [person] }, status: 200 },
  { method: 'POST', path: '/v1/models/california-housing/predict', body: { instances: [{ ...house, latitude: 123 }] }, status: 400 },
  { method: 'POST', path: '/v1/models/no-such-model/predict', body: { instances: [house] }, status: 404 },
  { method: 'POST', path: '/v1/models/california-housing/explain', body: { instances: [house] }, status: 200 },
  { method: 'POST', path: '/v1/models/adult-income/explain', body: { instances: [person] }, status: 200 },
  {
    method: 'POST',
    path: '/v1/models/adult-income/feedback',
    body: { request_id: 'conformance-unknown', label: '>50K' },
    admin: true,
    status: 200,
  },
  { method: 'GET', path: '/v1/models/california-housing/health', admin: true, status: 200 },
  { method: 'GET', path: '/v1/models/california-housing/health', status: 401 },
  { method: 'GET', path: '/v1/models/california-housing/reports/shadow', admin: true, status: 200 },
  { method: 'GET', path: '/v2', status: 200 },
  { method: 'GET', path: '/v2/health/live', status: 200 },
  { method: 'GET', path: '/v2/health/ready', status: 200 },
  { method: 'GET', path: '/v2/models/california-housing', status: 200 },
  { method: 'GET', path: '/v2/models/adult-income/versions/2', status: 200 },
  { method: 'GET', path: '/v2/models/no-such-model', status: 404 },
  { method: 'GET', path: '/v2/models/california-housing/ready', status: 200 },
  { method: 'POST', path: '/v2/models/california-housing/infer', body: { inputs: v2Inputs }, status: 200 },
  { method: 'POST', path: '/v2/models/california-housing/infer', body: { inputs: v2Inputs.slice(1) }, status: 400 },
  { method: 'GET', path: '/admin/models', admin: true, status: 200 },
  { method: 'GET', path: '/admin/models/california-housing/versions', admin: true, status: 200 },
  { method: 'GET', path: '/admin/models/california-housing/versions/2', admin: true, status: 200 },
  {
    method: 'PUT',
    path: '/admin/models/california-housing/versions/2/engine',
    body: { engine: 'auto', reason: 'conformance' },
    admin: true,
    status: 200,
  },
  { method: 'GET', path: '/admin/models/california-housing/deployment', admin: true, status: 200 },
  {
    method: 'POST',
    path: '/admin/models/california-housing/deployment',
    body: { action: 'sampling', sample_rate: 0.5, reason: 'conformance' },
    admin: true,
    status: 200,
  },
  { method: 'GET', path: '/admin/models/california-housing/events', admin: true, status: 200 },
  { method: 'GET', path: '/admin/models/no-such-model/events', admin: true, status: 404 },
  { method: 'POST', path: '/admin/checks/run?model=california-housing&window=10m', admin: true, status: 200 },
  { method: 'GET', path: '/admin/health', admin: true, status: 200 },
  { method: 'GET', path: '/admin/models', status: 401 },
];

describe('served responses against the OpenAPI document', () => {
  it.each(CALLS.map((c) => [`${c.method} ${c.path} → ${c.status}`, c] as const))('%s', async (_name, call) => {
    const path = call.path.split('?')[0]!;
    const route = routeFor(call.method, path);
    expect(route, `no documented route for ${call.method} ${path}`).toBeDefined();
    expect(Object.keys(route!.responses), 'the status is documented for the route').toContain(String(call.status));

    const res = await fetchWorker(call.path, {
      method: call.method,
      headers: { ...(call.body === undefined ? {} : { 'content-type': 'application/json' }), ...(call.admin ? adminHeaders : {}) },
      ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
    });
    const body = await res.json();
    expect(res.status, JSON.stringify(body).slice(0, 300)).toBe(call.status);

    const schema = jsonSchemaOf(route!, call.status);
    expect(schema, 'a JSON schema is documented for the response').toBeDefined();
    const parsed = schema!.safeParse(body);
    expect(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([]);
    const json = z.toJSONSchema(schema!, { io: 'output', unrepresentable: 'any' }) as JsonSchema;
    expect(undocumented(body, json, json, '$')).toEqual([]);
  });
});
