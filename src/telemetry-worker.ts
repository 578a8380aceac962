/**
 * The telemetry Worker (wrangler.telemetry.toml): consumes the telemetry queue into D1, and replays its
 * dead-letter queue once D1 takes writes again. It is its own Worker so that D1 writes never share an isolate
 * (or, locally, a thread) with serving; the serving Worker (src/index.ts) only produces to the queue.
 *
 * @example
 * // wrangler.telemetry.toml: main = "src/telemetry-worker.ts", with [[queues.consumers]] for both queues
 */
import { handleTelemetryBatch, type TelemetryEnv } from './telemetry/queue-handler.ts';

export default {
  queue: handleTelemetryBatch,
} satisfies ExportedHandler<TelemetryEnv, unknown>;
