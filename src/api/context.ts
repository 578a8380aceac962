/**
 * What every route handler can reach: the bindings, the per-isolate services and the request id.
 */
import type { Database } from '../db/client.ts';
import type { Env } from '../env.ts';
import type { ErrorDetail } from '../errors.ts';
import type { AlertDispatcher } from '../monitoring/alerts.ts';
import type { HealthMonitor } from '../monitoring/health-monitor.ts';
import type { ModelRegistry } from '../registry/model-registry.ts';
import type { PredictionService } from '../serving/prediction-service.ts';
import type { FeedbackStore } from '../telemetry/feedback-store.ts';
import type { DeploymentService } from '../traffic/deployment-service.ts';

export interface Services {
  db: Database;
  predictions: PredictionService;
  registry: ModelRegistry;
  deployments: DeploymentService;
  feedback: FeedbackStore;
  monitor: HealthMonitor;
  alerts: AlertDispatcher;
  /** What this isolate holds in memory and what its telemetry could not send (health, soak tests). */
  isolate(): IsolateStats;
}

/** Sizes of every per-isolate cache and the isolate's telemetry counters. */
export type IsolateStats = Record<string, number>;

export interface AppEnv {
  Bindings: Env;
  Variables: {
    services: Services;
    requestId: string;
    /** `?debug=true` from an admin caller: add the debug trace to the prediction. */
    debug?: boolean;
    /**
     * How this route group writes an error body (the Open Inference Protocol's routes set theirs); unset, it is
     * Vigil's `{"error": {"code", "message", "details"}}`.
     */
    errorBody?: ErrorBodyWriter;
  };
}

/** Writes the JSON body of an error response from its code, message and details. */
export type ErrorBodyWriter = (error: { code: string; message: string; details: readonly ErrorDetail[] }) => unknown;
