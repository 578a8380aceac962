/**
 * Telemetry after each response: every instance updates the feature profiles (100 % of traffic), and a
 * sample of requests is logged with features (PII protected), prediction, version, role and latency. Canary
 * traffic and shadowed requests are always logged; other traffic at the deployment's sample rate.
 */
import type { Prediction } from '../model/decode.ts';
import type { Background, FailedEvent, PredictionObserver, RejectedEvent, ServedEvent } from '../serving/observer.ts';
import type { TelemetryBuffer } from './buffer.ts';
import { protectFeatures } from './pii.ts';
import type { ProfileAccumulator } from './profiles.ts';
import type { PredictionSampleRecord } from './records.ts';

export interface TelemetryObserverDeps {
  buffer: TelemetryBuffer;
  profiles: ProfileAccumulator;
  /** The model's PII hashing key; null without the PII_HASH_KEY secret (PII features are then dropped). */
  piiKey(model: string): Promise<string | null>;
  random?: () => number;
}

export class TelemetryObserver implements PredictionObserver {
  readonly #deps: TelemetryObserverDeps;
  readonly #random: () => number;

  constructor(deps: TelemetryObserverDeps) {
    this.#deps = deps;
    this.#random = deps.random ?? Math.random;
  }

  async served(event: ServedEvent, background: Background): Promise<void> {
    const { served, predictions, rows, decision } = event;
    const scores = predictions.map((p) => served.decoder.score(p));
    const labels = predictions.map((p: Prediction) => ('label' in p ? p.label : null));
    this.#deps.profiles.observe(event.model, served.version, served.profiler, rows, scores, labels, event.at);

    const sampled = decision.role === 'canary' || decision.shadows.length > 0 || this.#random() < decision.sampleRate;
    if (sampled) {
      const piiKey = await this.#deps.piiKey(event.model);
      const slicer = served.slicer;
      const samples: PredictionSampleRecord[] = [];
      for (let i = 0; i < rows.length; i++) {
        samples.push({
          kind: 'sample',
          request_id: event.requestId,
          instance: i,
          model: event.model,
          version: served.version,
          role: decision.role,
          features: await protectFeatures(served.manifest, rows[i]!, piiKey),
          prediction: predictions[i]!,
          score: scores[i]!,
          label: labels[i]!,
          latency_ms: event.latencyMs,
          slices: slicer(rows[i]!),
          created_at: event.at,
        });
      }
      this.#deps.buffer.add(samples, background);
    } else {
      this.#deps.buffer.schedule(background);
    }
  }

  async failed(event: FailedEvent, background: Background): Promise<void> {
    this.#deps.profiles.observeFailed(event.model, event.version, event.instanceCount, event.at);
    this.#deps.buffer.schedule(background);
  }

  async rejected(event: RejectedEvent, background: Background): Promise<void> {
    this.#deps.profiles.observeRejected(
      event.model,
      event.served.version,
      event.served.manifest,
      event.invalidByField,
      event.rejectedInstances,
      event.at,
    );
    this.#deps.buffer.schedule(background);
  }
}
