import { describe, expect, it } from 'vitest';
import { attr, encodeModel, FLOAT, INT64, node, tensorInfo } from '../../cli/onnx/proto.ts';
import { sha256Hex } from '../../src/registry/artifact.ts';
import { encodedWidth, type Encoding } from '../../src/model/manifest.ts';
import { adminJson, type ApiError } from './helpers.ts';
import { bundledPackage, pushPackage, type TestPackage } from './packages.ts';

const MODEL = 'adult-income';

/**
 * A binary classifier exported the way sklearn-onnx does by default: a tensor `label` and, through ZipMap,
 * `output_probability` as a sequence of maps, which ONNX Runtime Web cannot return.
 */
function zipMapClassifier(width: number): Uint8Array {
  const coefficients = new Array(2 * width).fill(0.01);
  return encodeModel({
    graphName: 'zipmap-classifier',
    producerVersion: 'test',
    usesMl: true,
    inputs: [tensorInfo('input', FLOAT, ['N', width])],
    outputs: [
      tensorInfo('output_label', INT64, ['N']),
      {
        name: 'output_probability',
        type: { sequenceType: { elemType: { mapType: { keyType: INT64, valueType: { tensorType: { elemType: FLOAT } } } } } },
      },
    ],
    nodes: [
      node('LinearClassifier', ['input'], ['output_label', 'probability_tensor'], {
        domain: 'ai.onnx.ml',
        attributes: [
          attr.ints('classlabels_ints', [0, 1]),
          attr.floats('coefficients', coefficients),
          attr.floats('intercepts', [0, 0]),
          attr.string('post_transform', 'SOFTMAX'),
        ],
      }),
      node('ZipMap', ['probability_tensor'], ['output_probability'], {
        domain: 'ai.onnx.ml',
        attributes: [attr.ints('classlabels_int64s', [0, 1])],
      }),
    ],
  });
}

async function zipMapPackage(version: string, outputTensor: string): Promise<TestPackage> {
  const pkg = bundledPackage(MODEL, '1', version);
  const encoding = pkg.manifest.encoding as Encoding & { input_name: string };
  const bytes = zipMapClassifier(encodedWidth(encoding));
  pkg.bytes = bytes;
  pkg.manifest.artifact = { ...pkg.manifest.artifact, sha256: await sha256Hex(bytes), bytes: bytes.byteLength };
  (pkg.manifest.output as { tensor: string }).tensor = outputTensor;
  encoding.input_name = 'input';
  return pkg;
}

describe('PUT /admin/models/{model}/versions/{version} with a ZipMap classifier', () => {
  it('refuses it (422 qa_failed) saying to export it with ZipMap disabled, when the manifest reads the ZipMap output', async () => {
    const res = await pushPackage<ApiError>(await zipMapPackage('3', 'output_probability'));
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('qa_failed');
    expect(res.body.error.message).toContain('ZipMap');
    expect(res.body.error.message).toContain('export it with ZipMap disabled');
  });

  it('refuses it (422 qa_failed) saying to export it with ZipMap disabled, when the manifest names a tensor the model lacks', async () => {
    const res = await pushPackage<ApiError>(await zipMapPackage('4', 'probabilities'));
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('qa_failed');
    expect(res.body.error.message).toContain('signature');
    expect(res.body.error.message).toContain('ZipMap disabled');
  });

  it('never lets such a version serve', async () => {
    const res = await adminJson<ApiError>('POST', `/models/${MODEL}/deployment`, { action: 'promote', version: '3' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('version_not_servable');
    expect(res.body.error.message).toContain('ZipMap');
  });
});
