/**
 * Worker entry: wires the per-isolate services and exports the handlers.
 */
import { createApp } from './app.ts';
import type { Services } from './api/context.ts';
import type { Env } from './env.ts';
import { OrtRuntime } from './inference/ort-runtime.ts';
import { SessionCache } from './inference/session-cache.ts';
import { BUNDLED_MODELS } from './registry/bundled-models.gen.ts';
import { BundledModelStore } from './registry/model-store.ts';
import { PredictionService } from './serving/prediction-service.ts';
import { ServedModelCache } from './serving/served-model.ts';
import { HighestVersionRouter } from './traffic/router.ts';

let services: Services | undefined;

/** Services live as long as the isolate: sessions, compiled validators and caches are reused across requests. */
function isolateServices(_env: Env): Services {
  if (!services) {
    const store = new BundledModelStore(BUNDLED_MODELS);
    const models = new ServedModelCache(store, new SessionCache(new OrtRuntime()));
    services = { predictions: new PredictionService({ store, models, router: new HighestVersionRouter(store) }) };
  }
  return services;
}

const app = createApp(isolateServices);

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
