/**
 * Sessions cached per isolate by artifact sha256: a model version loads once per isolate, and two versions
 * with identical bytes share a session. Least recently used sessions beyond `capacity` are released.
 */
import type { ModelRuntime, ModelSession } from './model-runtime.ts';

export class SessionCache {
  readonly #runtime: ModelRuntime;
  readonly #capacity: number;
  readonly #sessions = new Map<string, Promise<ModelSession>>();

  constructor(runtime: ModelRuntime, capacity = 16) {
    this.#runtime = runtime;
    this.#capacity = capacity;
  }

  /** The session for `sha256`, created from `loadBytes()` (which must verify the bytes) on first use. */
  get(sha256: string, loadBytes: () => Promise<Uint8Array>): Promise<ModelSession> {
    const existing = this.#sessions.get(sha256);
    if (existing) {
      this.#sessions.delete(sha256);
      this.#sessions.set(sha256, existing);
      return existing;
    }
    const created = loadBytes().then((bytes) => this.#runtime.createSession(bytes));
    this.#sessions.set(sha256, created);
    // A failed load is not cached: the next request tries again.
    created.catch(() => {
      if (this.#sessions.get(sha256) === created) this.#sessions.delete(sha256);
    });
    this.#evict();
    return created;
  }

  get size(): number {
    return this.#sessions.size;
  }

  #evict(): void {
    while (this.#sessions.size > this.#capacity) {
      const [oldest, session] = this.#sessions.entries().next().value as [string, Promise<ModelSession>];
      this.#sessions.delete(oldest);
      session.then((s) => s.release()).catch(() => undefined);
    }
  }
}
