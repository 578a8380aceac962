import { afterAll, describe, expect, it } from 'vitest';
import { attr, DOUBLE, FLOAT, INT32, INT64, node, STRING, tensorInfo } from '../../../cli/onnx/proto.ts';
import type { Tensor } from '../../../src/model/tensor.ts';
import { compileOnnx } from '../../../src/inference/compiled/compile-onnx.ts';
import { awkwardFloat, expectParity, graph, ML, ort, printParityReport, prng } from './parity.ts';

afterAll(printParityReport);

const TRANSFORMS = ['NONE', 'LOGISTIC', 'SOFTMAX', 'SOFTMAX_ZERO', 'PROBIT'] as const;
const ELEMENT = { float32: FLOAT, float64: DOUBLE, int64: INT64, int32: INT32 } as const;
type Dtype = keyof typeof ELEMENT;

function matrix(random: () => number, rows: number, width: number, dtype: Dtype, nanRate: number): Tensor {
  const values = Array.from({ length: rows * width }, () => awkwardFloat(random, 4, [0, 1, -1, 0.5], nanRate));
  const dims = [rows, width];
  switch (dtype) {
    case 'float32':
      return { dtype, data: Float32Array.from(values), dims };
    case 'float64':
      return { dtype, data: Float64Array.from(values, (v) => v * (1 + 1e-9)), dims };
    case 'int64':
      return {
        dtype,
        data: BigInt64Array.from(values, (v) => BigInt(Number.isFinite(v) ? Math.round(Math.max(-1e12, Math.min(1e12, v))) : 3)),
        dims,
      };
    case 'int32':
      return {
        dtype,
        data: Int32Array.from(values, (v) => (Number.isFinite(v) ? Math.round(Math.max(-1e6, Math.min(1e6, v))) : -2)),
        dims,
      };
  }
}

function weights(random: () => number, count: number): number[] {
  return Array.from({ length: count }, () => Math.fround((random() * 2 - 1) * (random() < 0.1 ? 10 : 1)));
}

