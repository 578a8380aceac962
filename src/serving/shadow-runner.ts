/**
 * Shadow testing: after the response, the request's instances are run through each shadow version drawn for
 * it and compared with the primary's predictions. A shadow never changes or delays the response; a shadow
 * that fails or rejects the instances only records its error.
 */
import { ModelRunError } from '../errors.ts';
import type { Prediction } from '../model/decode.ts';
import { FieldErrors, type Row } from '../model/instance-validator.ts';
import type { ShadowComparisonRecord } from '../telemetry/records.ts';
import type { Background, PredictionObserver, ServedEvent } from './observer.ts';
import type { ServedModel, ServedModelCache } from './served-model.ts';

export interface ComparisonSink {
  add(records: readonly ShadowComparisonRecord[], background: Background): void;
}

function labelOf(p: Prediction): string | null {
  return 'label' in p ? p.label : null;
}

export class ShadowRunner implements PredictionObserver {
  readonly #models: ServedModelCache;
  readonly #sink: ComparisonSink;

  constructor(models: ServedModelCache, sink: ComparisonSink) {
    this.#models = models;
    this.#sink = sink;
  }

  async served(event: ServedEvent, background: Background): Promise<void> {
    for (const shadow of event.decision.shadows) {
      this.#sink.add(await this.compare(event, shadow.version), background);
    }
  }

  /** Runs one shadow on the event's instances; one comparison per instance, with the error when it failed. */
  async compare(event: ServedEvent, shadowVersion: string): Promise<ShadowComparisonRecord[]> {
    const started = performance.now();
    let shadowPredictions: Prediction[] | null = null;
    let shadow: ServedModel | null = null;
    let error: string | null = null;
    try {
      shadow = await this.#models.get(event.model, shadowVersion);
      const errors = new FieldErrors();
      const rows: Row[] = event.instances.map((instance, i) => shadow!.validator.validate(instance, i, errors)!);
      // Which fields and why, never the values: comparisons are stored, and the values may be PII.
      if (errors.count > 0)
        error = `shadow rejected the instances: ${errors.list
          .slice(0, 5)
          .map((e) => `instance ${e.instance}: ${e.field || '(instance)'} ${e.code}`)
          .join('; ')}${errors.count > 5 ? `; ${errors.count - 5} more` : ''}`;
      else shadowPredictions = await shadow.predictRows(rows);
    } catch (e) {
      // The report is the operator's: it records what the runtime said, not the client's message.
      error = e instanceof ModelRunError ? e.reason : e instanceof Error ? e.message : String(e);
    }
    const shadowLatencyMs = performance.now() - started;
    const primary = event.served;
    const slices = primary.slicer;
    return event.predictions.map((p, i): ShadowComparisonRecord => {
      const primaryScore = primary.decoder.score(p);
      const s = shadowPredictions?.[i] ?? null;
      const shadowScore = s && shadow ? shadow.decoder.score(s) : null;
      const diff = shadowScore === null ? null : shadowScore - primaryScore;
      const primaryLabel = labelOf(p);
      const shadowLabel = s ? labelOf(s) : null;
      return {
        kind: 'comparison',
        request_id: event.requestId,
        instance: i,
        model: event.model,
        primary_version: primary.version,
        shadow_version: shadowVersion,
        primary_prediction: p,
        shadow_prediction: s,
        primary_score: primaryScore,
        shadow_score: shadowScore,
        primary_label: primaryLabel,
        shadow_label: shadowLabel,
        signed_diff: diff,
        abs_diff: diff === null ? null : Math.abs(diff),
        label_agree: primaryLabel === null || shadowLabel === null ? null : primaryLabel === shadowLabel ? 1 : 0,
        primary_latency_ms: event.latencyMs,
        shadow_latency_ms: error ? null : shadowLatencyMs,
        error,
        slices: slices(event.rows[i]!),
        created_at: event.at,
      };
    });
  }
}
