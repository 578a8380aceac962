/**
 * Finds the estimator behind a model output: walking back from the output through the nodes that only turn
 * scores into the served values (Sigmoid, Softmax, Normalizer, Cast, Concat of [1 − p, p], reshapes, arithmetic
 * with constants), the output must depend on the inputs through exactly one tensor, written by a tree ensemble
 * (TreeEnsembleRegressor/Classifier) or a linear map (LinearRegressor, LinearClassifier, MatMul or Gemm by
 * constant weights, with the constant additions and scalings that follow it folded in). That tensor's scores,
 * before any post transform, are the space exact methods explain.
 *
 * @example
 * const found = findEstimator(graph, manifest.output.tensor);
 * if (found.ok && found.estimator.kind === 'linear') found.estimator.weights; // [F × K], row-major
 */
import type { OnnxNode } from '../inference/compiled/onnx-node.ts';
import { constantNumbers, type OnnxGraph } from './onnx-graph.ts';

export interface TreeEstimator {
  readonly kind: 'tree';
  readonly node: OnnxNode;
  /** The tensor the trees read ([N, F]). */
  readonly input: string;
  readonly classifier: boolean;
  /** What turns the raw scores into the output: the node's post_transform, then the nodes after it. */
  readonly transform: string;
}

export interface LinearEstimator {
  readonly kind: 'linear';
  /** The tensor the linear map reads ([N, F]). */
  readonly input: string;
  readonly width: number;
  /** Margins K: one per target or class (one for a binary model with a single coefficient row). */
  readonly outputs: number;
  /** margin_k = Σ_c x_c · weights[c·K + k] + bias[k]. */
  readonly weights: Float64Array;
  readonly bias: Float64Array;
  readonly transform: string;
}

export type Estimator = TreeEstimator | LinearEstimator;

export type FindEstimatorResult = { ok: true; estimator: Estimator } | { ok: false; reason: string };

/** Nodes that only reshape or transform scores on their way to the output. */
const PASS_THROUGH: Readonly<Record<string, 'first' | 'all'>> = {
  Identity: 'first',
  Cast: 'first',
  Reshape: 'first',
  Flatten: 'first',
  Squeeze: 'first',
  Unsqueeze: 'first',
  Normalizer: 'first',
  Softmax: 'first',
  Sigmoid: 'first',
  Concat: 'all',
  Add: 'all',
  Sub: 'all',
  Mul: 'all',
  Div: 'all',
};
const ARITHMETIC = new Set(['Add', 'Sub', 'Mul', 'Div']);

export function findEstimator(graph: OnnxGraph, output: string): FindEstimatorResult {
  const onPath = new Set<string>();
  const frontier = new Set<string>();
  const post: OnnxNode[] = [];
  const graphInputs = new Set(graph.inputs);
  const stack = [output];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (onPath.has(name) || graph.constants.has(name)) continue;
    onPath.add(name);
    if (graphInputs.has(name)) return { ok: false, reason: `the output reads graph input "${name}" directly, not through one estimator` };
    const node = graph.producer.get(name);
    if (!node) return { ok: false, reason: `no node writes "${name}"` };
    const pass = node.domain === '' || node.opType === 'Normalizer' ? PASS_THROUGH[node.opType] : undefined;
    const variable = node.inputs.filter((i) => i !== '' && !graph.constants.has(i));
    if (!pass || (ARITHMETIC.has(node.opType) && variable.length !== 1)) {
      frontier.add(name);
      continue;
    }
    if (!post.includes(node)) post.push(node);
    stack.push(...(pass === 'first' ? variable.slice(0, 1) : variable));
  }
  if (frontier.size !== 1)
    return {
      ok: false,
      reason:
        `the output depends on ${frontier.size} computed tensors ` +
        `(${[...frontier].map((t) => `"${t}"`).join(', ')}), not on one estimator`,
    };
  const scores = [...frontier][0]!;
  const node = graph.producer.get(scores)!;
  const after = (first: string) =>
    [first, ...graph.nodes.filter((n) => post.includes(n)).map((n) => n.opType)].filter((s) => s !== '').join(' → ');

  switch (node.opType) {
    case 'TreeEnsembleRegressor':
    case 'TreeEnsembleClassifier': {
      const classifier = node.opType === 'TreeEnsembleClassifier';
      if (scores !== node.outputs[classifier ? 1 : 0])
        return { ok: false, reason: `${node.label}: the output is its label, not its scores` };
      return {
        ok: true,
        estimator: { kind: 'tree', node, input: node.inputs[0] ?? '', classifier, transform: after(node.string('post_transform', 'NONE')) },
      };
    }
    case 'LinearClassifier':
    case 'LinearRegressor':
      return linearNode(node, scores, after(node.string('post_transform', 'NONE')));
    case 'MatMul':
    case 'Gemm':
      return matrixProduct(graph, node, onPath, post, after);
    default:
      return { ok: false, reason: `${node.label} computes the scores, and it is neither a tree ensemble nor a linear map of its inputs` };
  }
}

