/**
 * The wire format of the admin and monitoring resources, written once: the OpenAPI document (openapi.ts) uses
 * these schemas, the handlers' JSON mappers and the CLI take their types from them (`z.infer`), and the domain
 * interfaces the services pass around (Deployment, DeploymentEvent, HealthCheckResult) are checked here, at
 * compile time, to be the same shapes. A served response that drifts from them fails
 * test/worker/openapi-conformance.test.ts.
 */
import { z } from '@hono/zod-openapi';
import type { HealthCheckResult } from '../monitoring/checks/types.ts';
import type { TelemetryHealth } from '../telemetry/telemetry-health.ts';
import type { Deployment } from '../traffic/deployment.ts';
import type { DeploymentEvent } from '../traffic/deployment-store.ts';

export const DeploymentSchema = z
  .object({
    model: z.string(),
    primary: z.string(),
    canary: z.object({ version: z.string(), percent: z.number() }).nullable(),
    shadows: z.array(z.object({ version: z.string(), sample_rate: z.number() })),
    sample_rate: z.number(),
    revision: z.number().int(),
    updated_at: z.string(),
    updated_by: z.string(),
  })
  .openapi('Deployment');
export const ModelVersionSchema = z
  .object({
    model: z.string(),
    version: z.string(),
    source: z.enum(['bundled', 'pushed']),
    status: z.enum(['qa_passed', 'qa_failed']),
    sha256: z.string(),
    bytes: z.number().int(),
    qa_failure: z.string().optional(),
    engine: z.enum(['onnxruntime', 'compiled']).openapi({
      description: 'What evaluates this version: the compiled evaluator once the QA gate proved it matches ONNX Runtime, else ONNX Runtime',
    }),
    engine_reason: z.string(),
    engine_override: z
      .object({ engine: z.enum(['onnxruntime', 'compiled']), actor: z.string(), reason: z.string().nullable(), at: z.string() })
      .optional(),
    created_at: z.string(),
    created_by: z.string(),
  })
  .openapi('ModelVersion');
export const DeploymentEventSchema = z
  .object({
    id: z.number().int(),
    model: z.string(),
    revision: z.number().int(),
    action: z.string(),
    actor: z.string(),
    reason: z.string().nullable(),
    before: DeploymentSchema.nullable(),
    after: DeploymentSchema,
    created_at: z.string(),
  })
  .openapi('DeploymentEvent');
export const HealthCheckResultSchema = z
  .object({
    check: z.string(),
    subject: z.string(),
    version: z.string().nullable(),
    status: z.enum(['pass', 'warn', 'fail', 'insufficient_data']),
    value: z.number().nullable(),
    threshold: z.number().nullable(),
    window: z.string(),
    details: z.record(z.string(), z.unknown()),
    checked_at: z.string().optional(),
  })
  .openapi('HealthCheckResult');

const messagesAndRecords = z.object({ messages: z.number().int(), records: z.number().int() });
export const TelemetryHealthSchema = z
  .object({
    dead_lettered: messagesAndRecords,
    replayed: messagesAndRecords,
    waiting: messagesAndRecords,
    dropped: messagesAndRecords,
    dropped_in_isolates: z.number().int(),
  })
  .openapi('TelemetryHealth');

/** One version with its QA report, manifest and what the admin API reads out of the manifest. */
export const ModelVersionDetailSchema = ModelVersionSchema.extend({
  task: z.string(),
  stage: z.string().optional(),
  trained_at: z.string().optional(),
  offline_metrics: z.record(z.string(), z.unknown()).optional(),
  qa_report: z.record(z.string(), z.unknown()),
  manifest: z.record(z.string(), z.unknown()),
}).openapi('ModelVersionDetail');

export type DeploymentJson = z.infer<typeof DeploymentSchema>;
export type ModelVersionJson = z.infer<typeof ModelVersionSchema>;
export type ModelVersionDetailJson = z.infer<typeof ModelVersionDetailSchema>;
export type DeploymentEventJson = z.infer<typeof DeploymentEventSchema>;
export type HealthCheckResultJson = z.infer<typeof HealthCheckResultSchema>;
export type TelemetryHealthJson = z.infer<typeof TelemetryHealthSchema>;

/** True when A and B are the same type (each assignable to the other). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// Compile-time: the services' interfaces are the documented wire shapes (a field added to one must be added to
// the other, or tsc fails here).
export const WIRE_MATCHES_DOMAIN: [
  Same<DeploymentJson, Deployment>,
  Same<DeploymentEventJson, DeploymentEvent>,
  Same<Omit<HealthCheckResultJson, 'check' | 'checked_at'>, Omit<HealthCheckResult, 'check'>>,
  Same<TelemetryHealthJson, TelemetryHealth>,
] = [true, true, true, true];
