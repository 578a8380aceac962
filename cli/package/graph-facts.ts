/**
 * What an exported graph says about its own contract, read from the operators converters write: the
 * categories a string input is encoded against (OneHotEncoder, LabelEncoder, CategoryMapper), whether a float
 * input may be missing (an Imputer replacing NaN, or a tree ensemble, which routes NaN itself), the class
 * labels of a classifier, and names for its estimator and framework.
 *
 * @example
 * stringCategories(model, 'embarked'); // ['C', 'Q', 'S', 'missing'] for sklearn-onnx's titanic pipeline
 */
import type { OnnxModel, OnnxNode } from '../onnx/read-model.ts';
import { classLabels } from '../onnx/remove-zipmap.ts';

/** Operators that pass a value through without changing what it means (types, shapes, copies). */
const PASS_THROUGH = new Set(['Identity', 'Cast', 'Reshape', 'Squeeze', 'Unsqueeze', 'Flatten', 'Concat', 'CastLike']);

const TREE_ENSEMBLES = new Set(['TreeEnsembleClassifier', 'TreeEnsembleRegressor', 'TreeEnsemble']);

/** Every node reached from `value` through pass-through operators. */
function reachedNodes(model: OnnxModel, value: string): OnnxNode[] {
  const seen = new Set<string>([value]);
  const queue = [value];
  const reached: OnnxNode[] = [];
  while (queue.length > 0) {
    for (const node of model.consumersOf.get(queue.shift()!) ?? []) {
      reached.push(node);
      if (!PASS_THROUGH.has(node.opType)) continue;
      for (const out of node.outputs) {
        if (!seen.has(out)) {
          seen.add(out);
          queue.push(out);
        }
      }
    }
  }
  return reached;
}

/** Categories the graph encodes a string input against, in the graph's order; undefined when it says none. */
export function stringCategories(model: OnnxModel, input: string): string[] | undefined {
  const found: string[] = [];
  for (const node of reachedNodes(model, input)) {
    if (node.opType === 'OneHotEncoder' || node.opType === 'CategoryMapper') found.push(...node.strings('cats_strings'));
    if (node.opType === 'LabelEncoder') found.push(...node.strings('keys_strings'));
  }
  return found.length > 0 ? [...new Set(found)] : undefined;
}

/** Whether the graph itself handles a NaN in this float input: an Imputer of NaN, or a tree ensemble. */
export function handlesMissing(model: OnnxModel, input: string): boolean {
  return reachedNodes(model, input).some(
    (node) => TREE_ENSEMBLES.has(node.opType) || (node.opType === 'Imputer' && Number.isNaN(node.float('replaced_value_float', 0))),
  );
}

/** The class labels of the classifier behind a label output (through casts and reshapes). */
export function labelsBehind(model: OnnxModel, output: string): string[] | undefined {
  let node = model.producerOf.get(output);
  for (let steps = 0; node && steps < 20; steps++) {
    const labels = classLabels(node);
    if (labels) return labels;
    if (!PASS_THROUGH.has(node.opType)) return undefined;
    node = model.producerOf.get(node.inputs[0]!);
  }
  return undefined;
}

const ESTIMATORS = [
  'TreeEnsembleClassifier',
  'TreeEnsembleRegressor',
  'TreeEnsemble',
  'LinearClassifier',
  'LinearRegressor',
  'SVMClassifier',
  'SVMRegressor',
];

/** A name for the model: its estimator operator, or the kind of network. */
export function estimatorName(model: OnnxModel): string {
  const ops = new Set(model.nodes.map((n) => n.opType));
  const estimator = ESTIMATORS.find((op) => ops.has(op));
  if (estimator) return estimator;
  if (ops.has('Gemm') || ops.has('MatMul')) return 'neural network (Gemm/MatMul)';
  return 'ONNX graph';
}

/** The training framework, as far as the ONNX producer tells. */
export function frameworkName(producer: string): string {
  const name = producer.split(' ')[0]!.toLowerCase();
  if (name === 'skl2onnx') return 'scikit-learn';
  if (name === 'pytorch') return 'PyTorch';
  if (name === 'tf2onnx') return 'TensorFlow';
  if (name === 'vigil') return 'vigil-train';
  return producer;
}
