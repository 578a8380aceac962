import { describe, expect, it } from 'vitest';
import { readOnnxModel } from '../../../cli/onnx/read-model.ts';
import { PackageError } from '../../../cli/package/package-error.ts';
import type { ClassificationPrediction, RegressionPrediction } from '../../../src/model/decode.ts';
import {
  fixedBatchNetwork,
  imputingRegressor,
  labelsOnlyClassifier,
  matrixMulticlassWithZipMap,
  mixedInputsRegressor,
  twoFloatOutputs,
  type TestGraph,
} from '../../support/onnx-graphs.ts';
import { close, pack, parsed, qa, serve } from './package-helpers.ts';

function expectPredictions(
  actual: readonly (RegressionPrediction | ClassificationPrediction)[],
  graph: TestGraph,
  labels?: readonly string[],
): void {
  expect(actual).toHaveLength(graph.expected.length);
  graph.expected.forEach((e, i) => {
    const a = actual[i]!;
    if ('value' in e) {
      expect(close((a as RegressionPrediction).value, e.value, 1e-6), `row ${i}: ${JSON.stringify(a)} vs ${e.value}`).toBe(true);
      return;
    }
    const c = a as ClassificationPrediction;
    expect(c.label, `row ${i}`).toBe(e.label);
    labels!.forEach((l, j) => expect(close(c.probabilities[l]!, e.probabilities[j]!), `row ${i} P(${l})`).toBe(true));
  });
}

async function refusal(run: Promise<unknown>): Promise<string> {
  const error = await run.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PackageError);
  return (error as PackageError).message;
}

