/**
 * Sessions cached per isolate by engine and artifact sha256: a model version loads once per isolate, and two
 * versions with identical bytes share a session. Beyond `capacity`, the least recently *used* idle sessions are
 * released; a session some run is using is never released, and a released one is loaded again the next time
 * it is needed, so a caller can never run on a released session. Sessions come from ONNX Runtime unless the
 * version's engine is the compiled evaluator (and one is given).
 *
 * @example
 * const prediction = await sessions.use(sha256, loadBytes, (session) => predictRows(session, model, rows));
 */
import { isLost, LOST, untilLost } from '../lib/shared-work.ts';
import type { Engine, ModelRuntime, ModelSession } from './model-runtime.ts';

interface Entry {
  session: Promise<ModelSession>;
  /** Runs using the session right now. */
  active: number;
  lastUsed: number;
  /** When its load started (Date.now), and whether it settled: a load that never does is replaced (shared-work.ts). */
  startedAt: number;
  settled: boolean;
  /** Replaced while its load was pending: the session, should it ever come, is released after its last run. */
  replaced?: boolean;
  released?: boolean;
}

export class SessionCache {
  readonly #runtimes: Record<Engine, ModelRuntime>;
  readonly #capacity: number;
  readonly #entries = new Map<string, Entry>();
  #clock = 0;
  /** Sessions released to keep within capacity (for health and tests). */
  released = 0;

  constructor(runtime: ModelRuntime, capacity = 16, compiled?: ModelRuntime) {
    this.#runtimes = { onnxruntime: runtime, compiled: compiled ?? runtime };
    this.#capacity = capacity;
  }

  /** Whether versions on the compiled engine get compiled sessions (else they run on ONNX Runtime). */
  get compiles(): boolean {
    return this.#runtimes.compiled !== this.#runtimes.onnxruntime;
  }

  /** The session for `sha256`, created from `loadBytes()` (which must verify the bytes) on first use. */
  async get(sha256: string, loadBytes: () => Promise<Uint8Array>, engine: Engine = 'onnxruntime'): Promise<ModelSession> {
    for (;;) {
      const { entry, started } = this.#entry(engine, sha256, loadBytes);
      entry.lastUsed = ++this.#clock;
      this.#evict();
      const session = await this.#loaded(entry, started);
      if (session !== LOST) return session;
    }
  }

  /** Runs `task` on the session for `sha256`; the session stays loaded at least until `task` settles. */
  async use<T>(
    sha256: string,
    loadBytes: () => Promise<Uint8Array>,
    task: (session: ModelSession) => Promise<T>,
    engine: Engine = 'onnxruntime',
  ): Promise<T> {
    for (;;) {
      const { entry, started } = this.#entry(engine, sha256, loadBytes);
      entry.active++;
      entry.lastUsed = ++this.#clock;
      try {
        const session = await this.#loaded(entry, started);
        if (session !== LOST) return await task(session);
      } finally {
        entry.active--;
        entry.lastUsed = ++this.#clock;
        if (entry.replaced && entry.active === 0) releaseWhenLoaded(entry);
        this.#evict();
      }
    }
  }

  /**
   * The entry's session; LOST when it is a load another request started (not this caller: `started`) that is taken
   * to be lost by now.
   */
  #loaded(entry: Entry, started: boolean): Promise<ModelSession | typeof LOST> {
    return entry.settled || started ? entry.session : untilLost(entry.session, entry.startedAt, Date.now());
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Sessions held for versions on `engine`. */
  sizeOf(engine: Engine): number {
    let n = 0;
    for (const key of this.#entries.keys()) if (key.startsWith(`${engine}:`)) n++;
    return n;
  }

  /** The entry for the session, and whether this call started its load. */
  #entry(engine: Engine, sha256: string, loadBytes: () => Promise<Uint8Array>): { entry: Entry; started: boolean } {
    const key = `${engine}:${sha256}`;
    const entry = this.#entries.get(key);
    if (entry?.settled) return { entry, started: false };
    const now = Date.now();
    if (entry && !isLost(entry.startedAt, now)) return { entry, started: false };
    if (entry) {
      // Its load is taken to be lost with the request that started it: a new one starts. Should the old one settle
      // after all, its session is released once no run is on it.
      entry.replaced = true;
      releaseWhenLoaded(entry);
    }
    const session = loadBytes().then((bytes) => this.#create(engine, bytes, sha256));
    const created: Entry = { session, active: 0, lastUsed: this.#clock, startedAt: now, settled: false };
    this.#entries.set(key, created);
    session.then(
      () => {
        created.settled = true;
      },
      () => {
        // A failed load is not cached: the next request tries again.
        if (this.#entries.get(key) === created) this.#entries.delete(key);
      },
    );
    return { entry: created, started: true };
  }

  /**
   * A compiled session, or ONNX Runtime's when the compiled evaluator refuses a graph QA proved it could run (a
   * newer build may support less): the version keeps serving, on the reference engine.
   */
  async #create(engine: Engine, bytes: Uint8Array, sha256: string): Promise<ModelSession> {
    if (engine === 'onnxruntime' || !this.compiles) return this.#runtimes[engine].createSession(bytes, sha256);
    try {
      return await this.#runtimes.compiled.createSession(bytes, sha256);
    } catch (error) {
      console.error(
        JSON.stringify({
          level: 'warn',
          message: 'the compiled evaluator refused a version proven to run on it: serving it on ONNX Runtime',
          error: String(error),
        }),
      );
      return this.#runtimes.onnxruntime.createSession(bytes);
    }
  }

  #evict(): void {
    while (this.#entries.size > this.#capacity) {
      let oldest: [string, Entry] | undefined;
      for (const item of this.#entries) {
        if (item[1].active === 0 && (!oldest || item[1].lastUsed < oldest[1].lastUsed)) oldest = item;
      }
      // Every session is in use: exceed the capacity rather than pull one from under a run.
      if (!oldest) return;
      this.#entries.delete(oldest[0]);
      this.released++;
      oldest[1].session.then((s) => s.release()).catch(() => undefined);
    }
  }
}

/** Releases a replaced entry's session once it loads, unless a run is on it (that run's end releases it). */
function releaseWhenLoaded(entry: Entry): void {
  entry.session
    .then((session) => {
      if (entry.active > 0 || entry.released) return;
      entry.released = true;
      return session.release();
    })
    .catch(() => undefined);
}
