/**
 * Per-isolate memo of asynchronous lookups: one load per key for concurrent callers, failures forgotten so the
 * next caller retries, at most `capacity` keys (least recently used dropped first) and, with `ttlMs`, entries
 * older than that loaded again. The one way Vigil caches "a promise per key" in an isolate, so no such map
 * grows without bound.
 *
 * @example
 * const manifests = new PromiseCache<string, Manifest>({ capacity: 64 });
 * const manifest = await manifests.get('adult-income@2', () => store.manifest('adult-income', '2'));
 */
export interface PromiseCacheOptions {
  capacity: number;
  /** Entries older than this are loaded again (a failure is never kept). Default: no expiry. */
  ttlMs?: number;
  now?: () => number;
}

interface Entry<V> {
  value: Promise<V>;
  at: number;
}

export class PromiseCache<K, V> {
  readonly #entries = new Map<K, Entry<V>>();
  readonly #capacity: number;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(options: PromiseCacheOptions) {
    this.#capacity = options.capacity;
    this.#ttlMs = options.ttlMs ?? Infinity;
    this.#now = options.now ?? Date.now;
  }

  get(key: K, load: () => Promise<V>): Promise<V> {
    const now = this.#now();
    const cached = this.#entries.get(key);
    this.#entries.delete(key);
    if (cached && now - cached.at < this.#ttlMs) {
      this.#entries.set(key, cached);
      return cached.value;
    }
    const entry: Entry<V> = { value: load(), at: now };
    this.#entries.set(key, entry);
    entry.value.catch(() => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    while (this.#entries.size > this.#capacity) this.#entries.delete(this.#entries.keys().next().value as K);
    return entry.value;
  }

  /** The cached value's promise without loading or refreshing it. */
  peek(key: K): Promise<V> | undefined {
    return this.#entries.get(key)?.value;
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }
}
