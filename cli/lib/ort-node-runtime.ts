/**
 * The Worker's ONNX Runtime build (onnxruntime-web, plain WASM, one thread) in Node, behind the same
 * `ModelSession` as serving: training, packaging and tests compute golden outputs and metrics with exactly the
 * arithmetic the Worker will serve.
 *
 * @example
 * const session = await new NodeOrtRuntime().createSession(bytes);
 */
import * as ort from 'onnxruntime-web';
import type { ModelRuntime, ModelSession } from '../../src/inference/model-runtime.ts';
import { OrtSession, serialized, type OrtTensorConstructor } from '../../src/inference/ort-session.ts';

// One thread: no worker threads to start or leak in a CLI run, and the same arithmetic order every run.
ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };

export class NodeOrtRuntime implements ModelRuntime {
  async createSession(bytes: Uint8Array): Promise<ModelSession> {
    const session = await serialized(() => ort.InferenceSession.create(bytes, SESSION_OPTIONS));
    return new OrtSession(session, ort.Tensor as unknown as OrtTensorConstructor);
  }
}
