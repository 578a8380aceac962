/**
 * What every route handler can reach: the bindings, the per-isolate services and the request id.
 */
import type { Env } from '../env.ts';
import type { PredictionService } from '../serving/prediction-service.ts';

export interface Services {
  predictions: PredictionService;
}

export interface AppEnv {
  Bindings: Env;
  Variables: {
    services: Services;
    requestId: string;
  };
}