describe('LinearClassifier', () => {
  interface Case {
    rows: number;
    classes: number;
    labels: number;
    strings: boolean;
    transform: string;
    features: number;
    dtype: Dtype;
    multiClass?: number;
  }
  const cases: [string, Case][] = [];
  for (const transform of TRANSFORMS) {
    for (const [classes, labels] of [
      [1, 2],
      [1, 1],
      [2, 2],
      [3, 3],
      [5, 5],
      [8, 8],
    ] as const) {
      cases.push([
        `${classes} coefficient row(s), ${labels} labels, ${transform}`,
        { rows: 1000, classes, labels, strings: false, transform, features: 7, dtype: 'float32' },
      ]);
    }
  }
  cases.push([
    'string labels, 3 classes',
    { rows: 1000, classes: 3, labels: 3, strings: true, transform: 'SOFTMAX', features: 7, dtype: 'float32' },
  ]);
  cases.push([
    'string labels, one row and two labels',
    { rows: 1000, classes: 1, labels: 2, strings: true, transform: 'LOGISTIC', features: 7, dtype: 'float32' },
  ]);
  cases.push([
    'one row and no labels',
    { rows: 1000, classes: 1, labels: 0, strings: false, transform: 'NONE', features: 7, dtype: 'float32' },
  ]);
  cases.push([
    'one row and no labels, PROBIT',
    { rows: 1000, classes: 1, labels: 0, strings: false, transform: 'PROBIT', features: 7, dtype: 'float32' },
  ]);
  cases.push([
    'multi_class = 1',
    { rows: 1000, classes: 3, labels: 3, strings: false, transform: 'LOGISTIC', features: 7, dtype: 'float32', multiClass: 1 },
  ]);
  for (const dtype of ['float64', 'int64', 'int32'] as const)
    cases.push([`${dtype} input`, { rows: 1000, classes: 3, labels: 3, strings: false, transform: 'SOFTMAX', features: 7, dtype }]);
  cases.push([
    '103 features (one SGEMM slice)',
    { rows: 1000, classes: 2, labels: 2, strings: false, transform: 'LOGISTIC', features: 103, dtype: 'float32' },
  ]);
  cases.push([
    '1,500 features (two SGEMM slices)',
    { rows: 1000, classes: 2, labels: 2, strings: false, transform: 'LOGISTIC', features: 1500, dtype: 'float32' },
  ]);
  cases.push([
    '300 features, 40 classes (slices of 512)',
    { rows: 300, classes: 40, labels: 40, strings: false, transform: 'NONE', features: 600, dtype: 'float32' },
  ]);
  // ORT switches to MLAS's softmax from 16,384 scores (3–4 classes) and 32,768 (2 classes).
  cases.push([
    'SOFTMAX over 6,000 rows of 3 classes (MLAS softmax)',
    { rows: 6000, classes: 3, labels: 3, strings: false, transform: 'SOFTMAX', features: 5, dtype: 'float32' },
  ]);
  cases.push([
    'SOFTMAX over 17,000 rows of 2 classes (MLAS softmax)',
    { rows: 17000, classes: 2, labels: 2, strings: false, transform: 'SOFTMAX', features: 5, dtype: 'float32' },
  ]);

  it.each(cases)('matches ONNX Runtime: %s', async (label, c) => {
    const random = prng([...label].reduce((h, ch) => (h * 33 + ch.charCodeAt(0)) >>> 0, 11));
    const labelAttr =
      c.labels === 0
        ? []
        : c.strings
          ? [
              attr.strings(
                'classlabels_strings',
                Array.from({ length: c.labels }, (_, i) => `c${i}`),
              ),
            ]
          : [
              attr.ints(
                'classlabels_ints',
                Array.from({ length: c.labels }, (_, i) => 3 * i + 1),
              ),
            ];
    const outputClasses = c.classes === 1 && c.labels === 2 ? 2 : c.classes;
    const bytes = graph({
      inputs: [tensorInfo('x', ELEMENT[c.dtype], ['N', c.features])],
      outputs: [tensorInfo('label', c.strings ? STRING : INT64, ['N']), tensorInfo('scores', FLOAT, ['N', outputClasses])],
      nodes: [
        node('LinearClassifier', ['x'], ['label', 'scores'], {
          ...ML,
          attributes: [
            attr.floats('coefficients', weights(random, c.classes * c.features)),
            attr.floats('intercepts', weights(random, c.classes)),
            ...labelAttr,
            attr.string('post_transform', c.transform),
            ...(c.multiClass !== undefined ? [attr.int('multi_class', c.multiClass)] : []),
          ],
        }),
      ],
    });
    if (c.classes === 1 && c.labels === 1) {
      // ONNX Runtime 1.30 rejects one coefficient row with one label.
      await expect(ort.createSession(bytes)).rejects.toThrow(/must have exactly 2 elements/);
      expect(compileOnnx(bytes)).toMatchObject({ ok: false, reason: expect.stringMatching(/has 1 labels for one coefficient row/) });
      return;
    }
    if (c.classes === 1 && c.labels === 2 && c.transform === 'PROBIT') {
      // ORT applies PROBIT to the first N of the 2N scores and leaves the rest as they were in memory.
      expect(compileOnnx(bytes)).toMatchObject({ ok: false, reason: expect.stringMatching(/leaves the second score column unwritten/) });
      return;
    }
    await expectParity(`LinearClassifier ${label}`, bytes, { x: matrix(random, c.rows, c.features, c.dtype, 0.03) });
  });
});

describe('LinearRegressor', () => {
  const cases: [string, { targets: number; intercepts: 'match' | 'none' | 'wrong count'; transform: string; features: number }][] = [];
  for (const transform of TRANSFORMS) {
    for (const targets of [1, 3])
      cases.push([`${targets} target(s), ${transform}`, { targets, intercepts: 'match', transform, features: 9 }]);
  }
  cases.push(['no intercepts', { targets: 2, intercepts: 'none', transform: 'NONE', features: 9 }]);
  cases.push(['intercepts of the wrong count (ignored by ORT)', { targets: 2, intercepts: 'wrong count', transform: 'NONE', features: 9 }]);
  cases.push(['1,500 features (two SGEMM slices)', { targets: 1, intercepts: 'match', transform: 'NONE', features: 1500 }]);

  it.each(cases)('matches ONNX Runtime: %s', async (label, c) => {
    const random = prng(label.length * 104729 + c.targets);
    const intercepts = c.intercepts === 'none' ? [] : weights(random, c.intercepts === 'match' ? c.targets : c.targets + 1);
    const bytes = graph({
      inputs: [tensorInfo('x', FLOAT, ['N', c.features])],
      outputs: [tensorInfo('y', FLOAT, ['N', c.targets])],
      nodes: [
        node('LinearRegressor', ['x'], ['y'], {
          ...ML,
          attributes: [
            attr.floats('coefficients', weights(random, c.targets * c.features)),
            ...(intercepts.length ? [attr.floats('intercepts', intercepts)] : []),
            attr.int('targets', c.targets),
            attr.string('post_transform', c.transform),
          ],
        }),
      ],
    });
    await expectParity(`LinearRegressor ${label}`, bytes, { x: matrix(random, 1000, c.features, 'float32', 0.03) });
  });
});
