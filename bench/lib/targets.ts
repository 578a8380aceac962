/**
 * The targets of issue 12, checked against a run: each with the figure measured and whether it is met (null:
 * reported without a target, or not measured in this run). Measured on the primary model family
 * (california-housing), as the issue's figures are. Pure; unit-tested.
 */
import type { ColdStartResult } from './cold-start.ts';
import type { MemoryResult } from './memory.ts';
import { pairedRatios, type PairedRatio, type PairedRounds } from './paired.ts';
import { median, type ScenarioResult } from './scenario.ts';
import { ratio } from './stats.ts';

export interface TargetCheck {
  figure: string;
  target: string;
  measured: string;
  /** null: reported only, or not measured in this run. */
  met: boolean | null;
}

export interface TargetInputs {
  scenarios: readonly ScenarioResult[];
  coldStarts: readonly ColdStartResult[];
  memory: MemoryResult | null;
  /** The model family the targets are measured on. */
  model: string;
  /**
   * Interleaved rounds on that family (bench/lib/paired.ts): when present, the ratio targets are judged on the
   * median of the rounds' ratios, which the machine's drift between scenarios cannot move.
   */
  paired?: PairedRounds | null;
}

/** The connections the p99 target is stated at. */
export const TARGET_CONNECTIONS = 16;

function fmt(n: number | null | undefined, digits = 0): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function scenarioSeconds(s: ScenarioResult | undefined): string {
  return `${fmt(s?.load.durationSeconds)} s`;
}

function errorsOf(s: ScenarioResult): number {
  return s.load.non2xx + s.load.errors;
}

const NOT_MEASURED = 'not measured in this run';

function roundsText(r: PairedRatio): string {
  return `median ${fmt(r.median, 2)} over ${r.perRound.length} interleaved rounds (${fmt(r.min, 2)}–${fmt(r.max, 2)})`;
}

