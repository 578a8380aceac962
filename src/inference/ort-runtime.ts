/**
 * ONNX Runtime Web inside workerd. workerd forbids compiling WebAssembly from bytes, so the plain (non-JSEP)
 * WASM build is imported as a precompiled `WebAssembly.Module` (wrangler's CompiledWasm rule) and ORT's
 * emscripten loader is made to instantiate that module instead of the bytes it would fetch: ORT is given a
 * marker buffer as `wasmBinary`, and while it initializes, `WebAssembly.instantiate` swaps the marker for the
 * precompiled module. Single thread (workerd has no SharedArrayBuffer workers).
 *
 * Runs are serialized per isolate: they are synchronous WASM work anyway, and ORT's wrapper keeps call state on
 * the shared WASM stack across awaits, which interleaved runs could corrupt.
 */
import * as ort from 'onnxruntime-web/wasm';
import ortWasmModule from '../../node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm';
import type { ModelRuntime, ModelSession, TensorSignature } from './model-runtime.ts';

const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };

let backendReady = false;

/** Creates a session; the first call also initializes ORT's WASM backend from the precompiled module. */
async function createOrtSession(bytes: Uint8Array): Promise<ort.InferenceSession> {
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

let busy = false;
const waiting: (() => void)[] = [];

/** Runs `task` after every earlier ORT call of this isolate has finished (a FIFO mutex; no wait when idle). */
async function serialized<T>(task: () => Promise<T>): Promise<T> {
  if (busy) await new Promise<void>((resolve) => waiting.push(resolve));
  busy = true;
  try {
    return await task();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else busy = false;
  }
}

function signatures(metadata: readonly ort.InferenceSession.ValueMetadata[] | undefined, names: readonly string[]): TensorSignature[] {
  return names.map((name, i) => {
    const m = metadata?.[i];
    if (m && m.isTensor) return { name, type: m.type, dims: m.shape };
    return { name };
  });
}

class OrtSession implements ModelSession {
  readonly inputs: readonly TensorSignature[];
  readonly outputs: readonly TensorSignature[];
  readonly #session: ort.InferenceSession;

  constructor(session: ort.InferenceSession) {
    this.#session = session;
    this.inputs = signatures(session.inputMetadata, session.inputNames);
    this.outputs = signatures(session.outputMetadata, session.outputNames);
  }

  run(inputName: string, data: Float32Array, rows: number, width: number, outputName: string): Promise<Float32Array> {
    return serialized(async () => {
      const feeds = { [inputName]: new ort.Tensor('float32', data, [rows, width]) };
      const results = await this.#session.run(feeds, [outputName]);
      const output = results[outputName];
      if (!output) throw new Error(`the model produced no output "${outputName}"`);
      const values = output.data;
      output.dispose();
      if (values instanceof Float32Array) return values;
      if (values instanceof Float64Array) return Float32Array.from(values);
      throw new Error(`output "${outputName}" is ${output.type}, expected a float tensor`);
    });
  }

  release(): Promise<void> {
    return serialized(() => this.#session.release());
  }
}

export class OrtRuntime implements ModelRuntime {
  async createSession(bytes: Uint8Array): Promise<ModelSession> {
    return new OrtSession(await serialized(() => createOrtSession(bytes)));
  }
}
