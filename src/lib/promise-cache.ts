/**
 * Per-isolate memo of asynchronous lookups: one load per key for concurrent callers, failures forgotten so the
 * next caller retries, at most `capacity` keys (least recently used dropped first) and, with `ttlMs`, entries
 * older than that loaded again. With `staleOnError`, a key that loaded once keeps answering with its last value
 * while reloading it fails (a storage outage), retrying at most every `retryMs`. The one way Vigil caches "a
 * promise per key" in an isolate, so no such map grows without bound.
 *
 * @example
 * const manifests = new PromiseCache<string, Manifest>({ capacity: 64 });
 * const manifest = await manifests.get('adult-income@2', () => store.manifest('adult-income', '2'));
 */
import { isLost, LOST, untilLost } from './shared-work.ts';

export interface PromiseCacheOptions {
  capacity: number;
  /** Entries older than this are loaded again. Default: no expiry. */
  ttlMs?: number;
  /** Keep answering with the last loaded value while reloading fails. */
  staleOnError?: boolean;
  /** While reloading fails, how long to answer from the stale value before trying again. */
  retryMs?: number;
  /**
   * Answer an expired key from its last value at once and reload it in the background (a slow store never
   * delays a caller that has a value). Implies staleOnError.
   */
  staleWhileReload?: boolean;
  now?: () => number;
}

interface Entry<V> {
  value: Promise<V>;
  /** When the value loaded (or when the last failed reload was given up). */
  at: number;
  /** Whether the first load settled. */
  settled?: boolean;
  /** The last value that loaded, for staleOnError. */
  last?: { value: V };
  /** When the reload in progress started. */
  reloadingSince?: number;
}

export class PromiseCache<K, V> {
  readonly #entries = new Map<K, Entry<V>>();
  readonly #capacity: number;
  readonly #ttlMs: number;
  readonly #staleOnError: boolean;
  readonly #staleWhileReload: boolean;
  readonly #retryMs: number;
  readonly #now: () => number;

  constructor(options: PromiseCacheOptions) {
    this.#capacity = options.capacity;
    this.#ttlMs = options.ttlMs ?? Infinity;
    this.#staleWhileReload = options.staleWhileReload ?? false;
    this.#staleOnError = (options.staleOnError ?? false) || this.#staleWhileReload;
    this.#retryMs = options.retryMs ?? 2000;
    this.#now = options.now ?? Date.now;
  }

  get(key: K, load: () => Promise<V>): Promise<V> {
    const now = this.#now();
    const cached = this.#entries.get(key);
    if (cached) {
      // Most recently used last.
      this.#entries.delete(key);
      this.#entries.set(key, cached);
      // A first load still pending after the give-up time belongs to a request that was torn down (shared-work.ts):
      // without this, the key would wait on it for as long as the isolate lives (with no TTL, forever).
      const lost = !cached.settled && isLost(cached.at, now);
      if (now - cached.at < this.#ttlMs && !lost) {
        return cached.settled ? cached.value : this.#join(key, cached.value, cached.at, now, load);
      }
      // A reload whose request was torn down never settles; after a while another one may start.
      const reloading = cached.reloadingSince !== undefined && !isLost(cached.reloadingSince, now);
      if (this.#staleWhileReload && cached.last) {
        if (!reloading) void this.#reload(cached, load, now).catch(() => undefined);
        return Promise.resolve(cached.last.value);
      }
      if (reloading) return this.#join(key, cached.value, cached.reloadingSince!, now, load);
      if (this.#staleOnError && cached.last) return this.#reload(cached, load, now);
    }
    const entry: Entry<V> = { value: load(), at: now };
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    entry.value.then(
      (value) => {
        entry.settled = true;
        entry.last = { value };
      },
      () => {
        entry.settled = true;
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
      },
    );
    while (this.#entries.size > this.#capacity) this.#entries.delete(this.#entries.keys().next().value as K);
    return entry.value;
  }

  /**
   * A load or reload another caller started, which this one shares until it is taken to be lost; then this caller
   * asks again, and the first to do so starts a new load.
   */
  async #join(key: K, shared: Promise<V>, startedAt: number, now: number, load: () => Promise<V>): Promise<V> {
    const value = await untilLost(shared, startedAt, now);
    return value === LOST ? this.get(key, load) : value;
  }

  /** Reloads an expired key; on failure answers with its last value and retries after `retryMs`. */
  #reload(entry: Entry<V>, load: () => Promise<V>, now: number): Promise<V> {
    const stale = entry.last!.value;
    entry.reloadingSince = now;
    entry.value = load().then(
      (value) => {
        entry.last = { value };
        entry.at = this.#now();
        entry.reloadingSince = undefined;
        return value;
      },
      () => {
        entry.at = now - this.#ttlMs + this.#retryMs;
        entry.reloadingSince = undefined;
        entry.value = Promise.resolve(stale);
        return stale;
      },
    );
    return entry.value;
  }

  /** The cached value's promise without loading or refreshing it. */
  peek(key: K): Promise<V> | undefined {
    return this.#entries.get(key)?.value;
  }

  /** The last value `key` loaded, if any, without loading, refreshing or waiting (safe inside `load`). */
  lastValue(key: K): V | undefined {
    return this.#entries.get(key)?.last?.value;
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }
}
