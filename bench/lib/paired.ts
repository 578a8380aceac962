/**
 * Interleaved rounds: every server serves the primary model family in short slices, one after another, with all
 * of them up at once, and each round's ratios are taken from slices seconds apart. The machine's speed drifts
 * by more than most changes move a figure, and the 20-second scenarios run minutes apart (Vigil, then the limit,
 * the floor, the peer), so a ratio between them can be one phase of the machine against another; the median of
 * the rounds' ratios, with their spread, cannot. Pure; unit-tested.
 */
import { median, ratios, type ScenarioResult, type ServerKind } from './scenario.ts';

export interface PairedRounds {
  /** The model family the rounds served. */
  model: string;
  /** Seconds of each measured slice (after its own warm-up). */
  sliceSeconds: number;
  /** Per round, one slice per server and request shape, with the same ids as the scenarios (vigil-full, …). */
  rounds: ScenarioResult[][];
}

export interface PairedRatio {
  /** Each round's ratio, in round order (null where a slice is missing). */
  perRound: (number | null)[];
  median: number;
  min: number;
  max: number;
}

/** The order the servers go in round `round`: rotated by one each round, so none is always first or last. */
export function roundOrder<T>(servers: readonly T[], round: number): T[] {
  const n = servers.length;
  if (n === 0) return [];
  const shift = ((round % n) + n) % n;
  return [...servers.slice(shift), ...servers.slice(0, shift)];
}

/** The ratios of `ratios()` (full path / limit, 100 instances / peer, …), per round and their median and range. */
export function pairedRatios(paired: PairedRounds): Record<string, PairedRatio | null> {
  const perRound = paired.rounds.map((round) => ratios(round, paired.model));
  const names = Object.keys(ratios([], paired.model));
  const out: Record<string, PairedRatio | null> = {};
  for (const name of names) {
    const values = perRound.map((r) => r[name] ?? null);
    const present = values.filter((v): v is number => v !== null);
    out[name] =
      present.length === 0 ? null : { perRound: values, median: median(present), min: Math.min(...present), max: Math.max(...present) };
  }
  return out;
}

/** The scenario ids of one server's slices in a round: single instances and 100 per request. */
export function sliceIds(server: ServerKind): [string, string] {
  return [server === 'vigil' ? 'vigil-full' : `${server}-single`, `${server}-batch100`];
}
