/**
 * Zod schemas of the admin API's requests.
 */
import { z } from '@hono/zod-openapi';
import { MODEL_NAME_PATTERN, VERSION_PATTERN } from '../model/manifest.ts';

export const ModelNameParam = z.string().regex(MODEL_NAME_PATTERN, 'model names are lowercase letters, digits and dashes');
export const VersionParam = z.string().regex(VERSION_PATTERN, 'versions are positive integers such as "3"');

/** "is required" only when the field is absent; a present but wrong value is told what it must be. */
const requiredOr = (field: string, must: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? `${field} is required: ${must}` : `${field} must be ${must}`;

const version = z
  .string({ error: requiredOr('version', 'a positive integer string such as "3"') })
  .regex(VERSION_PATTERN, 'must be a positive integer string such as "3"');
const audit = {
  /** Why the change is made; recorded in the audit trail. */
  reason: z.string().max(500).optional(),
  /** Who makes it (defaults to the x-vigil-actor header, then "admin"). */
  actor: z.string().max(128).optional(),
};

export const DeploymentChangeSchema = z
  .discriminatedUnion(
    'action',
    [
      z.object({ action: z.literal('promote'), version, ...audit }).strict(),
      z
        .object({
          action: z.literal('canary'),
          version,
          percent: z
            .number({ error: requiredOr('percent', 'a number in (0, 100]') })
            .gt(0)
            .max(100),
          ...audit,
        })
        .strict(),
      z.object({ action: z.literal('clear_canary'), ...audit }).strict(),
      z
        .object({
          action: z.literal('shadow'),
          version,
          sample_rate: z
            .number({ error: requiredOr('sample_rate', 'a number in (0, 1]') })
            .gt(0)
            .max(1),
          ...audit,
        })
        .strict(),
      z.object({ action: z.literal('clear_shadow'), version, ...audit }).strict(),
      z.object({ action: z.literal('rollback'), ...audit }).strict(),
      z
        .object({
          action: z.literal('sampling'),
          sample_rate: z
            .number({ error: requiredOr('sample_rate', 'a number in [0, 1]') })
            .min(0)
            .max(1),
          ...audit,
        })
        .strict(),
    ],
    { error: 'action must be one of promote, canary, clear_canary, shadow, clear_shadow, rollback, sampling' },
  )
  .openapi('DeploymentChange');

export const EngineChangeSchema = z
  .object({
    engine: z.enum(['auto', 'onnxruntime', 'compiled'], {
      error: 'engine must be "auto" (the QA gate\'s choice), "onnxruntime" or "compiled"',
    }),
    ...audit,
  })
  .strict()
  .openapi('EngineChange');

export const EventsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.coerce.number().int().positive().optional(),
});

/** A window such as "10m", "1h", "24h", "7d". */
export const WindowParam = z.string().regex(/^[1-9][0-9]{0,5}[mhd]$/, 'use a number followed by m, h or d, e.g. "10m", "1h", "7d"');

export function parseWindowMinutes(window: string): number {
  const n = Number(window.slice(0, -1));
  const unit = window.slice(-1);
  return unit === 'm' ? n : unit === 'h' ? n * 60 : n * 1440;
}

export const ChecksRunQuerySchema = z.object({
  model: z.string().optional(),
  window: WindowParam.optional(),
});
