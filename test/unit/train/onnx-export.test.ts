import { describe, expect, it } from 'vitest';
import type { Ensemble } from '../../../cli/train/gbdt/boost.ts';
import { sigmoid } from '../../../cli/train/logistic.ts';
import { treeEnsembleGraph } from '../../../cli/train/onnx/tree-ensemble-graph.ts';
import { runOnnx } from '../../../cli/train/ort-runner.ts';
import { compareScores } from '../../../cli/train/parity.ts';

const names = { graphName: 'test', inputName: 'input', producerVersion: 'test' };

describe('ONNX export', () => {
  it('exports a binary ensemble whose ONNX probabilities are [1 - σ(F), σ(F)], base margin included', async () => {
    // One split on column 0 at 0.5: leaves +1 (left) and -2 (right); base margin 0.25.
    const ensemble: Ensemble = {
      loss: 'log_loss',
      width: 2,
      base: 0.25,
      trees: [
        { feature: [0, -1, -1], threshold: [0.5, 0, 0], splitBin: [0, 0, 0], left: [1, 0, 0], right: [2, 0, 0], value: [0, 1, -2] },
        { feature: [-1], threshold: [0], splitBin: [0], left: [0], right: [0], value: [0.5] },
      ],
    };
    const x = Float32Array.of(0, 9, 0.5, 9, 0.75, 9);
    const out = await runOnnx(treeEnsembleGraph(names, ensemble), { inputName: 'input', outputName: 'probabilities' }, x, 3, 2);
    const margins = [0.25 + 1 + 0.5, 0.25 + 1 + 0.5, 0.25 - 2 + 0.5];
    margins.forEach((f, r) => {
      expect(out[2 * r + 1]).toBeCloseTo(sigmoid(f), 6);
      expect(out[2 * r]).toBeCloseTo(1 - sigmoid(f), 6);
    });
  });

  it('exports a regression ensemble that adds the base value', async () => {
    const ensemble: Ensemble = {
      loss: 'squared_error',
      width: 1,
      base: 100,
      trees: [{ feature: [0, -1, -1], threshold: [2, 0, 0], splitBin: [0, 0, 0], left: [1, 0, 0], right: [2, 0, 0], value: [0, -10, 10] }],
    };
    const out = await runOnnx(
      treeEnsembleGraph(names, ensemble),
      { inputName: 'input', outputName: 'variable' },
      Float32Array.of(2, 2.5),
      2,
      1,
    );
    expect(Array.from(out)).toEqual([90, 110]);
  });

  it('flags an export whose scores drift from the trained model', () => {
    expect(compareScores(Float64Array.of(100, 200), Float64Array.of(100.001, 200))).toMatchObject({ ok: true });
    expect(compareScores(Float64Array.of(0.2, 0.9), Float64Array.of(0.8, 0.9))).toMatchObject({ ok: false });
    expect(compareScores(Float64Array.of(1), Float64Array.of(NaN))).toMatchObject({ ok: false });
  });
});
