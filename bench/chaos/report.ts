/**
 * The chaos run's tables (Markdown, printed and kept in the JSON). Pure.
 */
import type { PhaseResult, Target } from './phases.ts';
import type { SoakResult } from './soak.ts';

const n = (v: number) => v.toLocaleString('en-US');
const ms = (v: number) => (Number.isFinite(v) ? (v < 10 ? v.toFixed(2) : v.toFixed(0)) : '–');
const mb = (bytes: number | null) => (bytes === null ? '–' : (bytes / 1024 ** 2).toFixed(2));

export function mark(met: boolean): string {
  return met ? 'ok' : 'MISSED';
}

export function formatPhases(phases: readonly PhaseResult[]): string {
  const lines: string[] = [];
  lines.push(
    '| phase | requests | 2xx | 5xx | non-2xx by code | p50 ms | p99 ms | samples stored / sent | ' +
      'comparisons stored / sent | counted (dropped, waiting) | lost | extra rows | ' +
      'alerts: webhook calls / stored / delivered | canary after |',
  );
  lines.push('| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const p of phases) {
    const t = p.telemetry;
    const codes =
      Object.entries(p.load.failures)
        .map(([k, v]) => `${k}: ${n(v)}`)
        .join('; ') || '–';
    const fiveXx = `${n(p.load.serverErrors)}${p.fallbackExists ? '' : ' (no fallback)'}`;
    lines.push(
      `| ${p.name} | ${n(p.load.requests)} | ${n(p.load.ok)} | ${fiveXx} | ` +
        `${codes}${p.load.connectionErrors ? `; ${n(p.load.connectionErrors)} connection errors` : ''} | ` +
        `${ms(p.load.latencyMs.p50)} | ${ms(p.load.latencyMs.p99)} | ` +
        `${n(t.samples.stored)} / ${n(t.samples.sent)} | ${n(t.comparisons.stored)} / ${n(t.comparisons.sent)} | ` +
        `${n(t.countedTotal)} | ${n(t.lost)}${t.drained ? '' : ' (not drained)'} | ` +
        `${n(t.samples.extra + t.comparisons.extra)} | ` +
        `${p.alerts.webhookReceived} / ${p.alerts.stored} / ${p.alerts.delivered} | ${p.deployment.canaryAfter ?? 'none'} |`,
    );
  }
  return lines.join('\n');
}

export function formatTargets(groups: readonly { name: string; targets: readonly Target[] }[]): string {
  const lines = ['| phase | check | target | measured | |', '| --- | --- | --- | --- | --- |'];
  for (const g of groups) for (const t of g.targets) lines.push(`| ${g.name} | ${t.name} | ${t.target} | ${t.value} | ${mark(t.met)} |`);
  return lines.join('\n');
}

export function formatFaultCalls(phases: readonly PhaseResult[]): string {
  const lines = [
    '| phase | fault | D1 calls passed / failed / stalled | queue sends | R2 calls | ORT runs | drain s |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const p of phases) {
    const c = (k: keyof PhaseResult['faultCalls']) =>
      `${n(p.faultCalls[k].passed)} / ${n(p.faultCalls[k].failed)} / ${n(p.faultCalls[k].stalled)}`;
    lines.push(
      `| ${p.name} | ${p.fault} | ${c('d1')} | ${c('queue')} | ${c('r2')} | ${c('ort')} | ${p.telemetry.drainSeconds.toFixed(0)} |`,
    );
  }
  return lines.join('\n');
}

export function formatWorkerLogs(phases: readonly PhaseResult[]): string {
  const lines = ['| phase | warn/error lines the Worker logged while the fault held, by message |', '| --- | --- |'];
  for (const p of phases) {
    const entries = Object.entries(p.workerLogs);
    lines.push(`| ${p.name} | ${entries.map(([k, v]) => `${n(v)} × ${k}`).join('; ') || '–'} |`);
  }
  return lines.join('\n');
}

export function formatSoak(soak: SoakResult): string {
  const lines: string[] = [];
  lines.push(
    `Soak: ${soak.durationSeconds.toFixed(0)} s of full-path load (${soak.deployment}): ${n(soak.load.requests)} ` +
      `requests, ${soak.load.requestsPerSecond.toFixed(0)}/s 2xx, ` +
      `p50 ${ms(soak.load.latencyMs.p50)} ms, p99 ${ms(soak.load.latencyMs.p99)} ms, ${n(soak.load.non2xx)} non-2xx, ` +
      `${n(soak.load.errors)} connection errors.`,
  );
  lines.push(
    `V8 heap at rest after forced GC: ${mb(soak.heap.atRestStartBytes)} MB → ${mb(soak.heap.atRestEndBytes)} MB ` +
      `(${soak.heap.growth === null ? '–' : `${(soak.heap.growth * 100).toFixed(2)} %`}); ` +
      `under load ${mb(soak.heap.underLoad.first)} → ${mb(soak.heap.underLoad.last)} MB ` +
      `(max ${mb(soak.heap.underLoad.max)}, trend ` +
      (soak.heap.underLoad.slopeBytesPerMinute === null ? '–' : `${(soak.heap.underLoad.slopeBytesPerMinute / 1024).toFixed(1)} KB/min`) +
      '). ' +
      `workerd RSS ${mb(soak.rss.atRestStartBytes)} → ${mb(soak.rss.atRestEndBytes)} MB ` +
      `(max under load ${mb(soak.rss.maxUnderLoadBytes)}).`,
  );
  lines.push('');
  lines.push(
    '| t (s) | state | heap MB after GC | heap MB before GC | RSS MB | telemetry_pending | profile_buckets | ' +
      'sessions | served_models | deployments | packages |',
  );
  lines.push('| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const s of soak.samples) {
    const f = (k: string) => (s.isolate && typeof s.isolate[k] === 'number' ? String(s.isolate[k]) : '–');
    lines.push(
      `| ${s.atSeconds.toFixed(0)} | ${s.state} | ${mb(s.heapUsedBytes)} | ${mb(s.heapUsedBeforeGcBytes)} | ` +
        `${mb(s.rssBytes)} | ${f('telemetry_pending')} | ${f('profile_buckets')} | ${f('sessions')} | ` +
        `${f('served_models')} | ${f('deployments')} | ${f('packages')} |`,
    );
  }
  lines.push('');
  lines.push('| per-isolate figure | kind | bound | at rest before | max under load | at rest after | verdict | |');
  lines.push('| --- | --- | ---: | ---: | ---: | ---: | --- | --- |');
  for (const m of soak.maps)
    lines.push(
      `| ${m.name} | ${m.kind} | ${m.bound ?? '–'} | ${m.atRestStart ?? '–'} | ${m.maxUnderLoad ?? '–'} | ` +
        `${m.atRestEnd ?? '–'} | ${m.verdict} | ${mark(m.met)} |`,
    );
  return lines.join('\n');
}
