import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { attr, encodeModel, FLOAT, int64Tensor, node, STRING, tensorInfo } from '../../../cli/onnx/proto.ts';
import { MIXED, traceColumns } from '../../../src/explain/column-provenance.ts';
import { findEstimator } from '../../../src/explain/find-estimator.ts';
import { readOnnxGraph, type OnnxGraph } from '../../../src/explain/onnx-graph.ts';
import { parseManifest, type Manifest } from '../../../src/model/manifest.ts';

function titanic(): { manifest: Manifest; graph: OnnxGraph } {
  const root = new URL('../../../models/titanic/1/', import.meta.url);
  const parsed = parseManifest(JSON.parse(readFileSync(new URL('manifest.json', root), 'utf8')));
  const read = readOnnxGraph(new Uint8Array(readFileSync(new URL('model.onnx', root))));
  if (!parsed.ok || !read.ok) throw new Error('cannot read titanic/1');
  return { manifest: parsed.manifest, graph: read.graph };
}

const featureNames = (m: Manifest, features: Int32Array) => Array.from(features, (i) => m.features[i]?.name ?? String(i));

/** A manifest whose inputs are `inputs` (value columns of number features named after them). */
function perColumnManifest(
  inputs: { name: string; dtype: 'float32' | 'string'; features: string[] }[],
): Pick<Manifest, 'features' | 'encoding'> {
  return {
    features: inputs.flatMap((i) => i.features.map((name) => ({ name }))) as Manifest['features'],
    encoding: {
      inputs: inputs.map((i) => ({
        name: i.name,
        dtype: i.dtype,
        rank: 2 as const,
        columns: i.features.map((feature) => ({ transform: 'value' as const, feature })),
      })),
    },
  };
}

describe('tracing estimator columns back to features', () => {
  it('follows the titanic pipeline: Cast, Concat, Imputer, Scaler, OneHotEncoder, Reshape back to the five inputs', () => {
    const { manifest, graph } = titanic();
    const found = findEstimator(graph, 'probabilities');
    expect(found.ok && found.estimator).toMatchObject({
      kind: 'linear',
      input: 'transformed_column',
      width: 11,
      outputs: 2,
      transform: 'LOGISTIC → Normalizer',
    });
    const traced = traceColumns(graph, manifest, 'transformed_column');
    if (!traced.ok) throw new Error(traced.reason);
    expect(traced.columns.dims).toEqual([11]);
    expect(featureNames(manifest, traced.columns.features)).toEqual([
      'age',
      'fare',
      'embarked',
      'embarked',
      'embarked',
      'embarked',
      'sex',
      'sex',
      'pclass',
      'pclass',
      'pclass',
    ]);
  });

  it('marks columns several features feed as mixed, and refuses what it cannot follow', () => {
    const manifest = perColumnManifest([
      { name: 'x', dtype: 'float32', features: ['u', 'v'] },
      { name: 'y', dtype: 'float32', features: ['w'] },
    ]);
    const read = readOnnxGraph(
      encodeModel({
        graphName: 't',
        producerVersion: 'test',
        usesMl: true,
        inputs: [tensorInfo('x', FLOAT, ['N', 2]), tensorInfo('y', FLOAT, ['N', 1])],
        outputs: [tensorInfo('out', FLOAT, ['N', 2])],
        initializers: [int64Tensor('flat', [1], [-1]), int64Tensor('pick', [2], [1, 0])],
        nodes: [
          node('Normalizer', ['x'], ['normalized'], { domain: 'ai.onnx.ml', attributes: [attr.string('norm', 'L2')] }),
          node('Concat', ['normalized', 'y'], ['joined'], { attributes: [attr.int('axis', 1)] }),
          node('ArrayFeatureExtractor', ['joined', 'pick'], ['picked'], { domain: 'ai.onnx.ml' }),
          node('Reshape', ['x', 'flat'], ['rows_merged']),
          node('Softplus', ['x'], ['soft']),
          node('Add', ['x', 'y'], ['sum']),
        ],
      }),
    );
    if (!read.ok) throw new Error(read.reason);
    const g = read.graph;
    const joined = traceColumns(g, manifest, 'joined');
    expect(joined.ok && Array.from(joined.columns.features)).toEqual([MIXED, MIXED, 2]);
    const picked = traceColumns(g, manifest, 'picked');
    expect(picked.ok && Array.from(picked.columns.features)).toEqual([MIXED, MIXED]);
    expect(traceColumns(g, manifest, 'rows_merged')).toEqual({ ok: false, reason: expect.stringContaining('mixing rows') });
    expect(traceColumns(g, manifest, 'soft')).toEqual({
      ok: false,
      reason: 'node "soft" (Softplus) is not an operator the attribution can be traced through',
    });
    expect(traceColumns(g, manifest, 'sum')).toEqual({ ok: false, reason: 'node "sum" (Add) combines two tensors of different shapes' });
  });

  it('carries a string input through OneHotEncoder and Squeeze to one column per category', () => {
    const manifest = perColumnManifest([{ name: 'city', dtype: 'string', features: ['city'] }]);
    const read = readOnnxGraph(
      encodeModel({
        graphName: 't',
        producerVersion: 'test',
        usesMl: true,
        inputs: [tensorInfo('city', STRING, ['N', 1])],
        outputs: [tensorInfo('flat', FLOAT, ['N', 3])],
        initializers: [int64Tensor('axes', [1], [1])],
        nodes: [
          node('OneHotEncoder', ['city'], ['hot'], { domain: 'ai.onnx.ml', attributes: [attr.strings('cats_strings', ['a', 'b', 'c'])] }),
          node('Squeeze', ['hot', 'axes'], ['flat']),
        ],
      }),
    );
    if (!read.ok) throw new Error(read.reason);
    const traced = traceColumns(read.graph, manifest, 'flat');
    expect(traced.ok && { dims: traced.columns.dims, features: Array.from(traced.columns.features) }).toEqual({
      dims: [3],
      features: [0, 0, 0],
    });
  });
});
