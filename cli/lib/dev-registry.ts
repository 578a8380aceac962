/**
 * Waiting for a queue consumer in wrangler's local dev registry. Locally, a message produced to a queue whose
 * consumer runs in another `wrangler dev` process is handed over through the registry, and a message sent before
 * that process has registered is dropped (miniflare mirrors production's "no consumer" case by dropping, while
 * the producer's `send()` succeeds). So the serving Worker starts only once the telemetry Worker is registered.
 *
 * @example
 * await waitForQueueConsumer({ registryPath, queue: 'vigil-telemetry', timeoutMs: 60_000 });
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The queue the serving Worker produces telemetry to (wrangler.toml) and the telemetry Worker consumes. */
export const TELEMETRY_QUEUE = 'vigil-telemetry';

/** Whether a Worker registered in `registryPath` consumes `queue` (one JSON file per Worker, by wrangler). */
export function hasQueueConsumer(registryPath: string, queue: string): boolean {
  let names: string[];
  try {
    names = readdirSync(registryPath);
  } catch {
    return false;
  }
  return names.some((name) => {
    try {
      const entry = JSON.parse(readFileSync(join(registryPath, name), 'utf8')) as { queueConsumers?: unknown };
      return Array.isArray(entry.queueConsumers) && entry.queueConsumers.includes(queue);
    } catch {
      // Being written, or not a registry entry.
      return false;
    }
  });
}

export interface WaitForQueueConsumerOptions {
  registryPath: string;
  queue: string;
  timeoutMs: number;
  /** Why to stop waiting early (e.g. the consumer's process exited), or undefined to keep waiting. */
  abandoned?: () => string | undefined;
  pollMs?: number;
}

/** Resolves once a consumer of `queue` is registered; rejects after `timeoutMs` or when `abandoned` says so. */
export async function waitForQueueConsumer(options: WaitForQueueConsumerOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (hasQueueConsumer(options.registryPath, options.queue)) return;
    const reason = options.abandoned?.();
    if (reason !== undefined) throw new Error(`no consumer of queue "${options.queue}" registered: ${reason}`);
    if (Date.now() >= deadline)
      throw new Error(`no consumer of queue "${options.queue}" registered in ${options.registryPath} after ${options.timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 100));
  }
}
