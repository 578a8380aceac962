import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

export const TEST_ADMIN_TOKEN = 'test-admin-token';
export const TEST_PII_HASH_KEY = 'test-pii-hash-key-0123456789';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
        },
      },
      {
        test: {
          // The dashboard in headless Chromium against a Worker of its own under `wrangler dev`.
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        plugins: [
          cloudflareTest(async () => ({
            wrangler: { configPath: './wrangler.toml' },
            // The serving Worker with the telemetry Worker's queue handler beside it (the pool runs one Worker).
            main: './test/worker/entry.ts',
            miniflare: {
              bindings: {
                TEST_MIGRATIONS: await readD1Migrations('./migrations'),
                ADMIN_TOKEN: TEST_ADMIN_TOKEN,
                PII_HASH_KEY: TEST_PII_HASH_KEY,
                // Tests see deployment changes and telemetry at once.
                DEPLOYMENT_CACHE_SECONDS: '0',
                TELEMETRY_FLUSH_MS: '0',
              },
              // The telemetry Worker's queues (wrangler.telemetry.toml), delivering batches at once instead of after
              // its 5 s batch timeout.
              queueProducers: { TELEMETRY_DLQ: { queueName: 'vigil-telemetry-dlq' } },
              queueConsumers: {
                'vigil-telemetry': { maxBatchSize: 100, maxBatchTimeout: 0, maxRetries: 5, deadLetterQueue: 'vigil-telemetry-dlq' },
              },
            },
          })),
        ],
        test: {
          name: 'worker',
          include: ['test/worker/**/*.test.ts'],
          setupFiles: ['test/worker/setup.ts'],
          testTimeout: 30_000,
        },
      },
    ],
  },
});
