/**
 * ONNX Runtime Web inside workerd. workerd forbids compiling WebAssembly from bytes, so the plain (non-JSEP)
 * WASM build is imported as a precompiled `WebAssembly.Module` (wrangler's CompiledWasm rule) and ORT's
 * emscripten loader is made to instantiate that module instead of the bytes it would fetch: ORT is given a
 * marker buffer as `wasmBinary`, and while it initializes, `WebAssembly.instantiate` swaps the marker for the
 * precompiled module. Single thread (workerd has no SharedArrayBuffer workers). Sessions are `OrtSession`s.
 */
import * as ort from 'onnxruntime-web/wasm';
import ortWasmModule from '../../node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm';
import type { ModelRuntime, ModelSession } from './model-runtime.ts';
import { OrtSession, serialized, type OrtTensorConstructor } from './ort-session.ts';

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

export class OrtRuntime implements ModelRuntime {
  async createSession(bytes: Uint8Array): Promise<ModelSession> {
    return new OrtSession(await serialized(() => createOrtSession(bytes)), ort.Tensor as unknown as OrtTensorConstructor);
  }
}
