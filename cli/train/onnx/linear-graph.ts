/**
 * ONNX graphs of the linear models. Regression: variable = input·W + b, [N, 1]. Logistic: p = σ(input·W + b)
 * and probabilities = Concat(1 - p, p) along axis 1, [N, 2] — the negative label first, the positive second,
 * as in the manifest's output.labels.
 *
 * @example
 * const bytes = linearRegressionGraph({ graphName: 'house-prices', inputName: 'input', producerVersion: '0.1.0' }, weights, bias);
 */
import { attr, encodeModel, FLOAT, floatTensor, node, tensorInfo } from '../../onnx/proto.ts';

export interface GraphNames {
  graphName: string;
  inputName: string;
  producerVersion: string;
}

export const REGRESSION_OUTPUT = 'variable';
export const PROBABILITIES_OUTPUT = 'probabilities';

export function linearRegressionGraph(names: GraphNames, weights: Float32Array, bias: number): Uint8Array {
  const width = weights.length;
  return encodeModel({
    graphName: names.graphName,
    producerVersion: names.producerVersion,
    inputs: [tensorInfo(names.inputName, FLOAT, ['N', width])],
    outputs: [tensorInfo(REGRESSION_OUTPUT, FLOAT, ['N', 1])],
    initializers: [floatTensor('weights', [width, 1], weights), floatTensor('bias', [1], [bias])],
    nodes: [node('MatMul', [names.inputName, 'weights'], ['product']), node('Add', ['product', 'bias'], [REGRESSION_OUTPUT])],
  });
}

export function logisticRegressionGraph(names: GraphNames, weights: Float32Array, bias: number): Uint8Array {
  const width = weights.length;
  return encodeModel({
    graphName: names.graphName,
    producerVersion: names.producerVersion,
    inputs: [tensorInfo(names.inputName, FLOAT, ['N', width])],
    outputs: [tensorInfo(PROBABILITIES_OUTPUT, FLOAT, ['N', 2])],
    initializers: [floatTensor('weights', [width, 1], weights), floatTensor('bias', [1], [bias]), floatTensor('one', [1], [1])],
    nodes: [
      node('MatMul', [names.inputName, 'weights'], ['product']),
      node('Add', ['product', 'bias'], ['logit']),
      node('Sigmoid', ['logit'], ['positive_probability']),
      node('Sub', ['one', 'positive_probability'], ['negative_probability']),
      node('Concat', ['negative_probability', 'positive_probability'], [PROBABILITIES_OUTPUT], { attributes: [attr.int('axis', 1)] }),
    ],
  });
}
