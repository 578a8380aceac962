/**
 * Work one request starts and others share (a model's first load, a lookup memoised per isolate) is lost when the
 * request that started it is torn down: Workers cancel a request's I/O when its client goes away or it runs out of
 * time, and the work's promise then never settles. Workers also cut off any request's work 30 s after its response,
 * so shared work that has not settled after LOST_AFTER_MS is taken to be lost. A caller that joins shared work
 * waits for it at most until then (`untilLost`) and then starts the work again, instead of waiting on it for as
 * long as the isolate lives.
 *
 * @example
 * const value = await untilLost(entry.value, entry.startedAt, Date.now());
 * if (value === LOST) return this.get(key, load); // the entry is lost by now: the next get starts a new load
 */
export const LOST_AFTER_MS = 30_000;

/** What untilLost answers when the shared work is taken to be lost. */
export const LOST: unique symbol = Symbol('lost');

/**
 * `shared`'s value (or its rejection), or LOST once LOST_AFTER_MS have passed since `startedAt` (both in the
 * caller's clock, `now` being that clock's time when it joins).
 */
export function untilLost<T>(shared: Promise<T>, startedAt: number, now: number): Promise<T | typeof LOST> {
  let timer!: ReturnType<typeof setTimeout>; // set as the promise is made
  const lost = new Promise<typeof LOST>((resolve) => {
    timer = setTimeout(() => resolve(LOST), Math.max(0, startedAt + LOST_AFTER_MS - now));
  });
  return Promise.race([shared, lost]).finally(() => clearTimeout(timer));
}

/** Whether work started at `startedAt` and still unsettled at `now` is taken to be lost. */
export function isLost(startedAt: number, now: number): boolean {
  return now - startedAt >= LOST_AFTER_MS;
}
