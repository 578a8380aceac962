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
import type { Engine, ModelRuntime, ModelSession } from './model-runtime.ts';

interface Entry {
  session: Promise<ModelSession>;
  /** Runs using the session right now. */
  active: number;
  lastUsed: number;
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
  get(sha256: string, loadBytes: () => Promise<Uint8Array>, engine: Engine = 'onnxruntime'): Promise<ModelSession> {
    const entry = this.#entry(engine, sha256, loadBytes);
    entry.lastUsed = ++this.#clock;
    this.#evict();
    return entry.session;
  }

  /** Runs `task` on the session for `sha256`; the session stays loaded at least until `task` settles. */
  async use<T>(
    sha256: string,
    loadBytes: () => Promise<Uint8Array>,
    task: (session: ModelSession) => Promise<T>,
    engine: Engine = 'onnxruntime',
  ): Promise<T> {
    const entry = this.#entry(engine, sha256, loadBytes);
    entry.active++;
    entry.lastUsed = ++this.#clock;
    try {
      return await task(await entry.session);
    } finally {
      entry.active--;
      entry.lastUsed = ++this.#clock;
      this.#evict();
    }
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

  #entry(engine: Engine, sha256: string, loadBytes: () => Promise<Uint8Array>): Entry {
    const key = `${engine}:${sha256}`;
    let entry = this.#entries.get(key);
    if (entry) return entry;
    const session = loadBytes().then((bytes) => this.#create(engine, bytes, sha256));
    const created: Entry = { session, active: 0, lastUsed: this.#clock };
    entry = created;
    this.#entries.set(key, created);
    // A failed load is not cached: the next request tries again.
    session.catch(() => {
      if (this.#entries.get(key) === created) this.#entries.delete(key);
    });
    return created;
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
