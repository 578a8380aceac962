/**
 * Hooks the prediction service calls after it has answered, so shadows and telemetry run off the request
 * path. Observers run in the background (waitUntil) after the response is sent; their failures are logged
 * and never reach the client.
 */
import type { Prediction } from '../model/decode.ts';
import type { Row } from '../model/instance-validator.ts';
import type { RouteDecision } from '../traffic/router.ts';
import type { ServedModel } from './served-model.ts';

/** Runs a task after the response (the request's waitUntil), so it never delays or fails the answer. */
export type Background = (task: Promise<unknown>) => void;

export interface ServedEvent {
  requestId: string;
  model: string;
  decision: RouteDecision;
  served: ServedModel;
  /** The instances as the client sent them (shadows validate them against their own manifests). */
  instances: readonly unknown[];
  rows: readonly Row[];
  predictions: readonly Prediction[];
  /** Time spent validating, encoding, running and decoding. */
  latencyMs: number;
  at: number;
}

export interface RejectedEvent {
  model: string;
  served: ServedModel;
  instanceCount: number;
  rejectedInstances: number;
  /** Invalid values per field (feature or unknown field), all of them, not only those listed to the client. */
  invalidByField: ReadonlyMap<string, number>;
  at: number;
}

/** The version could not predict (it failed to load, or its output was unusable): a server-side fault. */
export interface FailedEvent {
  model: string;
  version: string;
  instanceCount: number;
  error: string;
  at: number;
}

export interface PredictionObserver {
  served(event: ServedEvent, background: Background): Promise<void>;
  rejected?(event: RejectedEvent, background: Background): Promise<void>;
  failed?(event: FailedEvent, background: Background): Promise<void>;
}
