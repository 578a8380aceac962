/**
 * One measured load scenario (a server, a model family, a request shape) and the figures derived from several:
 * CPU per request and the throughput ratios the issue asks for. Pure; unit-tested.
 */
import type { MeasuredLoad } from './load.ts';
import { ratio } from './stats.ts';

export type ServerKind = 'vigil' | 'limit' | 'peer' | 'floor';

export interface ScenarioResult {
  /** What ran, the same for every model family: vigil-full, limit-batch100, floor-single, … */
  id: string;
  label: string;
  server: ServerKind;
  /** The model family (models/<model>/). */
  model: string;
  instancesPerRequest: number;
  /** What the deployment was (Vigil) or what the server does (baselines). */
  setup: string;
  load: MeasuredLoad;
  predictionsPerSecond: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** CPU of the server's process per answered request (µs), or null when nothing was answered. */
export function cpuPerRequestUs(s: ScenarioResult): number | null {
  return s.load.ok > 0 ? (s.load.serverCpuSeconds * 1e6) / s.load.ok : null;
}

export function findScenario(scenarios: readonly ScenarioResult[], model: string, id: string): ScenarioResult | undefined {
  return scenarios.find((s) => s.model === model && s.id === id);
}

/** Vigil's predictions/s over each baseline's, per request shape, for one model family (same run). */
export function ratios(scenarios: readonly ScenarioResult[], model: string): Record<string, number | null> {
  const pps = (id: string) => findScenario(scenarios, model, id)?.predictionsPerSecond;
  return {
    'full path / limit': ratio(pps('vigil-full'), pps('limit-single')),
    'full path / peer': ratio(pps('vigil-full'), pps('peer-single')),
    'full path / floor': ratio(pps('vigil-full'), pps('floor-single')),
    'primary only / limit': ratio(pps('vigil-primary'), pps('limit-single')),
    '100 instances / limit': ratio(pps('vigil-batch100'), pps('limit-batch100')),
    '100 instances / peer': ratio(pps('vigil-batch100'), pps('peer-batch100')),
    'primary only, 100 instances / peer': ratio(pps('vigil-primary-batch100'), pps('peer-batch100')),
    '100 instances / floor': ratio(pps('vigil-batch100'), pps('floor-batch100')),
  };
}
