/**
 * Cold starts: a fresh runtime each time, timed from outside to its first successful prediction; and where that
 * first prediction's time goes, from a CPU profile of the fresh isolate taken through the inspector (sampled
 * every 50 µs from just before the request to just after the answer; no production code is involved). Each
 * sample goes to a phase by its stack, through the bundle's source map. The attribution is pure and unit-tested.
 */
import { withTimeout } from './children.ts';
import type { CpuProfile } from './profile.ts';
import { selfTimes } from './profile.ts';
import type { ServedWorker } from './workers.ts';

export interface ColdStartRun {
  /** new Miniflare() until workerd accepts requests (process start, bundle compile, module evaluation). */
  runtimeReadyMs: number;
  /** First prediction request until its successful response, on the fresh runtime. */
  firstPredictionMs: number;
  totalMs: number;
}

export interface ColdStartResult {
  id: string;
  label: string;
  /** The engine the first prediction ran on (Vigil), when known. */
  engine?: string;
  runs: ColdStartRun[];
  failures: string[];
}

/** Starts a runtime, optionally prepares it (untimed), then times the first prediction; always disposes it. */
export async function coldRun(
  serve: () => Promise<ServedWorker>,
  predict: (worker: ServedWorker) => Promise<{ status: number; text: string }>,
  beforeFirst?: (worker: ServedWorker) => Promise<void>,
): Promise<ColdStartRun> {
  const t0 = performance.now();
  const worker = await serve();
  try {
    const t1 = performance.now();
    if (beforeFirst) await beforeFirst(worker);
    const t2 = performance.now();
    const { status, text } = await predict(worker);
    const t3 = performance.now();
    if (status !== 200) throw new Error(`first prediction answered ${status}: ${text.slice(0, 300)}`);
    return { runtimeReadyMs: t1 - t0, firstPredictionMs: t3 - t2, totalMs: t3 - t0 - (t2 - t1) };
  } finally {
    await worker.dispose();
  }
}

/** `n` cold starts in a row; failures are kept with their message, not thrown. */
export async function repeatColdStart(id: string, label: string, n: number, once: () => Promise<ColdStartRun>): Promise<ColdStartResult> {
  const result: ColdStartResult = { id, label, runs: [], failures: [] };
  for (let i = 0; i < n; i++) {
    try {
      result.runs.push(await withTimeout(once(), 120_000, `${label} #${i + 1}`));
    } catch (error) {
      result.failures.push(String(error).slice(0, 500));
    }
  }
  return result;
}

export const COLD_START_PHASES = [
  'services + request handling (Hono, routes)',
  'D1 client (queries, rows)',
  'registry + deployment lookup',
  'manifest parse (zod)',
  'compile (compiled evaluator)',
  'ONNX Runtime init + session',
  'ONNX Runtime (WASM)',
  'first run (validate, encode, model, decode)',
  'telemetry (after response)',
  'other Vigil code',
  'libraries (no Vigil frame)',
  'workerd built-ins (JS)',
  'garbage collection',
  'runtime (native, not JS)',
  'waiting on I/O (D1, R2, queue)',
] as const;
export type ColdStartPhase = (typeof COLD_START_PHASES)[number];

export interface Frame {
  functionName: string;
  url: string;
  /** The original source file (from the bundle's source map), `builtin:<url>` for workerd's own JS, or null. */
  source: string | null;
}

/** `src/…` for Vigil, the package path for libraries, the URL for built-ins. */
function shortSource(source: string): string {
  if (source.startsWith('builtin:')) return source.slice('builtin:'.length);
  const lib = source.lastIndexOf('node_modules/');
  if (lib >= 0) return source.slice(lib + 'node_modules/'.length);
  const src = source.lastIndexOf('src/');
  return src >= 0 ? source.slice(src) : source;
}

function vigilFile(source: string | null): string | null {
  if (!source || source.includes('node_modules/') || source.startsWith('builtin:')) return null;
  const i = source.lastIndexOf('src/');
  return i >= 0 ? source.slice(i) : null;
}

