/**
 * A `ModelSession` over an ONNX Runtime JS session, whichever ONNX Runtime build created it: the Worker's
 * (onnxruntime-web in workerd, `ort-runtime.ts`) and the CLI's (the same onnxruntime-web build in Node,
 * `cli/lib/ort-node-runtime.ts`), so packaging computes outputs exactly as serving does.
 *
 * Runs are serialized per isolate: they are synchronous WASM work anyway, and ORT's wrapper keeps call state on
 * the shared WASM stack across awaits, which interleaved runs could corrupt.
 */
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-web';
import type { OutputTensor, Tensor } from '../model/tensor.ts';
import type { ModelSession, TensorSignature } from './model-runtime.ts';

/** The ONNX Runtime Tensor constructor of the build that created the session. */
export type OrtTensorConstructor = new (type: Tensor['dtype'], data: Tensor['data'], dims: readonly number[]) => OrtTensor;

let busy = false;
const waiting: (() => void)[] = [];

/** Runs `task` after every earlier ORT call of this isolate has finished (a FIFO mutex; no wait when idle). */
export async function serialized<T>(task: () => Promise<T>): Promise<T> {
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

function signatures(metadata: readonly InferenceSession.ValueMetadata[] | undefined, names: readonly string[]): TensorSignature[] {
  return names.map((name, i) => {
    const m = metadata?.[i];
    // ONNX Runtime Web reports an unnamed dynamic dimension as 2^32 - 1: -1, as the signature contract says.
    if (m?.isTensor) return { name, type: m.type, dims: m.shape.map((d) => (typeof d === 'number' && (d < 0 || d >= 2 ** 31) ? -1 : d)) };
    return { name };
  });
}

export class OrtSession implements ModelSession {
  readonly inputs: readonly TensorSignature[];
  readonly outputs: readonly TensorSignature[];
  readonly #session: InferenceSession;
  readonly #Tensor: OrtTensorConstructor;

  constructor(session: InferenceSession, Tensor: OrtTensorConstructor) {
    this.#session = session;
    this.#Tensor = Tensor;
    this.inputs = signatures(session.inputMetadata, session.inputNames);
    this.outputs = signatures(session.outputMetadata, session.outputNames);
  }

  run(feeds: Readonly<Record<string, Tensor>>, outputNames: readonly string[]): Promise<Record<string, OutputTensor>> {
    return serialized(async () => {
      const ortFeeds: Record<string, OrtTensor> = {};
      for (const name in feeds) {
        const t = feeds[name]!;
        ortFeeds[name] = new this.#Tensor(t.dtype, t.data, t.dims);
      }
      const results = await this.#session.run(ortFeeds, outputNames);
      const outputs: Record<string, OutputTensor> = {};
      for (const name of outputNames) {
        const output = results[name];
        if (!output) throw new Error(`the model produced no output "${name}"`);
        outputs[name] = { type: output.type, data: output.data as OutputTensor['data'], dims: output.dims };
        output.dispose();
      }
      return outputs;
    });
  }

  release(): Promise<void> {
    return serialized(() => this.#session.release());
  }
}
