/**
 * Trains one model package end to end: spec + CSV → split → shared validation and encoding → the spec's
 * hyperparameter grid cross-validated on the training split (when it has one) → model → model.onnx → ONNX
 * Runtime on the holdout (parity with the in-memory model, metrics, output distribution, permutation
 * importance of every feature) and on the goldens → manifest.json checked by the shared schema. Nothing is
 * written unless all of it succeeds.
 *
 * @example
 * const outcome = await trainPackage({ dataPath: '../shared/datasets/adult-income.csv', modelName: 'adult-income',
 *   algorithm: 'gbdt', version: '2', seed: 42, specPath: 'models/adult-income/spec.json',
 *   outDir: 'models/adult-income/2', trainedAt: '2026-11-27T00:00:00Z', force: false });
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseCsv } from '../lib/csv.ts';
import { compileDecoder, type ClassificationPrediction } from '../../src/model/decode.ts';
import { compileEncoder } from '../../src/model/encoding.ts';
import type { Row } from '../../src/model/instance-validator.ts';
import { parseManifest, type ManifestInput } from '../../src/model/manifest.ts';
import { readLabeledDataset } from './dataset.ts';
import { planEncoding } from './encoding-plan.ts';
import { labelFrequencies, offlineMetrics, primaryMetric, primaryMetricOf, sliceDefinitions } from './evaluate.ts';
import { ASSESSMENT_REPEATS, assessFeatures, type FeatureAssessment } from './feature-assessment.ts';
import { numericDistribution } from './feature-stats.ts';
import { fitModel } from './fit-model.ts';
import { chooseGoldenRows, goldenInstances } from './golden.ts';
import { goldenExamples } from './golden-examples.ts';
import { describeCandidate } from './grid-search.ts';
import { buildManifest, featureTrainingStats } from './manifest-builder.ts';
import { PROBABILITIES_OUTPUT, REGRESSION_OUTPUT } from './onnx/linear-graph.ts';
import { openOnnx, runOnnx } from './ort-runner.ts';
import { compareScores, probabilitySumError } from './parity.ts';
import { parseTrainingSpec, specPositiveLabel } from './spec.ts';
import { splitRows } from './split.ts';
import { tuneHyperparameters } from './tuning.ts';

export interface TrainOptions {
  dataPath: string;
  modelName: string;
  algorithm: 'linear' | 'gbdt';
  version: string;
  seed: number;
  specPath: string;
  outDir: string;
  trainedAt: string;
  force: boolean;
  /** Defaults to "vigil-train <package.json version>". */
  codeVersion?: string;
  /** Progress lines while tuning and assessing (the command prints them). */
  progress?: (line: string) => void;
}

export interface TrainedPackage {
  manifest: ManifestInput;
  modelPath: string;
  manifestPath: string;
  modelBytes: number;
  manifestBytes: number;
  sha256: string;
  fitNote: string;
  trainSeconds: number;
  /** Cross-validating the grid, when the spec has one for the algorithm. */
  tuningSeconds: number;
  /** Permutation importance on the holdout. */
  assessmentSeconds: number;
  totalSeconds: number;
}

/** usage: the command line is wrong (exit 2); failure: the data, spec or model is (exit 1). */
export type TrainOutcome = { ok: true; result: TrainedPackage } | { ok: false; kind: 'usage' | 'failure'; errors: string[] };

const MIN_ROWS = 10;

