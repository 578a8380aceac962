/**
 * Bindings that fail on demand, for the reliability tests and `npm run chaos`: each wraps the real binding and
 * asks `fault()` before every call whether to pass it through, throw as the real service would, or stall first.
 *
 * @example
 * let fault: Fault = 'ok';
 * const env = { ...realEnv, DB: faultyD1(realEnv.DB, () => fault) };
 * fault = 'error'; // every D1 call now throws "D1_ERROR: …"
 */
import type { ModelRuntime, ModelSession } from '../../src/inference/model-runtime.ts';

export type Fault = 'ok' | 'error' | { stallMs: number; then?: 'ok' | 'error' };

export type FaultSource = () => Fault;

/** Counts of calls that passed and that were made to fail, per binding. */
export interface FaultCounters {
  passed: number;
  failed: number;
  stalled: number;
}

function counters(): FaultCounters {
  return { passed: 0, failed: 0, stalled: 0 };
}

async function apply(fault: Fault, message: string, count: FaultCounters): Promise<void> {
  if (fault === 'ok') {
    count.passed++;
    return;
  }
  if (fault === 'error') {
    count.failed++;
    throw new Error(message);
  }
  count.stalled++;
  await new Promise((resolve) => setTimeout(resolve, fault.stallMs));
  if (fault.then === 'error') {
    count.failed++;
    throw new Error(message);
  }
}

const D1_ERROR = 'D1_ERROR: injected fault: the database is unavailable';

/** A D1 database whose statements and batches fail when `fault()` says so. */
export function faultyD1(real: D1Database, fault: FaultSource, count: FaultCounters = counters()): D1Database & { faults: FaultCounters } {
  const realOf = new WeakMap<object, D1PreparedStatement>();
  const wrapStatement = (statement: D1PreparedStatement): D1PreparedStatement => {
    const proxy = new Proxy(statement, {
      get(target, property) {
        const value = Reflect.get(target, property, target) as unknown;
        if (typeof value !== 'function') return value;
        if (property === 'bind') return (...args: unknown[]) => wrapStatement(target.bind(...args));
        return async (...args: unknown[]) => {
          await apply(fault(), D1_ERROR, count);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    realOf.set(proxy, statement);
    return proxy;
  };
  const database = new Proxy(real, {
    get(target, property) {
      if (property === 'faults') return count;
      if (property === 'prepare') return (sql: string) => wrapStatement(target.prepare(sql));
      if (property === 'batch') {
        return async (statements: D1PreparedStatement[]) => {
          await apply(fault(), D1_ERROR, count);
          return target.batch(statements.map((s) => realOf.get(s) ?? s));
        };
      }
      if (property === 'exec') {
        return async (sql: string) => {
          await apply(fault(), D1_ERROR, count);
          return target.exec(sql);
        };
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return database as D1Database & { faults: FaultCounters };
}

/** A queue whose send and sendBatch fail when `fault()` says so. */
export function faultyQueue<T>(
  real: Queue<T>,
  fault: FaultSource,
  count: FaultCounters = counters(),
): Queue<T> & { faults: FaultCounters } {
  return new Proxy(real, {
    get(target, property) {
      if (property === 'faults') return count;
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        await apply(fault(), 'Queue send failed: injected fault', count);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as Queue<T> & { faults: FaultCounters };
}

/** An R2 bucket whose every call fails when `fault()` says so. */
export function faultyR2(real: R2Bucket, fault: FaultSource, count: FaultCounters = counters()): R2Bucket & { faults: FaultCounters } {
  return new Proxy(real, {
    get(target, property) {
      if (property === 'faults') return count;
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        await apply(fault(), 'R2 error: injected fault (internal error)', count);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as R2Bucket & { faults: FaultCounters };
}

/**
 * A model runtime whose sessions throw on `run` for the artifacts `failing(bytes)` picks, while `fault()` says
 * 'error' (as ONNX Runtime does when a kernel fails); others run normally.
 */
export function faultyRuntime(
  real: ModelRuntime,
  failing: (bytes: Uint8Array) => boolean,
  fault: FaultSource,
  count: FaultCounters = counters(),
): ModelRuntime & { faults: FaultCounters } {
  return {
    faults: count,
    async createSession(bytes: Uint8Array): Promise<ModelSession> {
      const session = await real.createSession(bytes);
      if (!failing(bytes)) return session;
      return {
        inputs: session.inputs,
        outputs: session.outputs,
        async run(feeds, outputNames) {
          await apply(fault(), 'ORT run failed: injected fault (kernel error)', count);
          return session.run(feeds, outputNames);
        },
        release: () => session.release(),
      };
    },
  };
}