function linearNode(node: OnnxNode, scores: string, transform: string): FindEstimatorResult {
  const classifier = node.opType === 'LinearClassifier';
  if (classifier && scores !== node.outputs[1]) return { ok: false, reason: `${node.label}: the output is its label, not its scores` };
  const coefficients = node.floats('coefficients').map(Math.fround);
  const allIntercepts = node.floats('intercepts').map(Math.fround);
  const outputs = classifier ? allIntercepts.length : node.int('targets', 1);
  if (outputs <= 0 || coefficients.length === 0 || coefficients.length % outputs !== 0)
    return { ok: false, reason: `${node.label} has ${coefficients.length} coefficients for ${outputs} outputs` };
  const width = coefficients.length / outputs;
  const weights = new Float64Array(width * outputs);
  for (let k = 0; k < outputs; k++) for (let c = 0; c < width; c++) weights[c * outputs + k] = coefficients[k * width + c]!;
  const bias = allIntercepts.length === outputs ? Float64Array.from(allIntercepts) : new Float64Array(outputs);
  return { ok: true, estimator: { kind: 'linear', input: node.inputs[0] ?? '', width, outputs, weights, bias, transform } };
}

/** MatMul(X, W) or Gemm(X, B, C) by constants, then the constant arithmetic that follows it on the way to the output. */
function matrixProduct(
  graph: OnnxGraph,
  node: OnnxNode,
  onPath: ReadonlySet<string>,
  post: OnnxNode[],
  after: (first: string) => string,
): FindEstimatorResult {
  const refuse = (why: string): FindEstimatorResult => ({ ok: false, reason: `${node.label} ${why}` });
  const [x, b, c] = node.inputs;
  const wTensor = graph.constants.get(b ?? '');
  const w = constantNumbers(wTensor);
  if (!x || graph.constants.has(x) || !wTensor || !w) return refuse('does not multiply its input by constant weights');
  let width: number;
  let outputs: number;
  let weights: Float64Array;
  let bias: Float64Array;
  if (node.opType === 'MatMul') {
    if (wTensor.dims.length === 1) [width, outputs] = [wTensor.dims[0]!, 1];
    else if (wTensor.dims.length === 2) [width, outputs] = [wTensor.dims[0]!, wTensor.dims[1]!];
    else return refuse(`multiplies by weights of rank ${wTensor.dims.length}`);
    weights = w;
    bias = new Float64Array(outputs);
  } else {
    if (wTensor.dims.length !== 2 || node.int('transA', 0) !== 0) return refuse('is not X·B (+ C) with a 2-D constant B');
    const transB = node.int('transB', 0) !== 0;
    [width, outputs] = transB ? [wTensor.dims[1]!, wTensor.dims[0]!] : [wTensor.dims[0]!, wTensor.dims[1]!];
    const alpha = Math.fround(node.float('alpha', 1));
    const beta = Math.fround(node.float('beta', 1));
    weights = new Float64Array(width * outputs);
    for (let i = 0; i < width; i++)
      for (let k = 0; k < outputs; k++) weights[i * outputs + k] = alpha * w[transB ? k * width + i : i * outputs + k]!;
    bias = new Float64Array(outputs);
    if (c) {
      const cValues = constantNumbers(graph.constants.get(c));
      if (!cValues || (cValues.length !== 1 && cValues.length !== outputs))
        return refuse('adds a C that is not a constant of one value or one per output');
      for (let k = 0; k < outputs; k++) bias[k] = beta * cValues[cValues.length === 1 ? 0 : k]!;
    }
  }

  // Fold the constant arithmetic that directly follows into the map (an intercept, a scale).
  let margin = node.outputs[0] ?? '';
  for (;;) {
    const next = (graph.consumers.get(margin) ?? []).filter((n) => n.outputs.some((o) => onPath.has(o)));
    const step = next[0];
    if (next.length !== 1 || !step || !ARITHMETIC.has(step.opType) || step.domain !== '') break;
    const constantName = step.inputs.find((i) => i !== margin);
    const k = constantNumbers(graph.constants.get(constantName ?? ''));
    if (!k || (k.length !== 1 && k.length !== outputs) || step.inputs.length !== 2) break;
    const at = (j: number) => k[k.length === 1 ? 0 : j]!;
    const marginFirst = step.inputs[0] === margin;
    for (let j = 0; j < outputs; j++) {
      const v = at(j);
      switch (step.opType) {
        case 'Add':
          bias[j]! += v;
          break;
        case 'Sub':
          if (marginFirst) bias[j]! -= v;
          else {
            bias[j] = v - bias[j]!;
            for (let i = 0; i < width; i++) weights[i * outputs + j] = -weights[i * outputs + j]!;
          }
          break;
        case 'Mul':
          bias[j]! *= v;
          for (let i = 0; i < width; i++) weights[i * outputs + j]! *= v;
          break;
        case 'Div':
          if (!marginFirst) return refuse('is divided into a constant (not a linear map)');
          bias[j]! /= v;
          for (let i = 0; i < width; i++) weights[i * outputs + j]! /= v;
          break;
      }
    }
    post.splice(post.indexOf(step), 1);
    margin = step.outputs[0] ?? '';
  }
  return { ok: true, estimator: { kind: 'linear', input: x, width, outputs, weights, bias, transform: after('') || 'none' } };
}
