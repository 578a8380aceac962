/**
 * Delayed ground truth: `POST /v1/models/{model}/feedback` (with a feedback token: see feedbackAuth) with one
 * `{request_id, label, instance?}` or
 * `{"items": [...]}`. Labels are stored once per (request, instance) — a second label for the same instance is
 * reported as a duplicate, never overwrites — and ids with no logged prediction are reported back as unknown
 * (they are kept, so a prediction logged a little later still joins).
 */
import { Hono } from 'hono';
import { InvalidRequestError } from '../errors.ts';
import { feedbackAuth } from './auth.ts';
import type { AppEnv } from './context.ts';
import { readJsonBody } from './json-body.ts';
import { parseBody } from './schema-errors.ts';
import { FeedbackRequestSchema } from './schemas.ts';

export function feedbackRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/:model/feedback', feedbackAuth, async (c) => {
    const model = c.req.param('model');
    const body = parseBody(FeedbackRequestSchema, await readJsonBody(c.req.raw));
    const items = 'items' in body ? body.items : [body];
    const { predictions, feedback } = c.get('services');
    const { manifest } = await predictions.describe(model);
    const labels = manifest.output.labels;
    const problems = items.flatMap((item, i) => {
      if (manifest.task === 'regression') {
        return typeof item.label === 'number' && Number.isFinite(item.label)
          ? []
          : [
              {
                field: `items.${i}.label`,
                code: 'invalid_label',
                message: `label must be the true value (a finite number), got ${JSON.stringify(item.label)}`,
              },
            ];
      }
      return typeof item.label === 'string' && labels?.includes(item.label)
        ? []
        : [
            {
              field: `items.${i}.label`,
              code: 'invalid_label',
              message: `label must be one of ${labels?.map((l) => JSON.stringify(l)).join(', ')}, got ${JSON.stringify(item.label)}`,
            },
          ];
    });
    if (problems.length > 0)
      throw new InvalidRequestError(
        `${problems.length} feedback item${problems.length === 1 ? ' has' : 's have'} an invalid label: ${problems[0]!.message}`,
        problems.slice(0, 50),
      );
    const outcome = await feedback.record(
      model,
      items.map((i) => ({ requestId: i.request_id, instance: i.instance ?? 0, label: String(i.label) })),
    );
    return c.json(outcome);
  });
  return app;
}
