import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasQueueConsumer, waitForQueueConsumer } from '../../../cli/lib/dev-registry.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-registry-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** What wrangler writes for a Worker in its dev registry (one JSON file named after the Worker). */
function register(worker: string, queueConsumers: string[]): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, worker),
    JSON.stringify({
      debugPortAddress: '127.0.0.1:1',
      defaultEntrypointService: `core:user:${worker}`,
      userWorkerService: `core:user:${worker}`,
      queueConsumers,
    }),
  );
}

describe('hasQueueConsumer', () => {
  it('finds a Worker consuming the queue, and nothing in a registry without one', () => {
    expect(hasQueueConsumer(join(dir, 'missing'), 'vigil-telemetry')).toBe(false);
    register('vigil', []);
    writeFileSync(join(dir, 'half-written'), '{"queueCons');
    expect(hasQueueConsumer(dir, 'vigil-telemetry')).toBe(false);
    register('other', ['vigil-telemetry-dlq']);
    expect(hasQueueConsumer(dir, 'vigil-telemetry')).toBe(false);
    register('vigil-telemetry', ['vigil-telemetry', 'vigil-telemetry-dlq']);
    expect(hasQueueConsumer(dir, 'vigil-telemetry')).toBe(true);
  });
});

describe('waitForQueueConsumer', () => {
  it('resolves once the consumer registers, not before', async () => {
    let resolved = false;
    const waiting = waitForQueueConsumer({ registryPath: dir, queue: 'vigil-telemetry', timeoutMs: 5000, pollMs: 10 }).then(
      () => (resolved = true),
    );
    await new Promise((r) => setTimeout(r, 60));
    expect(resolved).toBe(false);
    register('vigil-telemetry', ['vigil-telemetry']);
    await waiting;
    expect(resolved).toBe(true);
  });

  it('gives up when the consumer process is gone, saying why, and after its timeout', async () => {
    await expect(
      waitForQueueConsumer({
        registryPath: dir,
        queue: 'vigil-telemetry',
        timeoutMs: 5000,
        pollMs: 10,
        abandoned: () => 'the telemetry Worker exited (1)',
      }),
    ).rejects.toThrow('no consumer of queue "vigil-telemetry" registered: the telemetry Worker exited (1)');
    await expect(waitForQueueConsumer({ registryPath: dir, queue: 'vigil-telemetry', timeoutMs: 30, pollMs: 10 })).rejects.toThrow(
      /after 30 ms/,
    );
  });
});
