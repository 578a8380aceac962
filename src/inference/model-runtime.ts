/**
 * The one interface the service runs models through. `OrtRuntime` runs ONNX with onnxruntime-web inside
 * workerd; `FakeRuntime` is a tiny stand-in for tests that must not depend on ONNX.
 */

export interface TensorSignature {
  name: string;
  /** Element type as ONNX Runtime names it (`float32`, `int64`, …), or undefined when unknown. */
  type?: string;
  /** Dimensions, with a string (symbolic) or -1 for a variable dimension. */
  dims?: readonly (number | string)[];
}

export interface ModelSession {
  readonly inputs: readonly TensorSignature[];
  readonly outputs: readonly TensorSignature[];
  /**
   * Runs the model on a row-major float32 matrix `[rows, width]` fed to `inputName` and returns the
   * flattened float values of `outputName`.
   */
  run(inputName: string, data: Float32Array, rows: number, width: number, outputName: string): Promise<Float32Array>;
  release(): Promise<void>;
}

export interface ModelRuntime {
  /** Creates a session from ONNX bytes; throws when the model cannot be loaded (message says why). */
  createSession(bytes: Uint8Array): Promise<ModelSession>;
}
