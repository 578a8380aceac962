/**
 * Work that runs after responses (shadows, telemetry), queued per isolate and drained by one timer at a time
 * instead of one timer and one waitUntil per request: under load a single drain, running in the waitUntil of
 * the request that started it, serves the requests that arrive meanwhile. A drain yields to the event loop
 * between batches so it never holds up requests, and hands over after `MAX_DRAIN_MS` (waitUntil work is cut
 * off 30 s after its response); the next request starts a new one.
 */
import type { Background } from './observer.ts';

export type AfterResponseTask = (background: Background) => Promise<void>;

const MAX_DRAIN_MS = 20_000;
/** Tasks run between two yields to the event loop. */
const TASKS_PER_TURN = 64;

const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export class AfterResponseQueue {
  #tasks: AfterResponseTask[] = [];
  #drainStartedAt = 0;

  /** Queues tasks to run after the response; `background` is the request's waitUntil. */
  enqueue(background: Background, tasks: readonly AfterResponseTask[]): void {
    for (const t of tasks) this.#tasks.push(t);
    const now = Date.now();
    if (this.#drainStartedAt !== 0 && now - this.#drainStartedAt < MAX_DRAIN_MS + 5_000) return;
    this.#drainStartedAt = now;
    background(this.#drain(background, now));
  }

  get pending(): number {
    return this.#tasks.length;
  }

  async #drain(background: Background, startedAt: number): Promise<void> {
    try {
      while (this.#tasks.length > 0 && Date.now() - startedAt < MAX_DRAIN_MS) {
        // Always yield first: the response that queued the work is sent before the work starts.
        await nextTurn();
        const batch = this.#tasks.splice(0, TASKS_PER_TURN);
        for (const task of batch) {
          try {
            await task(background);
          } catch (error) {
            console.error(
              JSON.stringify({
                level: 'error',
                message: 'after-response task failed',
                error: String(error),
                stack: error instanceof Error ? error.stack : undefined,
              }),
            );
          }
        }
      }
    } finally {
      if (this.#drainStartedAt === startedAt) this.#drainStartedAt = 0;
    }
  }
}
