/**
 * ONNX Runtime Web in workerd for the "limit" Worker: the technique of src/inference/ort-runtime.ts, copied
 * so the benchmark does not depend on (or change) the service's code. workerd cannot compile WebAssembly
 * from bytes, so the precompiled module (wrangler's CompiledWasm rule) is swapped in for a marker buffer
 * while ORT initializes. Single thread; runs are serialized like the service's.
 */
import * as ort from 'onnxruntime-web/wasm';
import ortWasmModule from '../../node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm';

const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };

let backendReady = false;

export async function createSession(bytes: Uint8Array): Promise<ort.InferenceSession> {
  if (backendReady) return ort.InferenceSession.create(bytes, SESSION_OPTIONS);
  const marker = new ArrayBuffer(8);
  const instantiate = WebAssembly.instantiate;
  const swapped = (source: unknown, imports?: WebAssembly.Imports): Promise<unknown> => {
    if (source === marker || (source as ArrayBufferView | undefined)?.buffer === marker) {
      return instantiate(ortWasmModule, imports).then((instance) => ({ instance, module: ortWasmModule }));
    }
    return (instantiate as (s: unknown, i?: WebAssembly.Imports) => Promise<unknown>).call(WebAssembly, source, imports);
  };
  WebAssembly.instantiate = swapped as typeof WebAssembly.instantiate;
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmBinary = marker;
  ort.env.logLevel = 'error';
  try {
    const session = await ort.InferenceSession.create(bytes, SESSION_OPTIONS);
    backendReady = true;
    return session;
  } finally {
    WebAssembly.instantiate = instantiate;
  }
}

let tail: Promise<unknown> = Promise.resolve();

/** Runs `task` after every earlier ORT call of this isolate (ORT keeps call state on the WASM stack). */
export function serialized<T>(task: () => Promise<T>): Promise<T> {
  const result = tail.then(task, task);
  tail = result.catch(() => undefined);
  return result;
}

/** Runs a float32 [rows, width] matrix through `session` and returns the named output's values. */
export async function runFloat(session: ort.InferenceSession, inputName: string, data: Float32Array, rows: number, width: number, outputName: string): Promise<Float32Array> {
  return serialized(async () => {
    const results = await session.run({ [inputName]: new ort.Tensor('float32', data, [rows, width]) }, [outputName]);
    const output = results[outputName];
    if (!output) throw new Error(`no output "${outputName}"`);
    const values = output.data;
    output.dispose();
    if (values instanceof Float32Array) return values;
    if (values instanceof Float64Array) return Float32Array.from(values);
    throw new Error(`output "${outputName}" is ${output.type}, expected float`);
  });
}
