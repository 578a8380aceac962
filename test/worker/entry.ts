/**
 * The Worker the Worker tests run: the serving Worker with the telemetry Worker's queue handler beside it. The
 * vitest pool runs one Worker, so the queue that production delivers to vigil-telemetry (src/telemetry-worker.ts)
 * is delivered here to the same handler; test/worker/telemetry-worker.test.ts checks the real pair of configs.
 */
import worker from '../../src/index.ts';
import telemetry from '../../src/telemetry-worker.ts';

export default { ...worker, queue: telemetry.queue };
