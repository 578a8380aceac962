/**
 * Sends telemetry messages to the TELEMETRY queue (at most 100 messages and 256 KB per sendBatch). Messages go
 * as the JSON text packMessages already built, so no record is serialized twice.
 */
import { serializedMessage, type MessageSender } from './buffer.ts';
import type { TelemetryMessage } from './records.ts';

const MAX_BATCH_MESSAGES = 100;
const MAX_BATCH_BYTES = 250_000;

export function queueSender(queue: Queue<TelemetryMessage | string>): MessageSender {
  return async (messages) => {
    let batch: { body: string; contentType: 'text' }[] = [];
    let bytes = 0;
    for (const message of messages) {
      const { json, bytes: size } = serializedMessage(message);
      if (batch.length > 0 && (batch.length === MAX_BATCH_MESSAGES || bytes + size > MAX_BATCH_BYTES)) {
        await queue.sendBatch(batch);
        batch = [];
        bytes = 0;
      }
      batch.push({ body: json, contentType: 'text' });
      bytes += size;
    }
    if (batch.length > 0) await queue.sendBatch(batch);
  };
}
