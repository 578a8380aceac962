/// <reference path="../telemetry-bindings.gen.d.ts" />
/**
 * The queue handler of the telemetry Worker: messages of the telemetry queue are written to D1 (retried with
 * backoff, dead-lettered after their last attempt); messages of the dead-letter queue are replayed into D1 once it
 * takes writes again, and what is finally given up on is counted.
 *
 * @example
 * export default { queue: handleTelemetryBatch } satisfies ExportedHandler<TelemetryEnv, unknown>;
 */
import { numberVar } from '../lib/number-var.ts';
import { consumeDeadLetters, consumeTelemetry } from './consumer.ts';
import type { TelemetryMessage } from './records.ts';

/**
 * Bindings of the telemetry Worker: D1 (where telemetry lands, the database the serving Worker reads) generated
 * from wrangler.telemetry.toml (`npm run types`), plus what the config does not say: the dead-letter queue's
 * message type (optional: the chaos Worker consumes without one) and a var tests set.
 */
export interface TelemetryEnv extends Omit<TelemetryBindings, 'TELEMETRY_DLQ'> {
  /** Where telemetry that keeps failing to reach D1 goes. */
  TELEMETRY_DLQ?: Queue<TelemetryMessage | string>;
  /** First retry delay of a telemetry message D1 refused, in seconds (doubling; default 30). */
  TELEMETRY_RETRY_SECONDS?: string;
}

/** Attempts before a telemetry message goes to the dead-letter queue (wrangler.telemetry.toml max_retries + 1). */
const TELEMETRY_MAX_ATTEMPTS = 11;
/** Attempts before a dead-lettered message is given up on and counted as dropped (its max_retries + 1). */
const DEAD_LETTER_MAX_ATTEMPTS = 51;
const DEAD_LETTER_QUEUE = 'vigil-telemetry-dlq';

export async function handleTelemetryBatch(batch: MessageBatch<unknown>, env: TelemetryEnv): Promise<void> {
  const messages = batch as MessageBatch<TelemetryMessage | string>;
  const retryBaseSeconds = numberVar(env.TELEMETRY_RETRY_SECONDS, 30);
  if (batch.queue === DEAD_LETTER_QUEUE) {
    await consumeDeadLetters(messages, { d1: env.DB, maxAttempts: DEAD_LETTER_MAX_ATTEMPTS, retryBaseSeconds: retryBaseSeconds * 20 });
    return;
  }
  await consumeTelemetry(messages, { d1: env.DB, deadLetters: env.TELEMETRY_DLQ, maxAttempts: TELEMETRY_MAX_ATTEMPTS, retryBaseSeconds });
}