export async function trainPackage(options: TrainOptions): Promise<TrainOutcome> {
  const started = performance.now();
  const usage = (message: string): TrainOutcome => ({ ok: false, kind: 'usage', errors: [message] });
  const failure = (errors: string[]): TrainOutcome => ({ ok: false, kind: 'failure', errors });
  const modelPath = join(options.outDir, 'model.onnx');
  const manifestPath = join(options.outDir, 'manifest.json');
  if (!options.force && (existsSync(modelPath) || existsSync(manifestPath))) {
    return usage(`${options.outDir} already holds a model version; versions are immutable (pass --force to overwrite)`);
  }
  if (!existsSync(options.specPath)) return usage(`no training spec at ${options.specPath} (pass --spec <path>)`);
  if (!existsSync(options.dataPath)) return usage(`no data file at ${options.dataPath}`);

  let specJson: unknown;
  try {
    specJson = JSON.parse(await readFile(options.specPath, 'utf8'));
  } catch (error) {
    return failure([`${options.specPath}: not valid JSON (${(error as Error).message})`]);
  }
  const specResult = parseTrainingSpec(specJson);
  if (!specResult.ok) return failure(specResult.issues.map((i) => `${options.specPath}: ${i}`));
  const spec = specResult.spec;

  const dataBytes = await readFile(options.dataPath);
  const file = basename(options.dataPath);
  const csv = parseCsv(dataBytes.toString('utf8'));
  if (!csv.ok) return failure([`${file} line ${csv.error.line}: ${csv.error.message}`]);
  const read = readLabeledDataset(spec, csv.table, file);
  if (!read.ok) return failure(read.errors);
  const dataset = read.dataset;
  if (dataset.rows.length < MIN_ROWS) return failure([`${file}: has ${dataset.rows.length} rows; training needs at least ${MIN_ROWS}`]);

  const split = splitRows(dataset.rows.length, spec.holdout_fraction, options.seed);
  const trainRows = Array.from(split.train, (i) => dataset.rows[i]!);
  const holdoutRows = Array.from(split.holdout, (i) => dataset.rows[i]!);
  const plan = planEncoding(dataset.features, trainRows);
  if (!plan.ok) return failure(plan.errors);
  const encoder = compileEncoder({ features: dataset.features, encoding: plan.encoding });
  const width = encoder.width;
  const xTrain = encoder.encode(trainRows);
  const yTrain = Float64Array.from(split.train, (i) => dataset.targets[i]!);

  const progress = options.progress ?? (() => {});
  const tuningStarted = performance.now();
  const grid = spec.tuning?.[options.algorithm];
  if (grid)
    progress(
      `tuning   ${options.algorithm}: ${Object.values(grid.grid).reduce((n, v) => n * v.length, 1)} candidates × ` +
        `${grid.folds} folds of the ${trainRows.length} training rows`,
    );
  const tuned = tuneHyperparameters({
    spec,
    algorithm: options.algorithm,
    features: dataset.features,
    rows: trainRows,
    targets: yTrain,
    seed: options.seed,
    onCandidate: (i, c, seconds) =>
      progress(
        `tuning   [${i + 1}] ${describeCandidate(c.hyperparameters)}: ${primaryMetricOf(spec.task).primary} ` +
          `${formatNumber(c.mean)} ± ${formatNumber(c.std)} (${seconds.toFixed(1)} s)`,
      ),
  });
  if (!tuned.ok) return failure([tuned.error]);
  const tuningSeconds = (performance.now() - tuningStarted) / 1000;

  const fitStarted = performance.now();
  const fit = fitModel(tuned.choice, spec.task, xTrain, trainRows.length, width, yTrain, options.seed);
  if (!fit.ok) return failure([fit.error]);
  const model = fit.model;
  const trainSeconds = (performance.now() - fitStarted) / 1000;

  const codeVersion = options.codeVersion ?? defaultCodeVersion();
  const onnxBytes = model.toOnnx({ graphName: options.modelName, inputName: plan.encoding.input_name, producerVersion: codeVersion });
  const regression = spec.task === 'regression';
  const outputTensor = regression ? REGRESSION_OUTPUT : PROBABILITIES_OUTPUT;
  const positive = specPositiveLabel(spec)!;
  const labels: [string, string] | undefined = regression ? undefined : [spec.labels!.find((l) => l !== positive)!, positive];
  const decoder = compileDecoder({ task: spec.task, output: { tensor: outputTensor, labels, positive_label: positive } });
  const ortNames = { inputName: plan.encoding.input_name, outputName: outputTensor };

  // The holdout through ONNX Runtime: what the artifact really computes.
  const xHoldout = encoder.encode(holdoutRows);
  const ortHoldout = await runOnnx(onnxBytes, ortNames, xHoldout, holdoutRows.length, width);
  const ortScores = regression
    ? Float64Array.from(ortHoldout)
    : Float64Array.from({ length: holdoutRows.length }, (_, r) => ortHoldout[2 * r + 1]!);
  const parity = compareScores(model.score(xHoldout, holdoutRows.length), ortScores);
  if (!parity.ok) return failure([`the exported model disagrees with the trained one: ${parity.message}; the ONNX export is wrong`]);
  if (!regression) {
    const sumError = probabilitySumError(ortHoldout, holdoutRows.length);
    if (sumError > 1e-5) return failure([`exported probabilities do not sum to 1 (off by up to ${sumError})`]);
  }

  const holdoutTargets = Float64Array.from(split.holdout, (i) => dataset.targets[i]!);
  const featureIndex = new Map(dataset.features.map((f, i) => [f.name, i]));
  const metrics = offlineMetrics(spec.task, holdoutTargets, ortScores, sliceDefinitions(spec), (name) =>
    holdoutRows.map((row) => row[featureIndex.get(name)!] ?? null),
  );
  const holdoutPredictions = decoder.decodeValues(ortHoldout, holdoutRows.length);
  const outputTraining = {
    ...numericDistribution(Array.from(ortScores))!,
    ...(labels ? { label_frequencies: labelFrequencies(holdoutPredictions as ClassificationPrediction[], labels) } : {}),
  };

  // Permutation importance: each feature's holdout values shuffled, re-encoded and run through ONNX Runtime as above.
  const assessmentStarted = performance.now();
  let featureAssessment: FeatureAssessment | undefined;
  if (metrics.overall[metrics.primary] !== undefined) {
    progress(
      `assess   permutation importance: ${dataset.features.length} features × ${ASSESSMENT_REPEATS} shuffles of the ` +
        `${holdoutRows.length} holdout rows`,
    );
    const runner = await openOnnx(onnxBytes, ortNames, width);
    try {
      featureAssessment = await assessFeatures({
        features: dataset.features,
        nullRates: featureTrainingStats(dataset.features, trainRows).map((s) => s.null_rate),
        encoding: plan.encoding,
        rows: holdoutRows,
        repeats: ASSESSMENT_REPEATS,
        seed: options.seed,
        metric: metrics.primary,
        higherIsBetter: metrics.higher_is_better,
        metricOf: async (rows: readonly Row[]) => {
          const out = await runner.run(encoder.encode(rows), rows.length);
          const scores = regression ? Float64Array.from(out) : Float64Array.from({ length: rows.length }, (_, r) => out[2 * r + 1]!);
          return primaryMetric(spec.task, holdoutTargets, scores) ?? Number.NaN;
        },
        onFeature: (name, f) =>
          progress(
            `assess   ${name}: ${formatNumber(f.importance)} ± ${formatNumber(f.std_error)}${f.beneficial ? '' : '  (not beneficial)'}`,
          ),
      });
    } finally {
      await runner.release();
    }
  }
  const assessmentSeconds = (performance.now() - assessmentStarted) / 1000;

  const goldenSource = { ...dataset, ...(regression ? {} : { classes: dataset.targets }) };
  const goldenRows = chooseGoldenRows(split.holdout, goldenSource, spec.golden_count);
  const instances = goldenInstances(goldenRows, goldenSource);
  const golden = await goldenExamples(instances, dataset.features, plan.encoding, onnxBytes, ortNames, decoder);
  if (!golden.ok) return failure(golden.errors);

  const sha256 = createHash('sha256').update(onnxBytes).digest('hex');
  const manifest = buildManifest({
    spec,
    name: options.modelName,
    version: options.version,
    features: dataset.features,
    trainRows,
    encoding: plan.encoding,
    artifact: { sha256, bytes: onnxBytes.length },
    outputTensor,
    ...(labels ? { labels } : {}),
    outputTraining,
    trainedAt: options.trainedAt,
    dataset: { file, sha256: createHash('sha256').update(dataBytes).digest('hex'), rows: dataset.rows.length },
    split,
    seed: options.seed,
    algorithm: model.algorithm,
    hyperparameters: model.hyperparameters,
    codeVersion,
    metrics,
    ...(featureAssessment ? { featureAssessment } : {}),
    ...(tuned.tuning ? { tuning: tuned.tuning } : {}),
    golden: golden.examples,
  });
  const checked = parseManifest(manifest);
  if (!checked.ok)
    return failure(checked.issues.map((i) => `the manifest training built is invalid (a training bug): ${i.path}: ${i.message}`));

  const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
  await mkdir(options.outDir, { recursive: true });
  await writeFile(modelPath, onnxBytes);
  await writeFile(manifestPath, manifestText);
  return {
    ok: true,
    result: {
      manifest,
      modelPath,
      manifestPath,
      modelBytes: onnxBytes.length,
      manifestBytes: Buffer.byteLength(manifestText),
      sha256,
      fitNote: model.fitNote,
      trainSeconds,
      tuningSeconds,
      assessmentSeconds,
      totalSeconds: (performance.now() - started) / 1000,
    },
  };
}

function formatNumber(v: number): string {
  return Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : Number(v.toPrecision(3)).toString();
}

function defaultCodeVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return `vigil-train ${pkg.version}`;
}
