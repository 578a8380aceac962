/**
 * What a replay observed, request by request, and its summary: requests by HTTP status, the most common
 * error messages, latency percentiles and the versions that served.
 */
import type { Prediction } from '../api-types.ts';

export interface RequestOutcome {
  row: number;
  requestId: string;
  /** HTTP status, or 0 when no answer came back. */
  status: number;
  latencyMs: number;
  version?: string;
  prediction?: Prediction;
  error?: string;
}

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export interface ErrorCount {
  message: string;
  count: number;
}

export interface ReplaySummary {
  sent: number;
  ok: number;
  errors: number;
  /** Status → count; "network" for requests that got no answer. */
  byStatus: Record<string, number>;
  /** Distinct error messages, most frequent first (at most `maxErrors`). */
  errorMessages: ErrorCount[];
  latencyMs: LatencySummary | null;
  /** Version → requests it served. */
  versions: Record<string, number>;
}

export function isSuccess(outcome: RequestOutcome): boolean {
  return outcome.status >= 200 && outcome.status < 300;
}

/** Nearest-rank percentile of sorted values. @example percentile([1, 2, 3, 4], 0.5) // 2 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(p * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarizeOutcomes(outcomes: readonly RequestOutcome[], maxErrors = 5): ReplaySummary {
  const byStatus: Record<string, number> = {};
  const messages = new Map<string, number>();
  const versions: Record<string, number> = {};
  const latencies: number[] = [];
  let ok = 0;
  for (const o of outcomes) {
    const key = o.status === 0 ? 'network' : String(o.status);
    byStatus[key] = (byStatus[key] ?? 0) + 1;
    if (o.status !== 0) latencies.push(o.latencyMs);
    if (isSuccess(o)) ok++;
    else if (o.error !== undefined) messages.set(o.error, (messages.get(o.error) ?? 0) + 1);
    if (o.version !== undefined && isSuccess(o)) versions[o.version] = (versions[o.version] ?? 0) + 1;
  }
  latencies.sort((a, b) => a - b);
  const errorMessages = [...messages].map(([message, count]) => ({ message, count })).sort((a, b) => b.count - a.count);
  return {
    sent: outcomes.length,
    ok,
    errors: outcomes.length - ok,
    byStatus,
    errorMessages: errorMessages.slice(0, maxErrors),
    latencyMs: latencies.length
      ? {
          p50: percentile(latencies, 0.5),
          p95: percentile(latencies, 0.95),
          p99: percentile(latencies, 0.99),
          max: latencies.at(-1)!,
          mean: latencies.reduce((a, b) => a + b, 0) / latencies.length,
        }
      : null,
    versions,
  };
}

/** The version that served the most requests (ties: the first seen). */
export function dominantVersion(versions: Record<string, number>): string | undefined {
  let best: string | undefined;
  for (const [version, count] of Object.entries(versions)) if (best === undefined || count > versions[best]!) best = version;
  return best;
}
