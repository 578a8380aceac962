/**
 * The model families the benchmark serves, and the request bodies it sends them: the golden instances of the
 * primary version's manifest, one per request or 100 per request (rotating through them). Pure apart from
 * `loadFamily`, which reads the manifest; unit-tested.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GoldenExample, GoldenTolerance } from './golden.ts';

export interface ModelFamily {
  /** The bundled model's name (models/<id>/), also the `--only` group that selects its scenarios. */
  id: string;
  primary: string;
  /** The version shadowing the primary on the full path (10 %), or null when the model has one version. */
  shadow: string | null;
  /** What kind of model it is, for the report. */
  kind: string;
}

/** california-housing first: the targets are measured on it, and it alone runs the soak and cold starts. */
export const MODEL_FAMILIES: readonly ModelFamily[] = [
  { id: 'california-housing', primary: '2', shadow: '1', kind: 'regression GBDT (Vigil-trained)' },
  { id: 'adult-income', primary: '2', shadow: '1', kind: 'binary GBDT classifier (Vigil-trained)' },
  { id: 'titanic', primary: '1', shadow: null, kind: 'scikit-learn pipeline with string inputs (sklearn-onnx, imported)' },
];

export const PRIMARY_FAMILY = MODEL_FAMILIES[0]!;

/** Instances per request of the batched scenarios. */
export const BATCH_INSTANCES = 100;

export interface LoadedFamily extends ModelFamily {
  golden: GoldenExample[];
  tolerance: GoldenTolerance;
  /** One golden instance per body, cycling through them. */
  singleBodies: string[];
  /** BATCH_INSTANCES instances per body, each body starting one golden instance further. */
  batchBodies: string[];
  /** Vigil's prediction route and the baselines' route for the primary version. */
  predictPath: string;
  baselinePath: string;
}

/** The request bodies for a list of golden instances: single-instance bodies and `batch`-instance bodies. */
export function requestBodies(
  instances: readonly Record<string, unknown>[],
  batch: number,
): { singleBodies: string[]; batchBodies: string[] } {
  if (instances.length === 0) throw new Error('no golden instances to build requests from');
  return {
    singleBodies: instances.map((instance) => JSON.stringify({ instances: [instance] })),
    batchBodies: instances.map((_, k) =>
      JSON.stringify({ instances: Array.from({ length: batch }, (__, i) => instances[(k + i) % instances.length]!) }),
    ),
  };
}

/** The manifest's golden tolerance; a manifest without one gets the manifest schema's default. */
export function toleranceOf(manifest: { golden_tolerance?: Partial<GoldenTolerance> }): GoldenTolerance {
  return { abs: manifest.golden_tolerance?.abs ?? 1e-6, rel: manifest.golden_tolerance?.rel ?? 1e-5 };
}

export function modelDir(root: string, family: Pick<ModelFamily, 'id'>, version: string): string {
  return join(root, 'models', family.id, version);
}

export function loadFamily(root: string, family: ModelFamily): LoadedFamily {
  const manifest = JSON.parse(readFileSync(join(modelDir(root, family, family.primary), 'manifest.json'), 'utf8')) as {
    golden: GoldenExample[];
    golden_tolerance?: Partial<GoldenTolerance>;
  };
  return {
    ...family,
    golden: manifest.golden,
    tolerance: toleranceOf(manifest),
    ...requestBodies(
      manifest.golden.map((g) => g.instance),
      BATCH_INSTANCES,
    ),
    predictPath: `/v1/models/${family.id}/predict`,
    baselinePath: `/${family.id}/${family.primary}`,
  };
}
