/**
 * Worker entry: wires the per-isolate services and exports the handlers (fetch, queue).
 */
import { createApp } from './app.ts';
import type { Services } from './api/context.ts';
import { database } from './db/client.ts';
import type { Env } from './env.ts';
import { OrtRuntime } from './inference/ort-runtime.ts';
import { SessionCache } from './inference/session-cache.ts';
import { R2ArtifactStore } from './registry/artifact-store.ts';
import { BUNDLED_MODELS, DEFAULT_DEPLOYMENTS } from './registry/bundled-models.gen.ts';
import { ModelRegistry } from './registry/model-registry.ts';
import { BundledModelStore } from './registry/model-store.ts';
import { D1VersionRepository } from './registry/version-repository.ts';
import { PredictionService } from './serving/prediction-service.ts';
import { ServedModelCache } from './serving/served-model.ts';
import { ShadowRunner } from './serving/shadow-runner.ts';
import { TelemetryBuffer } from './telemetry/buffer.ts';
import { consumeTelemetry } from './telemetry/consumer.ts';
import { ProfileAccumulator } from './telemetry/profiles.ts';
import { queueSender } from './telemetry/queue-sender.ts';
import type { TelemetryMessage } from './telemetry/records.ts';
import { TelemetryObserver } from './telemetry/telemetry-observer.ts';
import { D1DeploymentStore } from './traffic/deployment-store.ts';
import { DeploymentService } from './traffic/deployment-service.ts';
import { DeploymentRouter } from './traffic/router.ts';

/** Attempts before a telemetry message goes to the dead-letter queue (wrangler.toml max_retries + 1). */
const TELEMETRY_MAX_ATTEMPTS = 6;

function numberVar(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value.trim() !== '' && Number.isFinite(n) ? n : fallback;
}

let services: Services | undefined;

/**
 * Services live as long as the isolate: sessions, compiled validators, deployments and telemetry buffers are
 * reused across requests. Bindings are the same for every request of an isolate.
 */
export function isolateServices(env: Env): Services {
  if (services) return services;
  const db = database(env.DB);
  const bundled = new BundledModelStore(BUNDLED_MODELS);
  const sessions = new SessionCache(new OrtRuntime());
  const registry = new ModelRegistry({ bundled, repository: new D1VersionRepository(db), artifacts: new R2ArtifactStore(env.MODELS), sessions });
  const deploymentStore = new D1DeploymentStore(db);
  const deployments = new DeploymentService({
    store: deploymentStore,
    registry,
    defaults: DEFAULT_DEPLOYMENTS,
    cacheSeconds: numberVar(env.DEPLOYMENT_CACHE_SECONDS, 10),
  });
  const models = new ServedModelCache(registry, sessions);
  const buffer = new TelemetryBuffer(queueSender(env.TELEMETRY), { flushMs: numberVar(env.TELEMETRY_FLUSH_MS, 5000) });
  const profiles = new ProfileAccumulator();
  buffer.addSource(() => profiles.drain());
  const salts = new Map<string, Promise<string>>();
  const telemetry = new TelemetryObserver({
    buffer,
    profiles,
    piiSalt: (model) => {
      let salt = salts.get(model);
      if (!salt) {
        salt = deploymentStore.piiSalt(model).then((s) => s ?? crypto.randomUUID());
        salts.set(model, salt);
        salt.catch(() => salts.delete(model));
      }
      return salt;
    },
  });
  const predictions = new PredictionService({
    store: registry,
    models,
    router: new DeploymentRouter(deployments, registry),
    observers: [new ShadowRunner(models, buffer), telemetry],
  });
  services = { predictions, registry, deployments };
  return services;
}

const app = createApp(isolateServices);

export default {
  fetch: app.fetch,
  async queue(batch, env) {
    await consumeTelemetry(batch as MessageBatch<TelemetryMessage>, { db: database(env.DB), deadLetters: env.TELEMETRY_DLQ, maxAttempts: TELEMETRY_MAX_ATTEMPTS });
  },
} satisfies ExportedHandler<Env, TelemetryMessage>;
