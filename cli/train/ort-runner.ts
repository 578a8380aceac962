/**
 * Runs an ONNX model with onnxruntime-web in Node — the runtime the Worker uses — so offline metrics and
 * golden outputs describe the artifact that will serve, not the training code's idea of it.
 *
 * @example
 * const probabilities = await runOnnx(bytes, { inputName: 'input', outputName: 'probabilities' }, x, rows, width);
 */
import * as ort from 'onnxruntime-web';

// One thread: no worker threads to start or leak in a CLI run, and the same arithmetic order every run.
ort.env.wasm.numThreads = 1;

export interface OnnxTensorNames {
  inputName: string;
  outputName: string;
}

/** Feeds the row-major [rows, width] matrix and returns the named output tensor's data. */
export async function runOnnx(bytes: Uint8Array, names: OnnxTensorNames, x: Float32Array, rows: number, width: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const outputs = await session.run({ [names.inputName]: new ort.Tensor('float32', x, [rows, width]) });
    const tensor = outputs[names.outputName];
    if (!tensor) throw new Error(`the model has no output "${names.outputName}" (it has ${Object.keys(outputs).join(', ')})`);
    if (!(tensor.data instanceof Float32Array)) throw new Error(`output "${names.outputName}" is ${tensor.type}, expected float32`);
    return tensor.data;
  } finally {
    await session.release();
  }
}
