/**
 * A `ModelSession` over a compiled graph: checks the feeds as ONNX Runtime would (names, element types, fixed
 * dimensions), runs the steps the requested outputs need, in topological order, and returns the outputs with
 * ONNX Runtime Web's element type names and JavaScript arrays.
 */
import type { OutputTensor, Tensor, TensorDtype } from '../../model/tensor.ts';
import type { KernelRun } from './kernel.ts';
import type { ModelSession, TensorSignature } from '../model-runtime.ts';

/** One node to run: which slots it reads (−1 for an omitted optional input) and which it writes. */
export interface PlanStep {
  run: KernelRun;
  inputs: readonly number[];
  outputs: readonly number[];
}

export interface PlanInput {
  name: string;
  slot: number;
  dtype: TensorDtype;
  /** Declared dims: a number is fixed, null varies; undefined when the graph declares no shape. */
  dims?: readonly (number | null)[];
}

/** Everything `compileOnnx` decided, ready to run. */
export interface Plan {
  slotCount: number;
  constants: readonly (readonly [number, Tensor])[];
  inputs: readonly PlanInput[];
  steps: readonly PlanStep[];
  /** Graph output name → its slot. */
  outputs: ReadonlyMap<string, number>;
  signatures: { inputs: readonly TensorSignature[]; outputs: readonly TensorSignature[] };
}

const EXPECTED_ARRAY: Readonly<Record<TensorDtype, (data: unknown) => boolean>> = {
  float32: (d) => d instanceof Float32Array,
  float64: (d) => d instanceof Float64Array,
  int64: (d) => d instanceof BigInt64Array,
  int32: (d) => d instanceof Int32Array,
  string: (d) => Array.isArray(d),
  bool: (d) => d instanceof Uint8Array,
};

export class CompiledSession implements ModelSession {
  readonly inputs: readonly TensorSignature[];
  readonly outputs: readonly TensorSignature[];
  readonly #plan: Plan;
  readonly #inputNames: ReadonlySet<string>;
  /** Steps needed per requested set of outputs (computed on first use). */
  readonly #stepsFor = new Map<string, readonly PlanStep[]>();

  constructor(plan: Plan) {
    this.#plan = plan;
    this.#inputNames = new Set(plan.inputs.map((i) => i.name));
    this.inputs = plan.signatures.inputs;
    this.outputs = plan.signatures.outputs;
  }

  run(feeds: Readonly<Record<string, Tensor>>, outputNames: readonly string[]): Promise<Record<string, OutputTensor>> {
    try {
      return Promise.resolve(this.runSync(feeds, outputNames));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  /** The same as `run`, without the promise (for callers that batch many small runs). */
  runSync(feeds: Readonly<Record<string, Tensor>>, outputNames: readonly string[]): Record<string, OutputTensor> {
    const plan = this.#plan;
    const steps = this.#steps(outputNames);
    const slots: (Tensor | undefined)[] = new Array<Tensor | undefined>(plan.slotCount);
    for (const [slot, tensor] of plan.constants) slots[slot] = tensor;
    for (const input of plan.inputs) {
      const t = feeds[input.name];
      if (!t) throw new Error(`input "${input.name}" is missing from the feeds`);
      checkFeed(input, t);
      slots[input.slot] = t;
    }
    for (const name in feeds) if (!this.#inputNames.has(name)) throw new Error(`"${name}" is not an input of the model`);
    for (const step of steps) {
      const args: (Tensor | undefined)[] = new Array<Tensor | undefined>(step.inputs.length);
      for (let i = 0; i < args.length; i++) {
        const s = step.inputs[i]!;
        args[i] = s < 0 ? undefined : slots[s];
      }
      const results = step.run(args);
      for (let i = 0; i < step.outputs.length; i++) if (step.outputs[i]! >= 0) slots[step.outputs[i]!] = results[i];
    }
    const out: Record<string, OutputTensor> = {};
    for (const name of outputNames) {
      const t = slots[plan.outputs.get(name)!]!;
      out[name] = { type: t.dtype, data: this.#isShared(t.data, feeds) ? copy(t.data) : t.data, dims: [...t.dims] };
    }
    return out;
  }

  /**
   * Whether an output's data belongs to a feed or a constant (passed through Identity, Reshape, …): the caller
   * gets its own copy, so changing it can neither touch its feeds nor the model.
   */
  #isShared(data: Tensor['data'], feeds: Readonly<Record<string, Tensor>>): boolean {
    for (const input of this.#plan.inputs) if (feeds[input.name]!.data === data) return true;
    for (const [, constant] of this.#plan.constants) if (constant.data === data) return true;
    return false;
  }

  release(): Promise<void> {
    return Promise.resolve();
  }

  #steps(outputNames: readonly string[]): readonly PlanStep[] {
    const key = outputNames.length === 1 ? outputNames[0]! : outputNames.join('\u0000');
    const cached = this.#stepsFor.get(key);
    if (cached) return cached;
    const plan = this.#plan;
    const needed = new Set<number>();
    for (const name of outputNames) {
      const slot = plan.outputs.get(name);
      if (slot === undefined) throw new Error(`"${name}" is not an output of the model`);
      needed.add(slot);
    }
    const chosen: PlanStep[] = [];
    for (let i = plan.steps.length - 1; i >= 0; i--) {
      const step = plan.steps[i]!;
      if (!step.outputs.some((s) => needed.has(s))) continue;
      chosen.push(step);
      for (const s of step.inputs) if (s >= 0) needed.add(s);
    }
    chosen.reverse();
    this.#stepsFor.set(key, chosen);
    return chosen;
  }
}

function checkFeed(input: PlanInput, t: Tensor): void {
  if (t.dtype !== input.dtype) throw new Error(`input "${input.name}" must be ${input.dtype}, got ${t.dtype}`);
  if (!EXPECTED_ARRAY[input.dtype](t.data)) throw new Error(`input "${input.name}" holds the wrong array type for ${input.dtype}`);
  let size = 1;
  for (const d of t.dims) size *= d;
  if (t.data.length !== size) throw new Error(`input "${input.name}" has ${t.data.length} values for dims [${t.dims.join(', ')}]`);
  const declared = input.dims;
  if (!declared) return;
  if (t.dims.length !== declared.length)
    throw new Error(`input "${input.name}" must have rank ${declared.length}, got [${t.dims.join(', ')}]`);
  for (let i = 0; i < declared.length; i++) {
    const d = declared[i];
    if (d !== null && t.dims[i] !== d) throw new Error(`input "${input.name}" must have dimension ${i} = ${d}, got [${t.dims.join(', ')}]`);
  }
}

function copy(data: Tensor['data']): Tensor['data'] {
  return Array.isArray(data) ? [...data] : (data as Float32Array).slice();
}