export function checkTargets(input: TargetInputs): TargetCheck[] {
  const find = (id: string) => input.scenarios.find((s) => s.id === id && s.model === input.model);
  const full = find('vigil-full');
  const limit = find('limit-single');
  const floor = find('floor-single');
  const batch = find('vigil-batch100');
  const peerBatch = find('peer-batch100');
  const checks: TargetCheck[] = [];

  const rounds = input.paired && input.paired.model === input.model ? pairedRatios(input.paired) : null;
  const fl = ratio(full?.load.requestsPerSecond, limit?.load.requestsPerSecond);
  const flText = fl === null ? null : `${fmt(fl, 2)} (${fmt(full!.load.requestsPerSecond)} / ${fmt(limit!.load.requestsPerSecond)} req/s)`;
  const flRounds = rounds?.['full path / limit'] ?? null;
  checks.push({
    figure: 'full path (shadow 10 %, sampling 1 %) / limit, req/s',
    target: '≥ 1.2',
    measured: flRounds ? `${roundsText(flRounds)}; the ${scenarioSeconds(full)} scenarios: ${flText ?? '–'}` : (flText ?? NOT_MEASURED),
    met: flRounds ? flRounds.median >= 1.2 : fl === null ? null : fl >= 1.2,
  });

  if (full) {
    const at16 = full.load.connections === TARGET_CONNECTIONS;
    checks.push({
      figure: `full path p99 at ${full.load.connections} connections`,
      target: `≤ 8 ms, 0 errors (at ${TARGET_CONNECTIONS} connections)`,
      measured: `p99 ${fmt(full.load.latency.p99Ms, 2)} ms, ${errorsOf(full)} errors`,
      met: at16 ? full.load.latency.p99Ms <= 8 && errorsOf(full) === 0 : null,
    });
  } else {
    checks.push({ figure: 'full path p99 at 16 connections', target: '≤ 8 ms, 0 errors', measured: NOT_MEASURED, met: null });
  }

  if (batch) {
    const scenarioVsPeer = ratio(batch.predictionsPerSecond, peerBatch?.predictionsPerSecond);
    const peerRounds = rounds?.['100 instances / peer'] ?? null;
    const vsPeer = peerRounds ? peerRounds.median : scenarioVsPeer;
    const enough = batch.predictionsPerSecond >= 200_000;
    const peerText =
      peerRounds !== null
        ? `the peer: ${roundsText(peerRounds)}, in the ${scenarioSeconds(batch)} scenarios ${fmt(scenarioVsPeer, 2)}×`
        : scenarioVsPeer === null
          ? 'peer not measured'
          : `${fmt(scenarioVsPeer, 2)}× the peer`;
    checks.push({
      figure: '100-instance full path',
      target: '≥ 200,000 predictions/s and ≥ 0.8× the peer',
      measured: `${fmt(batch.predictionsPerSecond)} predictions/s, ${peerText}`,
      met: !enough ? false : vsPeer === null ? null : vsPeer >= 0.8,
    });
  } else {
    checks.push({
      figure: '100-instance full path',
      target: '≥ 200,000 predictions/s and ≥ 0.8× the peer',
      measured: NOT_MEASURED,
      met: null,
    });
  }

  const ff = ratio(full?.load.requestsPerSecond, floor?.load.requestsPerSecond);
  const cpuUs = (s: ScenarioResult | undefined) => (s && s.load.ok > 0 ? (s.load.serverCpuSeconds * 1e6) / s.load.ok : null);
  const fullCpu = cpuUs(full);
  const floorCpu = cpuUs(floor);
  checks.push({
    figure: 'full path / floor, req/s',
    target: 'reported',
    measured:
      ff === null
        ? NOT_MEASURED
        : `${fmt(ff, 2)}; CPU per request ${fmt(fullCpu)} µs vs ${fmt(floorCpu)} µs ` +
          `(${fmt(fullCpu !== null && floorCpu !== null ? fullCpu - floorCpu : null)} µs more)`,
    met: null,
  });

  const cold = (id: string, label: string, limitMs: number, engine: string) => {
    const c = input.coldStarts.find((x) => x.id === id);
    const firsts = c?.runs.map((r) => r.firstPredictionMs) ?? [];
    if (!c || firsts.length === 0) {
      checks.push({
        figure: label,
        target: `≤ ${limitMs} ms`,
        measured: c ? `every run failed: ${c.failures[0] ?? ''}`.slice(0, 200) : NOT_MEASURED,
        met: c ? false : null,
      });
      return;
    }
    const m = median(firsts);
    // A run on another engine than the figure names measures something else: reported, not judged.
    const otherEngine = c.engine !== undefined && c.engine !== engine;
    checks.push({
      figure: label,
      target: `≤ ${limitMs} ms`,
      measured:
        `median ${fmt(m, 1)} ms (${fmt(Math.min(...firsts), 1)}–${fmt(Math.max(...firsts), 1)}, ` +
        `${firsts.length} runs${c.failures.length ? `, ${c.failures.length} failed` : ''})` +
        `${otherEngine ? `, but the version ran on ${c.engine}` : ''}`,
      met: otherEngine ? null : m <= limitMs && c.failures.length === 0,
    });
  };
  cold('vigil-cold', 'cold start, first prediction (compiled model)', 50, 'compiled');
  cold('vigil-cold-ort', 'cold start, first prediction (version forced to ONNX Runtime)', 300, 'onnxruntime');

  const m = input.memory;
  if (m) {
    // RSS as read is a point on the isolates' collection cycle (garbage V8 has not collected yet, up to tens of
    // MB, comes and goes); read again after every isolate's full collection, it is what the process keeps. The
    // target takes the latter when both points have it, and shows both.
    const mb = (bytes: number | null | undefined) => fmt(bytes == null ? null : bytes / 1024 ** 2);
    const percent = (g: number | null) => (g === null ? '–' : `${(g * 100).toFixed(1)} %`);
    const collectedBefore = m.afterWarmup.rssAfterCollectionBytes ?? null;
    const collectedAfter = m.afterLoad.rssAfterCollectionBytes ?? null;
    const collected = collectedBefore !== null && collectedAfter !== null ? collectedAfter / collectedBefore - 1 : null;
    const asRead = `${mb(m.afterWarmup.rssBytes)} → ${mb(m.afterLoad.rssBytes)} MB (${percent(m.growth.rss)})`;
    const growth = collected ?? m.growth.rss;
    checks.push({
      figure: m.isTwoMinuteFigure
        ? 'workerd RSS growth after warm-up, 2-minute soak'
        : `workerd RSS growth after warm-up, over ${fmt(m.loadSecondsAfterWarmup)} s of load (not the 2-minute soak)`,
      target: '≤ 10 %',
      measured:
        collected === null
          ? `${asRead} after a ${fmt(m.warmupSeconds)} s warm-up`
          : `${mb(collectedBefore)} → ${mb(collectedAfter)} MB (${percent(collected)}) after every isolate's full collection, ` +
            `after a ${fmt(m.warmupSeconds)} s warm-up; as read before it, ${asRead}`,
      met: growth === null ? null : growth <= 0.1,
    });
  } else {
    checks.push({ figure: 'workerd RSS growth after warm-up, 2-minute soak', target: '≤ 10 %', measured: NOT_MEASURED, met: null });
  }
  return checks;
}
