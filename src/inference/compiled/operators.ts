/**
 * The operators the compiled evaluator implements, by domain and op type. Anything else is refused at compile
 * time (the model then runs on ONNX Runtime).
 */
import type { KernelCompiler } from './kernel.ts';
import { compileRelu, compileSigmoid, compileTanh } from './ops/activations.ts';
import { compileArgMax } from './ops/arg-max.ts';
import { compileArrayFeatureExtractor } from './ops/array-feature-extractor.ts';
import { compileCast } from './ops/cast.ts';
import { compileConcat } from './ops/concat.ts';
import { compileConstant } from './ops/constant.ts';
import { binaryKernel } from './ops/elementwise-binary.ts';
import { compileGemm } from './ops/gemm.ts';
import { compileImputer } from './ops/imputer.ts';
import { compileLabelEncoder } from './ops/label-encoder.ts';
import { compileLinearClassifier } from './ops/linear-classifier.ts';
import { compileLinearRegressor } from './ops/linear-regressor.ts';
import { compileMatMul } from './ops/mat-mul.ts';
import { compileNormalizer } from './ops/normalizer.ts';
import { compileOneHotEncoder } from './ops/one-hot-encoder.ts';
import { compileFlatten, compileIdentity, compileReshape, compileSqueeze, compileUnsqueeze } from './ops/reshaping.ts';
import { compileScaler } from './ops/scaler.ts';
import { compileSoftmax } from './ops/softmax.ts';
import { compileTreeEnsembleClassifier } from './ops/tree-ensemble-classifier.ts';
import { compileTreeEnsembleRegressor } from './ops/tree-ensemble-regressor.ts';

const ML_DOMAIN = 'ai.onnx.ml';

const ONNX: Readonly<Record<string, KernelCompiler>> = {
  Add: binaryKernel('Add'),
  ArgMax: compileArgMax,
  Cast: compileCast,
  Concat: compileConcat,
  Constant: compileConstant,
  Div: binaryKernel('Div'),
  Flatten: compileFlatten,
  Gemm: compileGemm,
  Identity: compileIdentity,
  MatMul: compileMatMul,
  Mul: binaryKernel('Mul'),
  Relu: compileRelu,
  Reshape: compileReshape,
  Sigmoid: compileSigmoid,
  Softmax: compileSoftmax,
  Squeeze: compileSqueeze,
  Sub: binaryKernel('Sub'),
  Tanh: compileTanh,
  Unsqueeze: compileUnsqueeze,
};

const ML: Readonly<Record<string, KernelCompiler>> = {
  ArrayFeatureExtractor: compileArrayFeatureExtractor,
  Imputer: compileImputer,
  LabelEncoder: compileLabelEncoder,
  LinearClassifier: compileLinearClassifier,
  LinearRegressor: compileLinearRegressor,
  Normalizer: compileNormalizer,
  OneHotEncoder: compileOneHotEncoder,
  Scaler: compileScaler,
  TreeEnsembleClassifier: compileTreeEnsembleClassifier,
  TreeEnsembleRegressor: compileTreeEnsembleRegressor,
};

/** The kernel for an op type in a domain ('' is ai.onnx), if the evaluator implements it. */
export function kernelFor(domain: string, opType: string): KernelCompiler | undefined {
  const table = domain === '' ? ONNX : domain === ML_DOMAIN ? ML : undefined;
  return table && Object.hasOwn(table, opType) ? table[opType] : undefined;
}
