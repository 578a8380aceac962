/**
 * Runs a trained model's float32 matrix through ONNX Runtime Web in Node — the runtime the Worker uses — so
 * offline metrics and golden outputs describe the artifact that will serve, not the training code's idea of it.
 *
 * @example
 * const probabilities = await runOnnx(bytes, { inputName: 'input', outputName: 'probabilities' }, x, rows, width);
 * const runner = await openOnnx(bytes, names, width); // the same, loading the model once for many runs
 */
import { NodeOrtRuntime } from '../lib/ort-node-runtime.ts';

export interface OnnxTensorNames {
  inputName: string;
  outputName: string;
}

/** One model loaded once and run many times (permutation importance runs it once per feature and repeat). */
export interface OnnxMatrixRunner {
  /** Feeds the row-major [rows, width] matrix and returns the named output tensor's data. */
  run(x: Float32Array, rows: number): Promise<Float32Array>;
  release(): Promise<void>;
}

export async function openOnnx(bytes: Uint8Array, names: OnnxTensorNames, width: number): Promise<OnnxMatrixRunner> {
  const session = await new NodeOrtRuntime().createSession(bytes);
  if (!session.outputs.some((o) => o.name === names.outputName)) {
    await session.release();
    throw new Error(`the model has no output "${names.outputName}" (it has ${session.outputs.map((o) => o.name).join(', ')})`);
  }
  return {
    async run(x, rows) {
      const outputs = await session.run({ [names.inputName]: { dtype: 'float32', data: x, dims: [rows, width] } }, [names.outputName]);
      const tensor = outputs[names.outputName]!;
      if (!(tensor.data instanceof Float32Array)) throw new Error(`output "${names.outputName}" is ${tensor.type}, expected float32`);
      return tensor.data;
    },
    release: () => session.release(),
  };
}

/** Feeds the row-major [rows, width] matrix once and returns the named output tensor's data. */
export async function runOnnx(
  bytes: Uint8Array,
  names: OnnxTensorNames,
  x: Float32Array,
  rows: number,
  width: number,
): Promise<Float32Array> {
  const runner = await openOnnx(bytes, names, width);
  try {
    return await runner.run(x, rows);
  } finally {
    await runner.release();
  }
}
