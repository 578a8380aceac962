/**
 * A `ModelRuntime` for tests that must not depend on ONNX: the "model" is a function of the input matrix.
 * Fakes keep the production contract (one float32 input in, float32 out, one output per row or per class).
 *
 * @example
 * const runtime = new FakeRuntime({ behaviour: 'sum' }); // each row's prediction is the sum of its columns
 */
import type { ModelRuntime, ModelSession, TensorSignature } from './model-runtime.ts';

export type FakeBehaviour =
  /** One output per row: the sum of the row. */
  | 'sum'
  /** Two outputs per row: [1 - s, s] with s = sigmoid(sum of the row). */
  | 'sigmoid'
  /**
   * Two outputs per row, each class its own sigmoid: [sigmoid(0), sigmoid(sum)] = [0.5, s], which is not a
   * distribution (what ai.onnx.ml TreeEnsembleClassifier with only class-1 weights and LOGISTIC returns).
   */
  | 'per_class_sigmoid'
  /** Every run throws. */
  | 'error'
  /** Outputs NaN. */
  | 'nan';

export interface FakeRuntimeOptions {
  behaviour: FakeBehaviour;
  /** Chooses the behaviour per artifact (e.g. a failing shadow beside a working primary); `behaviour` when undefined. */
  behaviourFor?: (bytes: Uint8Array) => FakeBehaviour | undefined;
  inputName?: string;
  outputName?: string;
  /** Milliseconds each run waits before answering. */
  delayMs?: number;
}

export class FakeRuntime implements ModelRuntime {
  readonly options: FakeRuntimeOptions;
  sessionsCreated = 0;
  sessionsReleased = 0;
  runs = 0;

  constructor(options: FakeRuntimeOptions) {
    this.options = options;
  }

  async createSession(bytes: Uint8Array): Promise<ModelSession> {
    this.sessionsCreated++;
    const { delayMs = 0 } = this.options;
    const behaviour = this.options.behaviourFor?.(bytes) ?? this.options.behaviour;
    const perRow = behaviour === 'sigmoid' || behaviour === 'per_class_sigmoid' ? 2 : 1;
    const inputs: TensorSignature[] = [{ name: this.options.inputName ?? 'input', type: 'float32', dims: ['N', -1] }];
    const outputs: TensorSignature[] = [{ name: this.options.outputName ?? 'output', type: 'float32', dims: ['N', perRow] }];
    const runtime = this;
    let released = false;
    return {
      inputs,
      outputs,
      async run(feeds, outputNames) {
        // ONNX Runtime refuses a released session the same way.
        if (released) throw new Error('invalid session id');
        runtime.runs++;
        if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
        if (behaviour === 'error') throw new Error('fake model failure');
        const input = feeds[inputs[0]!.name];
        if (!input || !(input.data instanceof Float32Array)) throw new Error(`the fake model takes one float32 input "${inputs[0]!.name}"`);
        const data = input.data;
        const rows = input.dims[0]!;
        const width = input.dims[1] ?? 1;
        const out = new Float32Array(rows * perRow);
        for (let r = 0; r < rows; r++) {
          let sum = 0;
          for (let c = 0; c < width; c++) sum += data[r * width + c]!;
          const s = 1 / (1 + Math.exp(-sum));
          if (behaviour === 'nan') out[r * perRow] = Number.NaN;
          else if (behaviour === 'sum') out[r] = sum;
          else if (behaviour === 'sigmoid') {
            out[r * 2] = 1 - s;
            out[r * 2 + 1] = s;
          } else {
            out[r * 2] = 0.5;
            out[r * 2 + 1] = s;
          }
        }
        const outputName = outputs[0]!.name;
        if (outputNames.some((n) => n !== outputName)) throw new Error(`the fake model has one output "${outputName}"`);
        return { [outputName]: { type: 'float32', data: out, dims: [rows, perRow] } };
      },
      async release() {
        released = true;
        runtime.sessionsReleased++;
      },
    };
  }
}
