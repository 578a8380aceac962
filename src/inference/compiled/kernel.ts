/**
 * The contract between the graph compiler and one operator: at compile time a kernel reads its node's
 * attributes and what is known of its inputs, refuses (with a reason) what it does not implement exactly as
 * ONNX Runtime does, and otherwise returns the types of its outputs and a function that computes them.
 */
import type { Tensor, TensorDtype } from '../../model/tensor.ts';
import type { OnnxNode } from './onnx-node.ts';
import type { Dim } from './shape-inference.ts';

/** What compile time knows of a value. */
export interface ValueType {
  dtype: TensorDtype;
  /** Dims as ONNX shape inference knows them (see shape-inference.ts); undefined when it infers no shape. */
  dims?: readonly Dim[];
  /** The value itself when it is a constant (an initializer or a Constant). */
  constant?: Tensor;
}

/** Computes a node's outputs from its inputs (undefined for an omitted optional input). */
export type KernelRun = (inputs: readonly (Tensor | undefined)[]) => Tensor[];

export type CompiledKernel = { ok: true; outputs: ValueType[]; run: KernelRun } | { ok: false; reason: string };

export type KernelCompiler = (node: OnnxNode, inputs: readonly (ValueType | undefined)[]) => CompiledKernel;

/** A refusal naming the node: `node "x" (Op) <why>`. */
export function refuse(node: OnnxNode, why: string): CompiledKernel {
  return { ok: false, reason: `${node.label} ${why}` };
}

/** Thrown at run time when inputs break what ONNX Runtime would also reject (shapes, indices, unknown categories). */
export class KernelRunError extends Error {
  constructor(node: OnnxNode, why: string) {
    super(`${node.label}: ${why}`);
    this.name = 'KernelRunError';
  }
}
