/**
 * Failed dashboard sign-ins per client address: after `maxFailures` within `windowMs` the address waits until
 * the window has passed. Kept per isolate (bounded to `capacity` addresses, oldest forgotten first); the 16-character
 * minimum of ADMIN_TOKEN is what makes guessing hopeless, this only makes it slow and visible.
 *
 * @example
 * if (throttle.retryAfterSeconds(ip, Date.now()) > 0) return tooManyAttempts();
 */
export interface LoginThrottleOptions {
  maxFailures: number;
  windowMs: number;
  capacity: number;
}

export class LoginThrottle {
  readonly #options: LoginThrottleOptions;
  /** Address → failures in the current window and when the window started. */
  readonly #failures = new Map<string, { count: number; since: number }>();

  constructor(options: LoginThrottleOptions) {
    this.#options = options;
  }

  /** Seconds the address must wait before trying again (0: it may try now). */
  retryAfterSeconds(address: string, nowMs: number): number {
    const entry = this.#failures.get(address);
    if (!entry) return 0;
    const endsAt = entry.since + this.#options.windowMs;
    if (nowMs >= endsAt) {
      this.#failures.delete(address);
      return 0;
    }
    return entry.count >= this.#options.maxFailures ? Math.ceil((endsAt - nowMs) / 1000) : 0;
  }

  failed(address: string, nowMs: number): void {
    const entry = this.#failures.get(address);
    this.#failures.delete(address);
    if (entry && nowMs < entry.since + this.#options.windowMs) this.#failures.set(address, { count: entry.count + 1, since: entry.since });
    else this.#failures.set(address, { count: 1, since: nowMs });
    while (this.#failures.size > this.#options.capacity) this.#failures.delete(this.#failures.keys().next().value as string);
  }

  succeeded(address: string): void {
    this.#failures.delete(address);
  }

  get size(): number {
    return this.#failures.size;
  }
}
