/**
 * The V8 heap of a workerd isolate after a full garbage collection, read over workerd's inspector. workerd never
 * answers `HeapProfiler.collectGarbage` (measured: no reply within 5 s, and `Runtime.getHeapUsage` unchanged, so
 * bench/lib/profile.ts `isolateHeap` reports the heap as it is, not after a collection); taking a heap snapshot
 * does collect everything unreachable first, so the heap is read after one (the snapshot itself is discarded).
 */

export interface HeapReading {
  /** Used V8 heap after the collection (bytes). */
  usedBytes: number;
  totalBytes: number;
  /** Used heap before the collection (bytes). */
  usedBeforeBytes: number;
  /** Size of the snapshot streamed and discarded (characters), and how long it took. */
  snapshotChars: number;
  snapshotMs: number;
}

interface Target {
  id: string;
  webSocketDebuggerUrl: string;
}

interface Message {
  id?: number;
  method?: string;
  params?: { chunk?: string };
  result?: unknown;
  error?: { message: string };
}

/** Opens a session on `targetId`, takes (and drops) a heap snapshot, reads the heap usage, closes the session. */
export async function heapAfterCollection(inspectorPort: number, targetId: string, timeoutMs = 60_000): Promise<HeapReading> {
  const list = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json()) as Target[];
  const target = list.find((t) => t.id === targetId);
  if (!target) throw new Error(`the inspector has no worker "${targetId}" (it has ${list.map((t) => t.id).join(', ')})`);
  const socket = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new Error(`cannot connect to the inspector at ${target.webSocketDebuggerUrl}`)), {
      once: true,
    });
  });
  let nextId = 1;
  let snapshotChars = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as Message;
    if (message.method === 'HeapProfiler.addHeapSnapshotChunk') {
      snapshotChars += message.params?.chunk?.length ?? 0;
      return;
    }
    const waiter = message.id === undefined ? undefined : pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id!);
    if (message.error) waiter.reject(new Error(message.error.message));
    else waiter.resolve(message.result);
  });
  const send = <T>(method: string, params: Record<string, unknown> = {}): Promise<T> => {
    const id = nextId++;
    let timer: NodeJS.Timeout | undefined;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      timer = setTimeout(() => reject(new Error(`inspector ${method} did not answer within ${timeoutMs} ms`)), timeoutMs);
      socket.send(JSON.stringify({ id, method, params }));
    }).finally(() => clearTimeout(timer));
  };
  try {
    const before = await send<{ usedSize: number }>('Runtime.getHeapUsage');
    await send('HeapProfiler.enable');
    const started = performance.now();
    await send('HeapProfiler.takeHeapSnapshot', { reportProgress: false, captureNumericValue: false });
    const snapshotMs = performance.now() - started;
    const after = await send<{ usedSize: number; totalSize: number }>('Runtime.getHeapUsage');
    await send('HeapProfiler.disable').catch(() => undefined);
    return { usedBytes: after.usedSize, totalBytes: after.totalSize, usedBeforeBytes: before.usedSize, snapshotChars, snapshotMs };
  } finally {
    socket.close();
  }
}
