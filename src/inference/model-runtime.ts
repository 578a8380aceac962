/**
 * The one interface the service runs models through. `OrtRuntime` runs ONNX with onnxruntime-web inside
 * workerd; `FakeRuntime` is a tiny stand-in for tests that must not depend on ONNX.
 */
import type { OutputTensor, Tensor } from '../model/tensor.ts';

/** What runs a version: ONNX Runtime Web (the reference), or the compiled evaluator once it proved parity. */
export type Engine = 'onnxruntime' | 'compiled';

export interface TensorSignature {
  name: string;
  /** Element type as ONNX Runtime names it (`float32`, `int64`, `string`, …); undefined for non-tensors (a ZipMap's sequence of maps). */
  type?: string;
  /** Dimensions, with a string (symbolic) or -1 for a variable dimension. */
  dims?: readonly (number | string)[];
}

export interface ModelSession {
  readonly inputs: readonly TensorSignature[];
  readonly outputs: readonly TensorSignature[];
  /** Runs the model on one tensor per input and returns the named outputs. */
  run(feeds: Readonly<Record<string, Tensor>>, outputNames: readonly string[]): Promise<Record<string, OutputTensor>>;
  release(): Promise<void>;
}

export interface ModelRuntime {
  /**
   * Creates a session from ONNX bytes; throws when the model cannot be loaded (message says why). `sha256`, the
   * verified bytes' digest when the caller knows it, lets a runtime use what the build prepared for those bytes.
   */
  createSession(bytes: Uint8Array, sha256?: string): Promise<ModelSession>;
}
