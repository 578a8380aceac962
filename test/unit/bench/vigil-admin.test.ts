import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { VigilAdmin } from '../../../bench/lib/vigil-server.ts';

let server: Server | undefined;

afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A server answering deployment changes with `statuses` in turn (then the last one); counts the calls. */
async function answering(statuses: number[]): Promise<{ base: URL; calls: () => number }> {
  let calls = 0;
  server = createServer((req, res) => {
    req.resume();
    const status = statuses[Math.min(calls++, statuses.length - 1)]!;
    res.writeHead(status, { 'content-type': 'application/json' }).end(status === 503 ? '{"error":{"code":"service_unavailable"}}' : '{}');
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { base: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`), calls: () => calls };
}

describe("the bench's deployment changes", () => {
  it('are tried again while Vigil answers 503 (storage busy), and succeed when it recovers', async () => {
    const { base, calls } = await answering([503, 503, 200]);
    await new VigilAdmin(base, 'token', { attempts: 5, delayMs: 1 }).deployment('m', { action: 'sampling', sample_rate: 0 });
    expect(calls()).toBe(3);
  });

  it('fail with the last answer once the attempts run out, and are not tried again on other errors', async () => {
    const busy = await answering([503]);
    await expect(new VigilAdmin(busy.base, 'token', { attempts: 3, delayMs: 1 }).deployment('m', { action: 'x' })).rejects.toThrow(
      /answered 503/,
    );
    expect(busy.calls()).toBe(3);
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    const refused = await answering([400]);
    await expect(new VigilAdmin(refused.base, 'token', { attempts: 3, delayMs: 1 }).deployment('m', { action: 'x' })).rejects.toThrow(
      /answered 400/,
    );
    expect(refused.calls()).toBe(1);
  });
});
