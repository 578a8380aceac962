/**
 * ONNX graphs shaped like the exports users bring — built here with onnx-proto, each with CSV data and the
 * prediction its arithmetic gives, computed in plain JavaScript (float64) from the graph's own weights, so
 * tests check Vigil's packaging and serving against the math, not against Vigil.
 */
import {
  attr,
  BOOL,
  DOUBLE,
  encodeModel,
  FLOAT,
  floatTensor,
  INT32,
  INT64,
  int64Tensor,
  node,
  STRING,
  tensorInfo,
} from '../../cli/onnx/proto.ts';

export interface TestGraph {
  bytes: Uint8Array;
  csv: string;
  /** What each CSV row should predict: a value, or a label with its probabilities (in label order). */
  expected: ({ value: number } | { label: string; probabilities: number[] })[];
}

const ML = { domain: 'ai.onnx.ml' };
const SEQUENCE_OF_MAPS = (keyType: number) => ({
  sequenceType: { elemType: { mapType: { keyType, valueType: { tensorType: { elemType: FLOAT } } } } },
});

function softmax(scores: number[]): number[] {
  const max = Math.max(...scores);
  const e = scores.map((s) => Math.exp(s - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

function dot(w: readonly number[], x: readonly number[]): number {
  return w.reduce((s, wi, i) => s + wi * x[i]!, 0);
}

/**
 * A regressor over per-column inputs of every dtype: rooms int64 [N], city string [N, 1] (one-hot against three
 * cities, unknown ones all zero), garden bool [N], area double [N, 1], floor int32 [N, 1]; its output has an odd
 * name ("price ($)").
 */
export function mixedInputsRegressor(): TestGraph {
  const cities = ['paris', 'lyon', 'nice'];
  const w = [12.5, 30, -5, 8, 4.25, 0.75, -1.5];
  const b = 100;
  const bytes = encodeModel({
    graphName: 'mixed-inputs',
    producerVersion: '1.16.0',
    producerName: 'skl2onnx',
    usesMl: true,
    inputs: [
      tensorInfo('rooms', INT64, ['N']),
      tensorInfo('city', STRING, ['N', 1]),
      tensorInfo('garden', BOOL, ['N']),
      tensorInfo('area', DOUBLE, ['N', 1]),
      tensorInfo('floor', INT32, ['N', 1]),
    ],
    outputs: [tensorInfo('price ($)', FLOAT, ['N', 1])],
    initializers: [int64Tensor('column', [2], [-1, 1]), int64Tensor('three', [2], [-1, 3])],
    nodes: [
      node('Cast', ['rooms'], ['rooms_f'], { attributes: [attr.int('to', FLOAT)] }),
      node('Reshape', ['rooms_f', 'column'], ['rooms_c']),
      node('OneHotEncoder', ['city'], ['city_oh'], { ...ML, attributes: [attr.strings('cats_strings', cities), attr.int('zeros', 1)] }),
      node('Reshape', ['city_oh', 'three'], ['city_c']),
      node('Cast', ['garden'], ['garden_f'], { attributes: [attr.int('to', FLOAT)] }),
      node('Reshape', ['garden_f', 'column'], ['garden_c']),
      node('Cast', ['area'], ['area_c'], { attributes: [attr.int('to', FLOAT)] }),
      node('Cast', ['floor'], ['floor_c'], { attributes: [attr.int('to', FLOAT)] }),
      node('Concat', ['rooms_c', 'city_c', 'garden_c', 'area_c', 'floor_c'], ['features'], { attributes: [attr.int('axis', 1)] }),
      node('LinearRegressor', ['features'], ['price ($)'], {
        ...ML,
        attributes: [attr.floats('coefficients', w), attr.floats('intercepts', [b])],
      }),
    ],
  });
  const rows: [number, string, boolean, number, number][] = [
    [3, 'paris', true, 72.5, 2],
    [1, 'lyon', false, 31.25, 0],
    [5, 'nice', true, 140, 4],
    [2, 'paris', false, 48, -1],
    [4, 'lyon', true, 95.75, 7],
    [2, 'nice', false, 55, 3],
  ];
  const csv = [
    'rooms,city,garden,area,floor,notes',
    ...rows.map(([r, c, g, a, f], i) => `${r},${c},${g},${a},${f},"row ${i}, a note"`),
  ].join('\n');
  const expected = rows.map(([r, c, g, a, f]) => ({ value: b + dot(w, [r, ...cities.map((x) => (x === c ? 1 : 0)), g ? 1 : 0, a, f]) }));
  return { bytes, csv, expected };
}

/**
 * A multiclass LogisticRegression over a matrix input X [N, 3] with string labels, exported with a ZipMap
 * (string keys), as sklearn-onnx does by default.
 */
export function matrixMulticlassWithZipMap(): TestGraph {
  const labels = ['setosa', 'versicolor', 'virginica'];
  const W = [
    [1.5, -0.5, 0.25],
    [-0.25, 0.75, -1],
    [-1.25, -0.25, 0.75],
  ];
  const b = [0.5, 0.1, -0.6];
  const bytes = encodeModel({
    graphName: 'iris-like',
    producerVersion: '1.16.0',
    producerName: 'skl2onnx',
    usesMl: true,
    inputs: [tensorInfo('X', FLOAT, ['N', 3])],
    outputs: [tensorInfo('output_label', STRING, ['N']), { name: 'output_probability', type: SEQUENCE_OF_MAPS(STRING) }],
    nodes: [
      node('LinearClassifier', ['X'], ['output_label', 'probability_tensor'], {
        ...ML,
        attributes: [
          attr.strings('classlabels_strings', labels),
          attr.floats('coefficients', W.flat()),
          attr.floats('intercepts', b),
          attr.string('post_transform', 'SOFTMAX'),
        ],
      }),
      node('ZipMap', ['probability_tensor'], ['output_probability'], { ...ML, attributes: [attr.strings('classlabels_strings', labels)] }),
    ],
  });
  const rows = [
    [1, 0.5, -1],
    [-1, 2, 0.5],
    [-2, -0.5, 3],
    [0.25, 0.25, 0.25],
    [3, -1, -2],
    [-0.5, 1.5, 1],
  ];
  const csv = ['a,b,c,species', ...rows.map((r, i) => `${r.join(',')},${labels[i % 3]}`)].join('\n');
  const expected = rows.map((x) => {
    const p = softmax(W.map((w, k) => dot(w, x) + b[k]!));
    return { label: labels[p.indexOf(Math.max(...p))]!, probabilities: p };
  });
  return { bytes, csv, expected };
}

/** A regressor whose graph imputes missing values itself: x and y [N, 1] float, NaN replaced by 10 and 20. */
export function imputingRegressor(): TestGraph {
  const w = [2, -0.5];
  const b = 1;
  const bytes = encodeModel({
    graphName: 'imputing',
    producerVersion: '1.16.0',
    producerName: 'skl2onnx',
    usesMl: true,
    inputs: [tensorInfo('x', FLOAT, ['N', 1]), tensorInfo('y', FLOAT, ['N', 1])],
    outputs: [tensorInfo('variable', FLOAT, ['N', 1])],
    nodes: [
      node('Concat', ['x', 'y'], ['xy'], { attributes: [attr.int('axis', 1)] }),
      node('Imputer', ['xy'], ['imputed'], {
        ...ML,
        attributes: [attr.floats('imputed_value_floats', [10, 20]), attr.float('replaced_value_float', Number.NaN)],
      }),
      node('LinearRegressor', ['imputed'], ['variable'], {
        ...ML,
        attributes: [attr.floats('coefficients', w), attr.floats('intercepts', [b])],
      }),
    ],
  });
  const rows: [number | null, number | null][] = [
    [1, 2],
    [null, 4],
    [3, null],
    [null, null],
    [-2, 8],
  ];
  const csv = ['x,y,target', ...rows.map(([x, y], i) => `${x ?? ''},${y ?? ''},${i}`)].join('\n');
  const expected = rows.map(([x, y]) => ({ value: b + dot(w, [x ?? 10, y ?? 20]) }));
  return { bytes, csv, expected };
}

/**
 * A PyTorch-style network: input "input.1" [1, 2] with a fixed batch of one (exported without dynamic axes),
 * Gemm → Sigmoid → Gemm → Softmax to three unnamed classes, output "23".
 */
export function fixedBatchNetwork(): TestGraph {
  const W1 = [
    [0.5, -1, 0.25, 2],
    [1.5, 0.5, -0.75, -1],
  ];
  const b1 = [0.1, -0.2, 0.3, 0];
  const W2 = [
    [1, -1, 0.5],
    [-0.5, 0.25, 1],
    [2, 0, -1],
    [0.25, 0.5, 0.75],
  ];
  const b2 = [0, 0.5, -0.5];
  const bytes = encodeModel({
    graphName: 'main_graph',
    producerVersion: '2.5.0',
    producerName: 'pytorch',
    inputs: [tensorInfo('input.1', FLOAT, [1, 2])],
    outputs: [tensorInfo('23', FLOAT, [1, 3])],
    initializers: [
      floatTensor('fc1.weight', [2, 4], W1.flat()),
      floatTensor('fc1.bias', [4], b1),
      floatTensor('fc2.weight', [4, 3], W2.flat()),
      floatTensor('fc2.bias', [3], b2),
    ],
    nodes: [
      node('Gemm', ['input.1', 'fc1.weight', 'fc1.bias'], ['h']),
      node('Sigmoid', ['h'], ['s']),
      node('Gemm', ['s', 'fc2.weight', 'fc2.bias'], ['logits']),
      node('Softmax', ['logits'], ['23'], { attributes: [attr.int('axis', 1)] }),
    ],
  });
  const rows = [
    [0.5, 1],
    [-1, 2],
    [3, -0.5],
    [0, 0],
    [-2, -2],
  ];
  const csv = ['f0,f1', ...rows.map((r) => r.join(','))].join('\n');
  const expected = rows.map((x) => {
    const h = [0, 1, 2, 3].map((j) => 1 / (1 + Math.exp(-(x[0]! * W1[0]![j]! + x[1]! * W1[1]![j]! + b1[j]!))));
    const p = softmax([0, 1, 2].map((k) => h.reduce((s, hj, j) => s + hj * W2[j]![k]!, b2[k]!)));
    return { label: String(p.indexOf(Math.max(...p))), probabilities: p };
  });
  return { bytes, csv, expected };
}

/** A graph whose outputs Vigil cannot map: two float outputs of different widths and no labels. */
export function twoFloatOutputs(): TestGraph {
  const bytes = encodeModel({
    graphName: 'two-heads',
    producerVersion: '2.5.0',
    producerName: 'pytorch',
    inputs: [tensorInfo('x', FLOAT, ['N', 2])],
    outputs: [tensorInfo('head_a', FLOAT, ['N', 3]), tensorInfo('head_b', FLOAT, ['N', 2])],
    initializers: [floatTensor('A', [2, 3], [1, 2, 3, 4, 5, 6]), floatTensor('B', [2, 2], [1, 0, 0, 1])],
    nodes: [node('MatMul', ['x', 'A'], ['head_a']), node('MatMul', ['x', 'B'], ['head_b'])],
  });
  return { bytes, csv: 'u,v\n1,2\n3,4', expected: [] };
}

/** A classifier exported with labels only (no probabilities): Vigil cannot monitor it. */
export function labelsOnlyClassifier(): TestGraph {
  const bytes = encodeModel({
    graphName: 'labels-only',
    producerVersion: '1.16.0',
    producerName: 'skl2onnx',
    usesMl: true,
    inputs: [tensorInfo('X', FLOAT, ['N', 2])],
    outputs: [tensorInfo('label', INT64, ['N'])],
    nodes: [
      node('LinearClassifier', ['X'], ['label', 'scores'], {
        ...ML,
        attributes: [attr.ints('classlabels_ints', [0, 1]), attr.floats('coefficients', [1, -1, -1, 1]), attr.floats('intercepts', [0, 0])],
      }),
    ],
  });
  return { bytes, csv: 'a,b\n1,2\n3,4', expected: [] };
}

/**
 * A small network with an operator the compiled evaluator does not implement (Softplus): input "x" [N, 2],
 * Gemm → Softplus → Gemm to one output "y" [N, 1]. ONNX Runtime runs it; Vigil must serve it on ONNX Runtime.
 */
export function softplusRegressor(): TestGraph {
  const W1 = [
    [0.5, -1, 0.25],
    [1.5, 0.5, -0.75],
  ];
  const b1 = [0.1, -0.2, 0.3];
  const W2 = [2, -1, 0.5];
  const b2 = 1;
  const bytes = encodeModel({
    graphName: 'softplus',
    producerVersion: '2.5.0',
    producerName: 'pytorch',
    inputs: [tensorInfo('x', FLOAT, ['N', 2])],
    outputs: [tensorInfo('y', FLOAT, ['N', 1])],
    initializers: [
      floatTensor('w1', [2, 3], W1.flat()),
      floatTensor('b1', [3], b1),
      floatTensor('w2', [3, 1], W2),
      floatTensor('b2', [1], [b2]),
    ],
    nodes: [node('Gemm', ['x', 'w1', 'b1'], ['h']), node('Softplus', ['h'], ['s']), node('Gemm', ['s', 'w2', 'b2'], ['y'])],
  });
  const rows = [
    [0.5, 1],
    [-1, 2],
    [3, -0.5],
    [0, 0],
    [-2, -2],
    [1, 1],
  ];
  const csv = ['a,b', ...rows.map((r) => r.join(','))].join('\n');
  const expected = rows.map((x) => {
    const h = [0, 1, 2].map((j) => Math.log1p(Math.exp(x[0]! * W1[0]![j]! + x[1]! * W1[1]![j]! + b1[j]!)));
    return { value: dot(W2, h) + b2 };
  });
  return { bytes, csv, expected };
}
