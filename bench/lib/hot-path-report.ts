/**
 * The hot-path findings as text: the workerd CPU profile by category, by Vigil file and by function, what of it
 * the floor Worker pays too, and the micro-benchmark's stages. Pure; unit-tested.
 */
import type { HotPathCategory } from './hot-path-categories.ts';

export interface ProfileSummary {
  instancesPerRequest: number;
  requests: number;
  requestsPerSecondUnderProfiler: number;
  serverCpuUsPerRequest: number;
  wallMs: number;
  usPerRequest: Record<string, number>;
  usPerRequestByVigilFile: Record<string, number>;
  topFunctions: { name: string; source: string; usPerRequest: number }[];
}

export interface MicroSummary {
  model: string;
  timings: { stage: string; instances: number; us: number | null; error?: string }[];
}

/** Categories of work a bare Worker that parses the JSON body and answers a constant (the floor) does as well. */
export const FLOOR_CATEGORIES: readonly HotPathCategory[] = [
  'runtime (native, not JS)',
  'body read + JSON.parse',
  'workerd built-ins (JS)',
];

/** Splits a profile's µs per request into what the floor pays too and what only Vigil does (idle excluded). */
export function floorSplit(usPerRequest: Readonly<Record<string, number>>): {
  floorToo: number;
  vigilOnly: number;
  vigilOnlyByCategory: [string, number][];
} {
  let floorToo = 0;
  const vigilOnly: [string, number][] = [];
  for (const [category, us] of Object.entries(usPerRequest)) {
    if (category === 'idle') continue;
    if ((FLOOR_CATEGORIES as readonly string[]).includes(category)) floorToo += us;
    else vigilOnly.push([category, us]);
  }
  vigilOnly.sort((a, b) => b[1] - a[1]);
  return { floorToo, vigilOnly: vigilOnly.reduce((s, [, us]) => s + us, 0), vigilOnlyByCategory: vigilOnly };
}

export function formatHotPath(profile: Record<string, ProfileSummary> | null, micro: MicroSummary | null): string {
  const lines: string[] = [];
  for (const p of Object.values(profile ?? {})) {
    lines.push(
      'Where the time goes inside workerd: CPU profile of the serving isolate, full path, ' +
        `${p.instancesPerRequest} instance(s) per request, ` +
        `${p.requestsPerSecondUnderProfiler.toFixed(0)} req/s under the profiler; ` +
        `the workerd process used ${p.serverCpuUsPerRequest.toFixed(0)} µs CPU per request.`,
    );
    const split = floorSplit(p.usPerRequest);
    lines.push(
      `Against the floor: ${split.floorToo.toFixed(1)} µs per request is work the floor Worker does too ` +
        "(native request handling, body read and JSON.parse, workerd's JS); " +
        `${split.vigilOnly.toFixed(1)} µs is Vigil's own: ${split.vigilOnlyByCategory
          .slice(0, 6)
          .map(([k, v]) => `${k} ${v.toFixed(1)}`)
          .join(', ')}.`,
    );
    lines.push('');
    lines.push('| category (self time) | µs per request |');
    lines.push('| --- | ---: |');
    for (const [k, v] of Object.entries(p.usPerRequest)) lines.push(`| ${k} | ${v.toFixed(1)} |`);
    lines.push('');
    lines.push('| Vigil file (inclusive of the library and native code it calls) | µs per request |');
    lines.push('| --- | ---: |');
    for (const [k, v] of Object.entries(p.usPerRequestByVigilFile).slice(0, 16)) lines.push(`| ${k} | ${v.toFixed(1)} |`);
    lines.push('');
    lines.push('| top functions (self time) | source | µs per request |');
    lines.push('| --- | --- | ---: |');
    for (const f of p.topFunctions.slice(0, 12)) lines.push(`| ${f.name} | ${f.source} | ${f.usPerRequest.toFixed(1)} |`);
    lines.push('');
  }
  if (micro) {
    lines.push(`Hot-path stages in Node (${micro.model}; µs per request):`);
    lines.push('');
    lines.push('| stage | 1 instance | 100 instances |');
    lines.push('| --- | ---: | ---: |');
    const stages = [...new Set(micro.timings.map((t) => t.stage))];
    for (const stage of stages) {
      const cell = (n: number) => {
        const t = micro.timings.find((x) => x.stage === stage && (x.instances === n || (n === 1 && x.instances <= 1)));
        return t ? (t.us === null ? `failed: ${t.error ?? ''}` : t.us.toFixed(2)) : '–';
      };
      lines.push(`| ${stage} | ${cell(1)} | ${cell(100)} |`);
    }
  }
  return lines.join('\n');
}
