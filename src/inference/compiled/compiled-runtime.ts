/**
 * A `ModelRuntime` that evaluates supported ONNX graphs in JavaScript (see compile-onnx.ts) instead of ONNX
 * Runtime's WASM; it throws with the reason when a graph is not supported.
 *
 * @example
 * const runtime = new CompiledRuntime();
 * const session = await runtime.createSession(bytes); // throws: node "loop" (Loop) is not supported
 */
import type { ModelRuntime, ModelSession } from '../model-runtime.ts';
import { compileOnnx } from './compile-onnx.ts';

export class CompiledRuntime implements ModelRuntime {
  createSession(bytes: Uint8Array): Promise<ModelSession> {
    const compiled = compileOnnx(bytes);
    if (!compiled.ok) return Promise.reject(new Error(`the compiled evaluator cannot run this model: ${compiled.reason}`));
    return Promise.resolve(compiled.session);
  }
}
