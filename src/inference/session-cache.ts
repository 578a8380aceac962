/**
 * Sessions cached per isolate by artifact sha256: a model version loads once per isolate, and two versions
 * with identical bytes share a session. Beyond `capacity`, the least recently *used* idle sessions are
 * released; a session some run is using is never released, and a released one is loaded again the next time
 * it is needed, so a caller can never run on a released session.
 *
 * @example
 * const prediction = await sessions.use(sha256, loadBytes, (session) => predictRows(session, model, rows));
 */
import type { ModelRuntime, ModelSession } from './model-runtime.ts';

interface Entry {
  session: Promise<ModelSession>;
  /** Runs using the session right now. */
  active: number;
  lastUsed: number;
}

export class SessionCache {
  readonly #runtime: ModelRuntime;
  readonly #capacity: number;
  readonly #entries = new Map<string, Entry>();
  #clock = 0;
  /** Sessions released to keep within capacity (for health and tests). */
  released = 0;

  constructor(runtime: ModelRuntime, capacity = 16) {
    this.#runtime = runtime;
    this.#capacity = capacity;
  }

  /** The session for `sha256`, created from `loadBytes()` (which must verify the bytes) on first use. */
  get(sha256: string, loadBytes: () => Promise<Uint8Array>): Promise<ModelSession> {
    const entry = this.#entry(sha256, loadBytes);
    entry.lastUsed = ++this.#clock;
    this.#evict();
    return entry.session;
  }

  /** Runs `task` on the session for `sha256`; the session stays loaded at least until `task` settles. */
  async use<T>(sha256: string, loadBytes: () => Promise<Uint8Array>, task: (session: ModelSession) => Promise<T>): Promise<T> {
    const entry = this.#entry(sha256, loadBytes);
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

  #entry(sha256: string, loadBytes: () => Promise<Uint8Array>): Entry {
    let entry = this.#entries.get(sha256);
    if (entry) return entry;
    const session = loadBytes().then((bytes) => this.#runtime.createSession(bytes));
    const created: Entry = { session, active: 0, lastUsed: this.#clock };
    entry = created;
    this.#entries.set(sha256, created);
    // A failed load is not cached: the next request tries again.
    session.catch(() => {
      if (this.#entries.get(sha256) === created) this.#entries.delete(sha256);
    });
    return created;
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
