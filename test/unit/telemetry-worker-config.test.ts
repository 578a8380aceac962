/**
 * The serving Worker and the telemetry Worker as wrangler configures them: serving only produces to the
 * telemetry queue; the telemetry Worker consumes it (and its dead-letter queue) into the same D1 database, with
 * the retry counts its handler assumes. The Worker tests run both handlers in one Worker (test/worker/entry.ts),
 * so this checks the real split.
 */
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;

interface Options {
  main: string;
  workerOptions: {
    queueProducers?: Record<string, { queueName: string }>;
    queueConsumers?: Record<string, { maxRetries?: number; deadLetterQueue?: string }>;
    d1Databases?: Record<string, { id: string }>;
  };
}

async function options(config: string): Promise<Options> {
  const { unstable_getMiniflareWorkerOptions } = await import('wrangler');
  return unstable_getMiniflareWorkerOptions(`${ROOT}${config}`) as unknown as Options;
}

describe('the telemetry Worker split', () => {
  it('serving produces to the telemetry queue and consumes nothing', async () => {
    const serving = await options('wrangler.toml');
    expect(serving.main).toBe(`${ROOT}src/index.ts`);
    expect(serving.workerOptions.queueProducers).toEqual({ TELEMETRY: { queueName: 'vigil-telemetry' } });
    expect(serving.workerOptions.queueConsumers ?? {}).toEqual({});
  });

  it('the telemetry Worker consumes both queues into the same D1 database, with the attempts its handler counts', async () => {
    const serving = await options('wrangler.toml');
    const telemetry = await options('wrangler.telemetry.toml');
    expect(telemetry.main).toBe(`${ROOT}src/telemetry-worker.ts`);
    expect(telemetry.workerOptions.d1Databases).toEqual(serving.workerOptions.d1Databases);
    const consumers = telemetry.workerOptions.queueConsumers!;
    expect(Object.keys(consumers).sort()).toEqual(['vigil-telemetry', 'vigil-telemetry-dlq']);
    // src/telemetry/queue-handler.ts: 11 attempts, then the dead-letter queue; 51 there, then counted as dropped.
    expect(consumers['vigil-telemetry']).toMatchObject({ maxRetries: 10, deadLetterQueue: 'vigil-telemetry-dlq' });
    expect(consumers['vigil-telemetry-dlq']).toMatchObject({ maxRetries: 50 });
    expect(telemetry.workerOptions.queueProducers).toEqual({ TELEMETRY_DLQ: { queueName: 'vigil-telemetry-dlq' } });
  });

  it('the telemetry entry is a queue consumer only', async () => {
    const telemetry = (await import('../../src/telemetry-worker.ts')).default;
    expect(Object.keys(telemetry)).toEqual(['queue']);
  });
});
