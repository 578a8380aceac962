/**
 * What every route handler can reach: the bindings, the per-isolate services and the request id.
 */
import type { Env } from '../env.ts';
import type { ModelRegistry } from '../registry/model-registry.ts';
import type { PredictionService } from '../serving/prediction-service.ts';
import type { DeploymentService } from '../traffic/deployment-service.ts';

export interface Services {
  predictions: PredictionService;
  registry: ModelRegistry;
  deployments: DeploymentService;
}

export interface AppEnv {
  Bindings: Env;
  Variables: {
    services: Services;
    requestId: string;
  };
}
