import { describe, expect, it } from 'vitest';
import type { ClassificationPrediction, RegressionPrediction } from '../../src/model/decode.ts';
import { featureDatatype } from '../../src/api/oip-v2.ts';
import { bundledManifests, expectClose, makePrimary, postJson } from './helpers.ts';

describe('golden examples through every protocol', () => {
  it('bundles the four trained demo model versions and the imported titanic model', () => {
    expect(bundledManifests.map((m) => `${m.name}@${m.version}`).sort()).toEqual([
      'adult-income@1',
      'adult-income@2',
      'california-housing@1',
      'california-housing@2',
      'titanic@1',
    ]);
  });

  for (const manifest of bundledManifests) {
    const { name, version, golden } = manifest;
    const instances = golden.map((g) => g.instance);

    it(`${name}@${version}: POST /v2/models/${name}/versions/${version}/infer equals ONNX Runtime's offline output`, async () => {
      const inputs = manifest.features.map((f) => ({
        name: f.name,
        datatype: featureDatatype(f),
        shape: [instances.length],
        data: instances.map((i) => (i[f.name] === undefined ? null : i[f.name])),
      }));
      const res = await postJson(`/v2/models/${name}/versions/${version}/infer`, { id: 'golden', inputs });
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        model_name: string;
        model_version: string;
        id: string;
        outputs: { name: string; shape: number[]; data: (number | string)[] }[];
      };
      expect(body).toMatchObject({ model_name: name, model_version: version, id: 'golden' });
      golden.forEach((g, i) => {
        if ('value' in g.expected) {
          const value = body.outputs.find((o) => o.name === 'value')!;
          expect(value.shape).toEqual([instances.length]);
          expectClose(value.data[i] as number, g.expected.value);
        } else {
          const labels = manifest.output.labels!;
          const probabilities = body.outputs.find((o) => o.name === 'probabilities')!;
          expect(probabilities.shape).toEqual([instances.length, labels.length]);
          labels.forEach((label, j) =>
            expectClose(
              probabilities.data[i * labels.length + j] as number,
              (g.expected as ClassificationPrediction).probabilities[label]!,
            ),
          );
          expect(body.outputs.find((o) => o.name === 'label')!.data[i]).toBe(g.expected.label);
        }
      });
    });

    it(`${name}@${version}: POST /v1/models/${name}/predict and :predict (as primary) equal ONNX Runtime's offline output`, async () => {
      await makePrimary(name, version);
      const native = await postJson(`/v1/models/${name}/predict`, { instances });
      expect(native.status).toBe(200);
      expect(native.headers.get('x-model-version')).toBe(version);
      const nativeBody = (await native.json()) as {
        model: string;
        version: string;
        request_id: string;
        predictions: (RegressionPrediction | ClassificationPrediction)[];
      };
      expect(nativeBody).toMatchObject({ model: name, version });
      expect(native.headers.get('x-request-id')).toBe(nativeBody.request_id);

      const kserve = await postJson(`/v1/models/${name}:predict`, { instances });
      expect(kserve.status).toBe(200);
      const kserveBody = (await kserve.json()) as { predictions: (number | ClassificationPrediction)[] };

      golden.forEach((g, i) => {
        if ('value' in g.expected) {
          expectClose((nativeBody.predictions[i] as RegressionPrediction).value, g.expected.value);
          expectClose(kserveBody.predictions[i] as number, g.expected.value);
        } else {
          for (const p of [nativeBody.predictions[i], kserveBody.predictions[i]] as ClassificationPrediction[]) {
            expect(p.label).toBe(g.expected.label);
            for (const [label, prob] of Object.entries(g.expected.probabilities)) expectClose(p.probabilities[label]!, prob);
          }
        }
      });
    });
  }
});
