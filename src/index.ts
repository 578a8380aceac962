/**
 * Worker entry: the handlers (src/worker.ts) over this isolate's services.
 */
import { isolateServices } from './services.ts';
import { createWorker } from './worker.ts';

export default createWorker(isolateServices);
