/**
 * Zod schemas of the report routes' parameters.
 */
import { z } from '@hono/zod-openapi';
import { WindowParam } from './admin-schemas.ts';

export const ReportKindSchema = z.enum(['shadow', 'canary', 'drift', 'quality', 'score'], {
  error: 'report must be one of shadow, canary, drift, quality, score',
});

export const ReportQuerySchema = z.object({ window: WindowParam.default('24h') }).strict();
