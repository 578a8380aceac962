/**
 * CPU profiles of Workers inside workerd, through its inspector (Chrome DevTools Protocol): sample an isolate
 * while load runs, then attribute self time to hot-path stages through the bundle's source map.
 */
import { readFileSync } from 'node:fs';
import { categorize, type HotPathCategory } from './hot-path-categories.ts';
import { SourceLocator, type RawSourceMap } from './source-map.ts';

interface ProfileNode {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

class CdpSession {
  readonly #socket: WebSocket;
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
      if (message.id === undefined) return;
      const waiter = this.#pending.get(message.id);
      if (!waiter) return;
      this.#pending.delete(message.id);
      if (message.error) waiter.reject(new Error(message.error.message));
      else waiter.resolve(message.result);
    });
  }

  static open(url: string): Promise<CdpSession> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.addEventListener('open', () => resolve(new CdpSession(socket)), { once: true });
      socket.addEventListener('error', () => reject(new Error(`cannot connect to the inspector at ${url}`)), { once: true });
    });
  }

  /** Sends a command; rejects when the inspector has not answered within `timeoutMs`. */
  send<T>(method: string, params: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<T> {
    const id = this.#nextId++;
    let timer: NodeJS.Timeout | undefined;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`the inspector did not answer ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#socket.send(JSON.stringify({ id, method, params }));
    }).finally(() => clearTimeout(timer));
  }

  close(): void {
    this.#socket.close();
  }
}

interface InspectorTarget {
  id: string;
  webSocketDebuggerUrl: string;
}

/** Starts profiling the named workerd workers; the returned function stops and returns their profiles. */
export async function startProfiling(
  inspectorPort: number,
  targetIds: readonly string[],
  samplingIntervalUs = 200,
): Promise<() => Promise<Map<string, CpuProfile>>> {
  const list = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json()) as InspectorTarget[];
  const sessions = new Map<string, CdpSession>();
  for (const id of targetIds) {
    const target = list.find((t) => t.id === id);
    if (!target) throw new Error(`the inspector has no worker "${id}" (it has ${list.map((t) => t.id).join(', ')})`);
    const session = await CdpSession.open(target.webSocketDebuggerUrl);
    await session.send('Profiler.enable');
    await session.send('Profiler.setSamplingInterval', { interval: samplingIntervalUs });
    await session.send('Profiler.start');
    sessions.set(id, session);
  }
  return async () => {
    const profiles = new Map<string, CpuProfile>();
    for (const [id, session] of sessions) {
      const { profile } = await session.send<{ profile: CpuProfile }>('Profiler.stop');
      profiles.set(id, profile);
      session.close();
    }
    return profiles;
  };
}

/** Self time (ms) of each node: from samples and time deltas when present, else hit counts × mean interval. */
export function selfTimes(profile: CpuProfile): Map<number, number> {
  const self = new Map<number, number>();
  if (profile.samples && profile.timeDeltas && profile.samples.length === profile.timeDeltas.length) {
    // timeDeltas[i] is the time before sample i; attribute the gap after sample i to it (Chrome's convention).
    for (let i = 0; i < profile.samples.length; i++) {
      const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
      self.set(profile.samples[i]!, (self.get(profile.samples[i]!) ?? 0) + dt);
    }
    return self;
  }
  const hits = profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0);
  const perHit = hits ? (profile.endTime - profile.startTime) / 1000 / hits : 0;
  for (const node of profile.nodes) self.set(node.id, (node.hitCount ?? 0) * perHit);
  return self;
}

export interface ProfileBreakdown {
  /** Profiled wall time (ms). */
  wallMs: number;
  /** Self time per category (ms). */
  categories: Record<string, number>;
  /**
   * Time per Vigil source file, inclusive of the library and native code it calls: each sample goes to the
   * nearest frame on its stack that is Vigil's own code (src/…); samples with none are "(no Vigil frame: …)".
   */
  owners: Record<string, number>;
  /** The functions with the most self time: name, original source, ms. */
  topFunctions: { name: string; source: string; category: HotPathCategory; ms: number }[];
}

/** Attributes a profile's self time to hot-path categories and functions. */
export function breakdown(profile: CpuProfile, locator: SourceLocator | null, bundleScript: string): ProfileBreakdown {
  const self = selfTimes(profile);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const sourceOf = new Map<number, string | null>();
  const locate = (node: ProfileNode): string | null => {
    if (sourceOf.has(node.id)) return sourceOf.get(node.id)!;
    const { url, lineNumber, columnNumber } = node.callFrame;
    const inBundle = url !== '' && url.endsWith(bundleScript);
    const source = inBundle ? (locator?.sourceAt(lineNumber, columnNumber) ?? 'bundle') : url === '' ? null : `builtin:${url}`;
    sourceOf.set(node.id, source);
    return source;
  };
  const vigilFile = (source: string | null): string | null => {
    if (!source || source.includes('node_modules/')) return null;
    const i = source.lastIndexOf('src/');
    return i >= 0 ? source.slice(i) : null;
  };
  const categories: Record<string, number> = {};
  const owners: Record<string, number> = {};
  const functions = new Map<string, { name: string; source: string; category: HotPathCategory; ms: number }>();
  for (const node of profile.nodes) {
    const ms = self.get(node.id) ?? 0;
    if (ms === 0) continue;
    const { functionName, url } = node.callFrame;
    const source = locate(node);
    const category = categorize(functionName, url, source);
    categories[category] = (categories[category] ?? 0) + ms;
    let owner: string | null = null;
    for (let at: ProfileNode | undefined = node; at && !owner; at = byId.get(parent.get(at.id) ?? -1)) owner = vigilFile(locate(at));
    const ownerKey = owner ?? `(no Vigil frame: ${category})`;
    owners[ownerKey] = (owners[ownerKey] ?? 0) + ms;
    const shortSource = shortName(source);
    const key = `${functionName || '(anonymous)'}@${shortSource}`;
    const entry = functions.get(key) ?? { name: functionName || '(anonymous)', source: shortSource, category, ms: 0 };
    entry.ms += ms;
    functions.set(key, entry);
  }
  const topFunctions = [...functions.values()].sort((a, b) => b.ms - a.ms).slice(0, 25);
  return { wallMs: (profile.endTime - profile.startTime) / 1000, categories, owners, topFunctions };
}

/** A readable name for a mapped source: `src/…` for Vigil, the package path for libraries. */
export function shortName(source: string | null): string {
  if (!source) return '';
  if (source.startsWith('builtin:')) return source.slice('builtin:'.length);
  const lib = source.lastIndexOf('node_modules/');
  if (lib >= 0) {
    const path = source.slice(lib + 'node_modules/'.length);
    // drizzle-orm's and onnxruntime-common's own source maps name their files src/… and lib/….
    if (path.startsWith('src/')) return `drizzle-orm/${path}`;
    if (path.startsWith('common/')) return `onnxruntime-${path}`;
    return path;
  }
  const src = source.lastIndexOf('src/');
  return src >= 0 ? source.slice(src) : source;
}

/** Used V8 heap (bytes) after a full collection of every workerd worker the inspector lists, by worker id. */
export async function heapsByWorker(inspectorPort: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  try {
    const list = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json()) as InspectorTarget[];
    for (const target of list) {
      const heap = await isolateHeap(inspectorPort, target.id);
      if (heap) out[target.id] = heap.usedBytes;
    }
  } catch {
    // the inspector is gone: no figures
  }
  return out;
}

export interface HeapReading {
  /** Used V8 heap after a full garbage collection (bytes): what the isolate retains. */
  usedBytes: number;
  /** V8 heap reserved after it (bytes). */
  totalBytes: number;
  /** Used heap before the collection (bytes). */
  usedBeforeBytes: number;
  /** How long the collection (the heap snapshot) took. */
  collectMs: number;
  /** ArrayBuffer backing stores (typed arrays, WebAssembly memories): outside the V8 heap, in the RSS (bytes). */
  backingStorageBytes?: number;
  /** Memory workerd's own C++ objects report to V8 for this isolate (bytes). */
  embedderBytes?: number;
}

/**
 * The V8 heap of one workerd worker after a full garbage collection. workerd does not answer
 * `HeapProfiler.collectGarbage` (bench/chaos/heap.ts found it never replies, and the heap it reports then is
 * the heap as it is); taking a heap snapshot does collect everything unreachable first, so one is taken and
 * discarded (its chunks arrive as events, which the session ignores) and the heap is read after it.
 */
export async function isolateHeap(inspectorPort: number, targetId: string, timeoutMs = 60_000): Promise<HeapReading | null> {
  try {
    const list = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json()) as InspectorTarget[];
    const target = list.find((t) => t.id === targetId);
    if (!target) return null;
    const session = await CdpSession.open(target.webSocketDebuggerUrl);
    try {
      const before = await session.send<{ usedSize: number }>('Runtime.getHeapUsage', {}, timeoutMs);
      await session.send('HeapProfiler.enable', {}, timeoutMs);
      const started = performance.now();
      await session.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false, captureNumericValue: false }, timeoutMs);
      const collectMs = performance.now() - started;
      const after = await session.send<{ usedSize: number; totalSize: number; backingStorageSize?: number; embedderHeapUsedSize?: number }>(
        'Runtime.getHeapUsage',
        {},
        timeoutMs,
      );
      await session.send('HeapProfiler.disable', {}, timeoutMs).catch(() => undefined);
      return {
        usedBytes: after.usedSize,
        totalBytes: after.totalSize,
        usedBeforeBytes: before.usedSize,
        collectMs,
        ...(after.backingStorageSize !== undefined ? { backingStorageBytes: after.backingStorageSize } : {}),
        ...(after.embedderHeapUsedSize !== undefined ? { embedderBytes: after.embedderHeapUsedSize } : {}),
      };
    } finally {
      session.close();
    }
  } catch {
    return null;
  }
}

/** The bundle's source map, or null when it has none. */
export function loadLocator(mapPath: string): SourceLocator | null {
  try {
    return new SourceLocator(JSON.parse(readFileSync(mapPath, 'utf8')) as RawSourceMap);
  } catch {
    return null;
  }
}