/** The phase a sample belongs to, from its stack (leaf first): by the nearest Vigil source file on it. */
export function coldStartPhase(stack: readonly Frame[]): ColdStartPhase {
  const leaf = stack[0];
  if (!leaf) return 'runtime (native, not JS)';
  if (leaf.functionName === '(idle)') return 'waiting on I/O (D1, R2, queue)';
  if (leaf.functionName === '(garbage collector)') return 'garbage collection';
  if (leaf.functionName === '(program)' || leaf.functionName === '(root)') return 'runtime (native, not JS)';
  if (leaf.url.startsWith('wasm://') || /^wasm-function\[/.test(leaf.functionName)) return 'ONNX Runtime (WASM)';
  const files = stack.map((f) => vigilFile(f.source));
  const nearest = files.find((f) => f !== null) ?? null;
  const onStack = (path: string) => files.some((f) => f?.startsWith(path));
  if (nearest === null) {
    if (leaf.source?.startsWith('builtin:')) return 'workerd built-ins (JS)';
    if (leaf.source === null && leaf.url === '') return 'runtime (native, not JS)';
    return 'libraries (no Vigil frame)';
  }
  if (nearest.startsWith('src/inference/compiled/')) {
    // Kernels are built while compiling and called while running: which one, the stack says.
    return onStack('src/inference/compiled/compiled-session')
      ? 'first run (validate, encode, model, decode)'
      : 'compile (compiled evaluator)';
  }
  if (nearest.startsWith('src/inference/ort-')) return 'ONNX Runtime init + session';
  if (nearest.startsWith('src/model/manifest')) return 'manifest parse (zod)';
  if (
    nearest.startsWith('src/db/') ||
    nearest.startsWith('src/registry/version-repository') ||
    nearest.startsWith('src/traffic/deployment-store')
  )
    return 'D1 client (queries, rows)';
  if (
    nearest.startsWith('src/registry/') ||
    nearest.startsWith('src/traffic/') ||
    nearest.startsWith('src/inference/session-cache') ||
    nearest.startsWith('src/serving/served-model')
  ) {
    return 'registry + deployment lookup';
  }
  if (nearest.startsWith('src/model/') || nearest.startsWith('src/inference/') || nearest.startsWith('src/serving/'))
    return 'first run (validate, encode, model, decode)';
  if (nearest.startsWith('src/telemetry/') || nearest.startsWith('src/monitoring/')) return 'telemetry (after response)';
  if (nearest.startsWith('src/api/') || ['src/services.ts', 'src/worker.ts', 'src/app.ts', 'src/index.ts'].includes(nearest))
    return 'services + request handling (Hono, routes)';
  return 'other Vigil code';
}

export interface PhaseTime {
  phase: ColdStartPhase;
  /** Sampled time in the phase (ms, under the profiler). */
  ms: number;
  /** When the phase was first and last sampled, from the window's start (ms). */
  firstAtMs: number;
  lastAtMs: number;
  /** The functions it spent the most time in (self time, leaf frames), `name (source)`, with ms. */
  top: [string, number][];
}

export interface ColdStartProfile {
  /** From the first to the last sample that is not idle (ms): the request's span inside the isolate. */
  windowMs: number;
  phases: PhaseTime[];
}

/**
 * Time per phase within the window of a profile, in order of first appearance. `locate` maps a frame's script
 * URL and position to its original source (null when unknown).
 */
export function coldStartProfile(
  profile: CpuProfile,
  locate: (url: string, line: number, column: number) => string | null,
): ColdStartProfile {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const phaseOfNode = new Map<number, ColdStartPhase>();
  const leafName = new Map<number, string>();
  const nameOf = (id: number): string => {
    let name = leafName.get(id);
    if (name !== undefined) return name;
    const frame = byId.get(id)?.callFrame;
    const source = frame && frame.url !== '' ? locate(frame.url, frame.lineNumber, frame.columnNumber) : null;
    name = `${frame?.functionName || '(anonymous)'}${source ? ` (${shortSource(source)})` : ''}`;
    leafName.set(id, name);
    return name;
  };
  const phaseOf = (id: number): ColdStartPhase => {
    let phase = phaseOfNode.get(id);
    if (phase) return phase;
    const stack: Frame[] = [];
    for (let at = byId.get(id); at; at = byId.get(parent.get(at.id) ?? -1)) {
      const { functionName, url, lineNumber, columnNumber } = at.callFrame;
      stack.push({ functionName, url, source: url === '' ? null : locate(url, lineNumber, columnNumber) });
    }
    phase = coldStartPhase(stack);
    phaseOfNode.set(id, phase);
    return phase;
  };
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  if (samples.length === 0 || deltas.length !== samples.length) {
    // No timeline: self times only.
    const phases = new Map<ColdStartPhase, number>();
    for (const [id, ms] of selfTimes(profile)) if (ms > 0) phases.set(phaseOf(id), (phases.get(phaseOf(id)) ?? 0) + ms);
    return {
      windowMs: [...phases.values()].reduce((s, v) => s + v, 0),
      phases: [...phases].map(([phase, ms]) => ({ phase, ms, firstAtMs: 0, lastAtMs: 0, top: [] })),
    };
  }
  const times: number[] = [];
  let t = 0;
  for (const d of deltas) times.push((t += d / 1000));
  const idle = (i: number) => phaseOf(samples[i]!) === 'waiting on I/O (D1, R2, queue)';
  let first = 0;
  while (first < samples.length && idle(first)) first++;
  let last = samples.length - 1;
  while (last > first && idle(last)) last--;
  if (first >= samples.length) return { windowMs: 0, phases: [] };
  const start = times[first]!;
  const phases = new Map<ColdStartPhase, PhaseTime>();
  const functions = new Map<ColdStartPhase, Map<string, number>>();
  for (let i = first; i <= last; i++) {
    // The time until the next sample belongs to this one (Chrome's convention).
    const ms = (times[i + 1] ?? times[i]!) - times[i]!;
    const phase = phaseOf(samples[i]!);
    const at = times[i]! - start;
    const entry = phases.get(phase) ?? { phase, ms: 0, firstAtMs: at, lastAtMs: at, top: [] };
    entry.ms += ms;
    entry.lastAtMs = at;
    phases.set(phase, entry);
    const names = functions.get(phase) ?? new Map<string, number>();
    const name = nameOf(samples[i]!);
    names.set(name, (names.get(name) ?? 0) + ms);
    functions.set(phase, names);
  }
  for (const [phase, entry] of phases) entry.top = [...(functions.get(phase) ?? [])].sort((a, b) => b[1] - a[1]).slice(0, 3);
  return { windowMs: (times[last + 1] ?? times[last]!) - start, phases: [...phases.values()] };
}

export interface ColdStartBreakdown {
  /** The profiled run's first prediction, timed from outside (the profiler slows it). */
  profiledFirstPredictionMs: number;
  profile: ColdStartProfile;
  /**
   * Runtime ready (new Miniflare until workerd listens): the serving Worker (median), the telemetry Worker (a 9 KB
   * bundle with the same D1 and queue simulators) and the floor Worker (no bindings). Module evaluation happens
   * in it, before any inspector can attach: the differences are what the serving bundle costs to load.
   */
  runtimeReadyMs: { vigil: number | null; telemetry: number | null; floor: number | null };
  /** The compile alone in Node (the micro-benchmark's `compile` stage), µs, when it ran. */
  nodeCompileUs?: number | null;
}
