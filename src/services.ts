/**
 * Composition root: builds the per-isolate services from the bindings. Tests build them with fakes
 * (a failing telemetry sender, a fake model runtime) through `overrides`.
 */
import type { IsolateStats, Services } from './api/context.ts';
import { database } from './db/client.ts';
import type { Env } from './env.ts';
import type { ModelRuntime } from './inference/model-runtime.ts';
import { CompiledRuntime } from './inference/compiled/index.ts';
import { useTreeWalker, wasmWalkersStarted } from './inference/compiled/ops/tree-walker.ts';
import treeWalker from './inference/compiled/tree-walker.gen.wasm';
import { OrtRuntime } from './inference/ort-runtime.ts';
import { SessionCache } from './inference/session-cache.ts';
import { AlertDispatcher } from './monitoring/alerts.ts';
import { HealthMonitor } from './monitoring/health-monitor.ts';
import { R2ArtifactStore } from './registry/artifact-store.ts';
import { BUNDLED_MODELS, DEFAULT_DEPLOYMENTS } from './registry/bundled-models.gen.ts';
import { ModelRegistry } from './registry/model-registry.ts';
import { BundledModelStore } from './registry/model-store.ts';
import { D1VersionRepository } from './registry/version-repository.ts';
import { PredictionService } from './serving/prediction-service.ts';
import { ServedModelCache } from './serving/served-model.ts';
import { ShadowRunner } from './serving/shadow-runner.ts';
import { TelemetryBuffer, type MessageSender } from './telemetry/buffer.ts';
import { FeedbackStore } from './telemetry/feedback-store.ts';
import { ProfileAccumulator } from './telemetry/profiles.ts';
import { queueSender } from './telemetry/queue-sender.ts';
import { TelemetryObserver } from './telemetry/telemetry-observer.ts';
import { modelPiiKey } from './telemetry/pii.ts';
import { numberVar } from './lib/number-var.ts';
import { PromiseCache } from './lib/promise-cache.ts';
import { usableSecret } from './api/auth.ts';
import { D1DeploymentStore } from './traffic/deployment-store.ts';
import { DeploymentService } from './traffic/deployment-service.ts';
import { DeploymentRouter } from './traffic/router.ts';

export interface ServiceOverrides {
  /** Replaces both engines (the compiled evaluator is then not used). */
  runtime?: ModelRuntime;
  /** Replaces ONNX Runtime only: the reference, and the engine of versions the compiled evaluator cannot run. */
  ortRuntime?: ModelRuntime;
  telemetrySender?: MessageSender;
}

/** The build's tree images of the bundled models (see tree-image.ts). */
const BUNDLED_TREE_IMAGES = BUNDLED_MODELS.flatMap((m) => (m.trees ? [m.trees] : []));

export function buildServices(env: Env, overrides: ServiceOverrides = {}): Services {
  // Compiled tree ensembles sum batches in the bundled WASM walker (Workers cannot compile WASM at run time).
  useTreeWalker(treeWalker);
  const db = database(env.DB);
  const bundled = new BundledModelStore(BUNDLED_MODELS);
  // The compiled evaluator serves what the QA gate proved it matches ONNX Runtime on; a test's fake runtime serves all.
  const sessions = overrides.runtime
    ? new SessionCache(overrides.runtime)
    : new SessionCache(overrides.ortRuntime ?? new OrtRuntime(), 16, new CompiledRuntime(BUNDLED_TREE_IMAGES));
  const cacheSeconds = numberVar(env.DEPLOYMENT_CACHE_SECONDS, 10);
  const registry = new ModelRegistry({
    bundled,
    repository: new D1VersionRepository(db),
    artifacts: new R2ArtifactStore(env.MODELS),
    sessions,
  });
  const deploymentStore = new D1DeploymentStore(db);
  const deployments = new DeploymentService({
    store: deploymentStore,
    registry,
    defaults: DEFAULT_DEPLOYMENTS,
    cacheSeconds,
  });
  const models = new ServedModelCache(registry, sessions, { ttlSeconds: cacheSeconds });
  // An engine forced through this isolate applies to its next prediction; other isolates re-read it.
  registry.onEngineChange((model, version, engine) => models.setEngine(model, version, engine));
  const buffer = new TelemetryBuffer(overrides.telemetrySender ?? queueSender(env.TELEMETRY), {
    flushMs: numberVar(env.TELEMETRY_FLUSH_MS, 5000),
  });
  const profiles = new ProfileAccumulator();
  buffer.addSource(() => profiles.drain());
  const piiSecret = usableSecret(env.PII_HASH_KEY);
  if (!piiSecret)
    console.warn(
      JSON.stringify({
        level: 'warn',
        message: 'PII_HASH_KEY is not set (or shorter than 16 characters): features marked pii "hash" are dropped from samples',
      }),
    );
  const piiKeys = new PromiseCache<string, string>({ capacity: 256 });
  const telemetry = new TelemetryObserver({
    buffer,
    profiles,
    piiKey: async (model) => (piiSecret ? piiKeys.get(model, () => modelPiiKey(piiSecret, model)) : null),
  });
  const predictions = new PredictionService({
    store: registry,
    models,
    router: new DeploymentRouter(deployments, registry),
    observers: [new ShadowRunner(models, buffer), telemetry],
  });
  const alerts = new AlertDispatcher(db, { webhookUrl: env.ALERT_WEBHOOK_URL });
  const monitor = new HealthMonitor({ db, registry, deployments, models, alerts });
  const isolate = (): IsolateStats => ({
    ...registry.stats(),
    deployments: deployments.cachedDeployments,
    served_models: models.size,
    sessions: sessions.size,
    compiled_sessions: sessions.sizeOf('compiled'),
    onnxruntime_sessions: sessions.sizeOf('onnxruntime'),
    wasm_tree_walkers: wasmWalkersStarted(),
    sessions_released: sessions.released,
    profile_buckets: profiles.size,
    pii_keys: piiKeys.size,
    telemetry_pending: buffer.pending,
    telemetry_pending_bytes: buffer.pendingBytes,
    telemetry_dropped: buffer.dropped,
    telemetry_send_failures: buffer.sendFailures,
  });
  return { db, predictions, registry, deployments, feedback: new FeedbackStore(db), monitor, alerts, isolate };
}

let services: Services | undefined;

/**
 * Services live as long as the isolate: sessions, compiled validators, deployments and telemetry buffers are
 * reused across requests. Bindings are the same for every request of an isolate.
 */
export function isolateServices(env: Env): Services {
  services ??= buildServices(env);
  return services;
}