describe('vigil package on graphs shaped like real exports', () => {
  it(
    'maps int64, string, bool, double and int32 inputs of shape [N] and [N, 1] to typed features, ' + 'and serves them as the math says',
    async () => {
      const graph = mixedInputsRegressor();
      const pkg = await pack(graph.bytes, graph.csv);
      const m = parsed(pkg);
      expect(m.task).toBe('regression');
      expect(m.output).toMatchObject({ tensor: 'price ($)' });
      expect(m.output.label_tensor).toBeUndefined();
      expect(m.features.map((f) => [f.name, f.type, f.nullable])).toEqual([
        ['rooms', 'integer', false],
        ['city', 'category', false],
        ['garden', 'boolean', false],
        ['area', 'number', false],
        ['floor', 'integer', false],
      ]);
      expect(m.features.find((f) => f.name === 'city')!.categories).toEqual(['paris', 'lyon', 'nice']);
      expect(m.features.find((f) => f.name === 'floor')).toMatchObject({ min: -2147483648, max: 2147483647 });
      expect('inputs' in m.encoding && m.encoding.inputs.map((i) => [i.name, i.dtype, i.rank])).toEqual([
        ['rooms', 'int64', 1],
        ['city', 'string', 2],
        ['garden', 'bool', 1],
        ['area', 'float64', 2],
        ['floor', 'int32', 2],
      ]);
      expect(pkg.report.join('\n')).toContain('ignored  columns no input reads: notes');
      expect((await qa(pkg)).status).toBe('qa_passed');
      const instances = [
        { rooms: 3, city: 'paris', garden: true, area: 72.5, floor: 2 },
        { rooms: 1, city: 'lyon', garden: false, area: 31.25, floor: 0 },
        { rooms: 5, city: 'nice', garden: true, area: 140, floor: 4 },
        { rooms: 2, city: 'paris', garden: false, area: 48, floor: -1 },
        { rooms: 4, city: 'lyon', garden: true, area: 95.75, floor: 7 },
        [2, 'nice', false, 55, 3],
      ];
      expectPredictions(await serve(pkg, instances), graph);
    },
  );

  it('refuses values the input dtype cannot hold, naming the line and column', async () => {
    const graph = mixedInputsRegressor();
    expect(await refusal(pack(graph.bytes, graph.csv.replace('\n3,paris', '\n3.5,paris')))).toMatch(
      /^data\.csv line 2, column "rooms": "rooms" must be an integer, got 3\.5/,
    );
    expect(await refusal(pack(graph.bytes, graph.csv.replace('\n3,paris,true', '\n3,paris,maybe')))).toMatch(
      /^data\.csv line 2, column "garden": "maybe" is not true\/false\/1\/0/,
    );
    expect(await refusal(pack(graph.bytes, graph.csv.replace(',2,"row 0', ',3000000000,"row 0')))).toMatch(
      /column "floor": "floor" is 3000000000; it must be between -2147483648 and 2147483647/,
    );
    expect(await refusal(pack(graph.bytes, graph.csv.replace('\n3,paris', '\n3,')))).toMatch(
      /column "city" is empty on 1 rows, and input "city" is a string tensor, which cannot hold a missing value/,
    );
  });

  it('feeds a missing category as the spec says a string tensor takes it', async () => {
    const graph = mixedInputsRegressor();
    const pkg = await pack(graph.bytes, graph.csv.replace('\n3,paris', '\n3,'), { spec: { features: { city: { impute: 'unknown' } } } });
    const m = parsed(pkg);
    expect(m.features.find((f) => f.name === 'city')).toMatchObject({ nullable: true });
    const [withNull] = await serve(pkg, [{ rooms: 3, city: null, garden: true, area: 72.5, floor: 2 }]);
    // The graph reads "unknown", no city it knows: its one-hot columns are all zero.
    expect(close((withNull as RegressionPrediction).value, 100 + 12.5 * 3 + 4.25 + 0.75 * 72.5 - 1.5 * 2, 1e-6)).toBe(true);
  });

  it('removes a ZipMap with string labels from a multiclass classifier over a matrix input in --features order', async () => {
    const graph = matrixMulticlassWithZipMap();
    const pkg = await pack(graph.bytes, graph.csv, { matrixFeatures: { '': ['a', 'b', 'c'] }, target: 'species' });
    const m = parsed(pkg);
    expect(m).toMatchObject({
      task: 'multiclass_classification',
      output: { tensor: 'probability_tensor', label_tensor: 'output_label', labels: ['setosa', 'versicolor', 'virginica'] },
    });
    expect(m.output.positive_label).toBeUndefined();
    expect(m.origin!.rewrites).toEqual([
      { kind: 'remove_zipmap', removed_output: 'output_probability', probabilities: 'probability_tensor' },
    ]);
    const rewritten = readOnnxModel(pkg.modelBytes);
    expect(rewritten.ok && rewritten.model.outputs.map((o) => [o.name, o.kind])).toEqual([
      ['output_label', 'tensor'],
      ['probability_tensor', 'tensor'],
    ]);
    expect(m.training.metrics.primary).toBe('accuracy');
    expect(m.training.metrics.classes!.map((c) => c.label)).toEqual(['setosa', 'versicolor', 'virginica']);
    expect((await qa(pkg)).status).toBe('qa_passed');
    const rows = graph.csv
      .split('\n')
      .slice(1)
      .map((line) => line.split(',').slice(0, 3).map(Number));
    expectPredictions(
      await serve(
        pkg,
        rows.map(([a, b, c]) => ({ a, b, c })),
      ),
      graph,
      m.output.labels,
    );
  });

  it('needs --features for a matrix input, with as many columns as the input takes', async () => {
    const graph = matrixMulticlassWithZipMap();
    expect(await refusal(pack(graph.bytes, graph.csv))).toMatch(
      /input "X" is a matrix \(float32 \[N, 3\]\); say which CSV columns fill it, in order: --features <c1,c2,…>/,
    );
    expect(await refusal(pack(graph.bytes, graph.csv, { matrixFeatures: { '': ['a', 'b'] } }))).toContain(
      'input "X" takes 3 columns (float32 [N, 3]); --features names 2: a, b',
    );
    expect(await refusal(pack(graph.bytes, graph.csv, { matrixFeatures: { '': ['a', 'b', 'd'] } }))).toContain(
      '--features names column "d", which data.csv does not have',
    );
  });

  it('makes a float feature nullable when the graph imputes NaN, and serves null as the imputed value', async () => {
    const graph = imputingRegressor();
    const pkg = await pack(graph.bytes, graph.csv, { target: 'target' });
    const m = parsed(pkg);
    expect(m.features.map((f) => [f.name, f.nullable])).toEqual([
      ['x', true],
      ['y', true],
    ]);
    expect(pkg.report.some((l) => l.includes('nullable: the graph imputes NaN'))).toBe(true);
    expect((await qa(pkg)).status).toBe('qa_passed');
    const served = await serve(pkg, [
      { x: 1, y: 2 },
      { x: null, y: 4 },
      { x: 3, y: null },
      { x: null, y: null },
      { x: -2, y: 8 },
    ]);
    expectPredictions(served, graph);
  });

  it('refuses data with gaps the graph does not impute: the model would answer NaN', async () => {
    const graph = matrixMulticlassWithZipMap();
    const message = await refusal(
      pack(graph.bytes, graph.csv.replace('\n1,0.5,-1', '\n1,,-1'), { matrixFeatures: { '': ['a', 'b', 'c'] } }),
    );
    expect(message).toMatch(/the model outputs NaN for line 2, where b is empty: the graph does not impute it/);
  });

  it('serves a PyTorch-style network with a fixed batch of one, one row at a time, once --task says what it outputs', async () => {
    const graph = fixedBatchNetwork();
    const refused = await refusal(pack(graph.bytes, graph.csv, { matrixFeatures: { '': ['f0', 'f1'] } }));
    expect(refused).toContain('output "23" has 3 values per row and there is no label output');
    expect(refused).toContain('--task multiclass_classification');
    const pkg = await pack(graph.bytes, graph.csv, { matrixFeatures: { '': ['f0', 'f1'] }, task: 'multiclass_classification' });
    const m = parsed(pkg);
    expect('inputs' in m.encoding && m.encoding.batch_size).toBe(1);
    expect(m.output.labels).toEqual(['0', '1', '2']);
    expect(m.training.framework).toBe('PyTorch');
    expect((await qa(pkg)).status).toBe('qa_passed');
    const rows = graph.csv
      .split('\n')
      .slice(1)
      .map((line) => line.split(',').map(Number));
    expectPredictions(
      await serve(
        pkg,
        rows.map(([f0, f1]) => ({ f0, f1 })),
      ),
      graph,
      m.output.labels,
    );
  });

  it('takes the labels of an unlabelled network from the spec', async () => {
    const graph = fixedBatchNetwork();
    const pkg = await pack(graph.bytes, graph.csv, {
      matrixFeatures: { '': ['f0', 'f1'] },
      spec: { task: 'multiclass_classification', labels: ['low', 'mid', 'high'] },
    });
    expect(parsed(pkg).output.labels).toEqual(['low', 'mid', 'high']);
    const [first] = (await serve(pkg, [{ f0: 0.5, f1: 1 }])) as ClassificationPrediction[];
    expect(['low', 'mid', 'high'][Number((graph.expected[0] as { label: string }).label)]).toBe(first!.label);
  });

  it('refuses outputs it cannot map, saying what it found', async () => {
    const two = twoFloatOutputs();
    expect(await refusal(pack(two.bytes, two.csv, { matrixFeatures: { '': ['u', 'v'] } }))).toBe(
      'the graph has 2 float outputs ("head_a" float32 [N, 3], "head_b" float32 [N, 2]); say which one to serve with "output" in --spec',
    );
    expect(await refusal(pack(two.bytes, two.csv, { matrixFeatures: { '': ['u', 'v'] }, spec: { output: 'head_a' } }))).toMatch(
      /multi-output regression/,
    );
    const labelsOnly = labelsOnlyClassifier();
    expect(await refusal(pack(labelsOnly.bytes, labelsOnly.csv, { matrixFeatures: { '': ['a', 'b'] } }))).toMatch(
      /^the classifier outputs only labels \(the graph's outputs are "label" int64 \[N\]\); Vigil needs class probabilities/,
    );
  });

  it('refuses what is not an ONNX model', async () => {
    expect(await refusal(pack(new TextEncoder().encode('a,b\n1,2\n'), 'a,b\n1,2'))).toMatch(/^model\.onnx: it is not an ONNX model/);
  });
});
