import { describe, expect, it, vi } from 'vitest';
import { AfterResponseQueue } from '../../src/serving/after-response.ts';
import type { Background } from '../../src/serving/observer.ts';

function collector() {
  const tasks: Promise<unknown>[] = [];
  const background: Background = (t) => void tasks.push(t);
  return { background, settle: () => Promise.all(tasks), count: () => tasks.length };
}

describe('AfterResponseQueue', () => {
  it('runs queued work only after the current turn, so the response goes first', async () => {
    const queue = new AfterResponseQueue();
    const { background, settle } = collector();
    const ran: string[] = [];
    queue.enqueue(background, [async () => void ran.push('task')]);
    ran.push('response');
    await settle();
    expect(ran).toEqual(['response', 'task']);
  });

  it('drains the work of many requests with one drain, in the waitUntil of the request that started it', async () => {
    const queue = new AfterResponseQueue();
    const first = collector();
    const later = collector();
    const order: number[] = [];
    queue.enqueue(first.background, [async () => void order.push(1)]);
    for (let i = 2; i <= 100; i++) queue.enqueue(later.background, [async () => void order.push(i)]);
    expect(first.count()).toBe(1);
    expect(later.count()).toBe(0);
    await first.settle();
    expect(order).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(queue.pending).toBe(0);
  });

  it("hands the drain's own waitUntil to the tasks, and a failing task does not stop the others", async () => {
    const queue = new AfterResponseQueue();
    const { background, settle } = collector();
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const seen: Background[] = [];
    queue.enqueue(background, [
      async () => {
        throw new Error('boom');
      },
      async (bg) => void seen.push(bg),
    ]);
    await settle();
    expect(seen).toEqual([background]);
    expect(error).toHaveBeenCalledWith(expect.stringContaining('after-response task failed'));
    error.mockRestore();
  });

  it('starts a new drain for work queued after the previous drain finished', async () => {
    const queue = new AfterResponseQueue();
    const a = collector();
    const b = collector();
    const ran: string[] = [];
    queue.enqueue(a.background, [async () => void ran.push('a')]);
    await a.settle();
    queue.enqueue(b.background, [async () => void ran.push('b')]);
    expect(b.count()).toBe(1);
    await b.settle();
    expect(ran).toEqual(['a', 'b']);
  });
});
