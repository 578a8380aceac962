/**
 * Runs `count` tasks at a steady rate with bounded concurrency: task i starts no earlier than
 * `i / ratePerSecond` seconds after the first, and at most `concurrency` run at once (so a slow server
 * lowers the rate rather than piling up requests). A rate of 0 means as fast as concurrency allows.
 *
 * @example
 * await runPaced(100, { ratePerSecond: 50, concurrency: 8, now, sleep }, async (i) => send(rows[i]));
 */

export interface PacerOptions {
  ratePerSecond: number;
  concurrency: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Checked before each task starts; true stops starting new ones. */
  stopped?: () => boolean;
}

/** Resolves with the number of tasks started once every started task has finished. */
export async function runPaced(count: number, options: PacerOptions, task: (index: number) => Promise<void>): Promise<number> {
  const { ratePerSecond, now, sleep, stopped = () => false } = options;
  const intervalMs = ratePerSecond > 0 ? 1000 / ratePerSecond : 0;
  const startMs = now();
  let next = 0;
  let started = 0;
  const worker = async () => {
    for (;;) {
      if (next >= count || stopped()) return;
      const index = next++;
      const waitMs = startMs + index * intervalMs - now();
      if (waitMs > 0) await sleep(waitMs);
      if (stopped()) return;
      started++;
      await task(index);
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(options.concurrency, count)) }, worker);
  await Promise.all(workers);
  return started;
}
