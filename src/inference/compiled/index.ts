/**
 * The compiled evaluator: ONNX graphs of tabular models evaluated directly in JavaScript with ONNX Runtime's
 * float32 semantics, for models small enough that ONNX Runtime Web's per-call cost dominates.
 *
 * @example
 * const compiled = compileOnnx(bytes);
 * const session = compiled.ok ? compiled.session : await new OrtRuntime().createSession(bytes);
 */
export { compileOnnx, type CompileOnnxResult } from './compile-onnx.ts';
export { CompiledRuntime } from './compiled-runtime.ts';
export { CompiledSession } from './compiled-session.ts';
