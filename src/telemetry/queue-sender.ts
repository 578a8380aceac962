/**
 * Sends telemetry messages to the TELEMETRY queue (at most 100 messages and 256 KB per sendBatch).
 */
import { jsonBytes, type MessageSender } from './buffer.ts';
import type { TelemetryMessage } from './records.ts';

const MAX_BATCH_MESSAGES = 100;
const MAX_BATCH_BYTES = 250_000;

export function queueSender(queue: Queue<TelemetryMessage>): MessageSender {
  return async (messages) => {
    let batch: { body: TelemetryMessage; contentType: 'json' }[] = [];
    let bytes = 0;
    for (const body of messages) {
      const size = jsonBytes(body);
      if (batch.length > 0 && (batch.length === MAX_BATCH_MESSAGES || bytes + size > MAX_BATCH_BYTES)) {
        await queue.sendBatch(batch);
        batch = [];
        bytes = 0;
      }
      batch.push({ body, contentType: 'json' });
      bytes += size;
    }
    if (batch.length > 0) await queue.sendBatch(batch);
  };
}
