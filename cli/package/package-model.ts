/**
 * Turns an ONNX export and rows of its data into a Vigil model package: reads the graph, removes ZipMap
 * outputs, maps inputs to CSV columns and features, runs every row through the same ONNX Runtime Web build
 * and the same encode/decode path the Worker serves with, and writes what the monitors and the QA gate need
 * (training statistics, golden examples, offline metrics, each feature's permutation importance and cost,
 * conversion parity) into the manifest.
 *
 * Pure apart from the model runtime it is given: no files, no clock, and only seeded randomness (the
 * importance shuffles), so the same inputs give byte-identical outputs, and it runs in Node (`vigil package`)
 * and in the Worker's tests alike.
 *
 * @example
 * const pkg = await packageModel({ onnx: { file: 'model.onnx', bytes }, data: { file: 'data.csv', bytes: csv },
 *   name: 'titanic', version: '1', trainedAt: '2026-12-01T00:00:00Z', codeVersion: 'vigil-package 0.1.0',
 *   matrixFeatures: {}, spec, runtime });
 */
import { compileModel, runRows, type RunnableManifest } from '../../src/inference/model-runner.ts';
import type { ModelRuntime, ModelSession } from '../../src/inference/model-runtime.ts';
import type { ClassificationPrediction, Prediction } from '../../src/model/decode.ts';
import { compileTensorEncoder } from '../../src/model/encoding.ts';
import { compileValidator, FieldErrors, type FeatureSchemaSpec, type Row } from '../../src/model/instance-validator.ts';
import {
  MODEL_NAME_PATTERN,
  parseManifest,
  VERSION_PATTERN,
  type ConversionParity,
  type ManifestInput,
  type Origin,
  type Task,
} from '../../src/model/manifest.ts';
import type { OutputTensor } from '../../src/model/tensor.ts';
import { sha256Hex } from '../../src/registry/artifact.ts';
import { explainLoadError } from '../../src/registry/qa-gate.ts';
import { parseCsv, type CsvTable } from '../lib/csv.ts';
import { readOnnxModel, type OnnxModel } from '../onnx/read-model.ts';
import { removeZipMaps } from '../onnx/remove-zipmap.ts';
import { labelFrequencies, sliceDefinitions } from '../train/evaluate.ts';
import { categoricalDistribution, numericDistribution } from '../train/feature-stats.ts';
import { chooseGoldenRows, goldenInstances } from '../train/golden.ts';
import { recordToInstance, type Instance } from '../train/instances.ts';
import type { FeatureAssessment } from '../train/feature-assessment.ts';
import { assessPackage } from './assess.ts';
import { conversionParity, packageMetrics, primaryMetricOf, readTargets, scoresOf } from './evaluate.ts';
import { estimatorName, frameworkName, labelsBehind } from './graph-facts.ts';
import { planInputs } from './inputs.ts';
import { planOutputs, type OutputPlan, type ProbedOutput } from './outputs.ts';
import { PackageError } from './package-error.ts';
import type { PackageSpec } from './spec.ts';

export interface PackageInput {
  onnx: { file: string; bytes: Uint8Array };
  data: { file: string; bytes: Uint8Array };
  name: string;
  version: string;
  /** When the model was trained, as far as anyone knows (the command defaults it to the ONNX file's mtime). */
  trainedAt: string;
  codeVersion: string;
  /** The label column: offline metrics are measured against it. */
  target?: string;
  /** `--features`: CSV columns of each matrix input ('' for the only one). */
  matrixFeatures: Record<string, string[]>;
  task?: Task;
  /** A column holding the source framework's own predictions, for conversion parity. */
  referenceColumn?: string;
  spec: PackageSpec;
  runtime: ModelRuntime;
}

export interface PackagedModel {
  /** model.onnx: the original bytes, or the graph without its ZipMaps. */
  modelBytes: Uint8Array;
  manifest: ManifestInput;
  /** What was done, line by line, for the command to print. */
  report: string[];
}

/** Rows per run when scoring the data (bounds the tensors' memory). */
const RUN_ROWS = 4096;
const PROBE_ROWS = 8;

export async function packageModel(input: PackageInput): Promise<PackagedModel> {
  if (!MODEL_NAME_PATTERN.test(input.name))
    throw new PackageError(`--name "${input.name}" must be lowercase letters, digits and dashes (at most 63)`);
  if (!VERSION_PATTERN.test(input.version)) throw new PackageError(`--version "${input.version}" must be a positive integer such as 1`);
  const { spec } = input;
  const report: string[] = [];

  const read = readOnnxModel(input.onnx.bytes);
  if (!read.ok) throw new PackageError(`${input.onnx.file}: ${read.message}`);
  const original = read.model;
  const rewritten = removeZipMaps(input.onnx.bytes, original);
  if (!rewritten.ok) throw new PackageError(`${input.onnx.file}: ${rewritten.message}`);
  const model = rewritten.model;
  report.push(
    `read     ${input.onnx.file}: ${original.producer}, opsets ${Object.entries(original.opsets)
      .map(([d, v]) => `${d || 'ai.onnx'} ${v}`)
      .join(', ')}`,
  );
  for (const r of rewritten.rewrites)
    report.push(`rewrite  removed ZipMap "${r.removed_output}": its input "${r.probabilities}" (the probability tensor) is now the output`);

  const csv = parseCsv(new TextDecoder().decode(input.data.bytes));
  if (!csv.ok) throw new PackageError(`${input.data.file} line ${csv.error.line}: ${csv.error.message}`);
  const table = csv.table;
  if (table.records.length === 0) throw new PackageError(`${input.data.file} has no data rows`);
  for (const [option, column] of [
    ['--target', input.target],
    ['--reference-column', input.referenceColumn],
  ] as const) {
    if (column !== undefined && !table.header.includes(column))
      throw new PackageError(`${option} "${column}" is not a column of ${input.data.file} (columns: ${table.header.join(', ')})`);
  }

  const reserved = [input.target, input.referenceColumn].filter((c): c is string => c !== undefined);
  const inputs = planInputs(model, table, { matrixFeatures: input.matrixFeatures, reserved }, spec, input.data.file);
  for (const note of inputs.notes) report.push(`input    ${note}`);
  if (inputs.unusedColumns.length) report.push(`ignored  columns no input reads: ${inputs.unusedColumns.join(', ')}`);
  const encoding = { inputs: inputs.inputs, ...(inputs.batchSize !== undefined ? { batch_size: inputs.batchSize } : {}) };
  const { instances, rows } = readRows(inputs.features, table, input.data.file);

  const session = await createSession(input.runtime, rewritten.bytes, input.onnx.file);
  const outputPlan = planOutputs(await probeOutputs(session, model, inputs.features, encoding, rows), {
    ...(rewritten.labels ? { zipMapLabels: rewritten.labels } : {}),
    labelsBehind: (output) => labelsBehind(model, output),
    spec,
    ...((input.task ?? spec.task) ? { task: input.task ?? spec.task } : {}),
  });
  for (const note of outputPlan.notes) report.push(`output   ${note}`);

  const output = {
    tensor: outputPlan.tensor,
    ...(outputPlan.labelTensor ? { label_tensor: outputPlan.labelTensor } : {}),
    ...(outputPlan.labels ? { labels: outputPlan.labels } : {}),
    ...(outputPlan.positiveLabel ? { positive_label: outputPlan.positiveLabel } : {}),
  };
  const draft: RunnableManifest = { features: inputs.features, encoding, task: outputPlan.task, output };
  const predictions = await predictAll(session, draft, rows, table, inputs.features);
  await session.release();
  report.push(`run      ${rows.length} rows of ${input.data.file} through ONNX Runtime Web (the Worker's build)`);

  const goldenRows = chooseGoldenRows(
    Uint32Array.from(rows.keys()),
    {
      features: inputs.features,
      rows,
      instances,
      ...(outputPlan.task === 'binary_classification'
        ? { classes: Float64Array.from(predictions, (p) => ((p as ClassificationPrediction).label === outputPlan.positiveLabel ? 1 : 0)) }
        : {}),
    },
    spec.golden_count,
  );
  if (rewritten.rewrites.length > 0)
    await checkRewrite(
      input.runtime,
      input.onnx,
      original,
      outputPlan,
      draft,
      goldenRows.map((r) => rows[r]!),
      goldenRows.map((r) => predictions[r]!),
    );

  const valuesOf = (feature: string) => {
    const i = inputs.features.findIndex((f) => f.name === feature);
    return rows.map((row) => row[i] ?? null);
  };
  const column = (name: string) => table.records.map((r) => r[name] ?? null);
  let metrics: ManifestInput['training']['metrics'] = { ...primaryMetricOf(outputPlan.task), overall: {}, slices: [] };
  let featureAssessment: FeatureAssessment | undefined;
  if (input.target !== undefined) {
    const targets = readTargets(outputPlan, column(input.target), table.recordLines, input.target, input.data.file);
    metrics = packageMetrics(
      outputPlan,
      predictions,
      targets,
      sliceDefinitions({ monitoring: spec.monitoring, features: inputs.features }),
      valuesOf,
    );
    report.push(
      `metrics  ${Object.entries(metrics.overall)
        .map(([k, v]) => `${k} ${formatMetric(v)}`)
        .join(' · ')} on ${rows.length} rows (target "${input.target}")`,
    );
    const assessed = await assessPackage({
      runtime: input.runtime,
      modelBytes: rewritten.bytes,
      draft,
      features: inputs.features,
      plan: outputPlan,
      rows,
      targets,
    });
    if (assessed.ok) {
      featureAssessment = assessed.assessment;
      const weak = featureAssessment.features.filter((f) => !f.beneficial).map((f) => f.name);
      report.push(
        `assess   permutation importance (${featureAssessment.metric}, ${featureAssessment.repeats} shuffles of ` +
          `${featureAssessment.rows} rows): ` +
          featureAssessment.features
            .map((f) => `${f.name} ${formatMetric(f.importance)}${f.beneficial ? '' : ' (not beneficial)'}`)
            .join(' · '),
      );
      if (weak.length > 0) report.push(`         not measurably helping on these rows: ${weak.join(', ')}`);
    } else {
      report.push(`assess   none: ${assessed.reason}`);
    }
  } else {
    report.push('metrics  none: no --target, so quality checks have no offline metric to compare with');
    report.push('assess   none: no --target, so there is no metric to measure feature importance with');
  }

  let parity: ConversionParity | undefined;
  if (input.referenceColumn !== undefined) {
    parity = conversionParity(
      outputPlan,
      predictions,
      column(input.referenceColumn),
      table.recordLines,
      input.referenceColumn,
      spec.conversion_tolerance,
      input.data.file,
    );
    const measured =
      parity.max_abs_diff !== null
        ? `max |onnx - reference| ${formatMetric(parity.max_abs_diff)}`
        : `${parity.label_mismatches} of ${parity.rows} labels differ`;
    report.push(
      `parity   against "${input.referenceColumn}": ${measured}` +
        (parityFails(parity) ? ' — OUTSIDE the tolerance: the QA gate will refuse this version' : ' (within tolerance)'),
    );
  }

  const decoderGolden = goldenInstances(goldenRows, { features: inputs.features, rows, instances });
  const encoder = compileTensorEncoder(draft);
  const golden = goldenRows.map((r, k) => ({
    instance: decoderGolden[k]!,
    encoded: encoder.encodeExample(rows[r]!),
    expected: predictions[r]!,
  }));
  report.push(`golden   ${golden.length} examples with their outputs`);

  const scores = Array.from(scoresOf(outputPlan, predictions));
  const outputTraining = {
    ...numericDistribution(scores)!,
    ...(outputPlan.labels ? { label_frequencies: labelFrequencies(predictions as ClassificationPrediction[], outputPlan.labels) } : {}),
  };
  const modelBytes = rewritten.bytes;
  const origin: Origin = {
    file: input.onnx.file,
    sha256: await sha256Hex(input.onnx.bytes),
    bytes: input.onnx.bytes.byteLength,
    producer: original.producer,
    opsets: original.opsets,
    rewrites: rewritten.rewrites,
    ...(parity ? { conversion_parity: parity } : {}),
  };
  const manifest: ManifestInput = {
    schema_version: 1,
    name: input.name,
    version: input.version,
    task: outputPlan.task,
    stage: spec.stage,
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    artifact: { file: 'model.onnx', format: 'onnx', sha256: await sha256Hex(modelBytes), bytes: modelBytes.byteLength },
    features: inputs.features.map((f, i) => {
      const values = rows.map((row) => row[i] ?? null);
      const training =
        f.type === 'number' || f.type === 'integer'
          ? (numericDistribution(values as (number | null)[]) ?? emptyNumeric(values.length))
          : categoricalDistribution(values, f.type === 'boolean' ? ['false', 'true'] : (f.categories ?? []));
      return { ...f, training };
    }),
    encoding,
    output: { ...output, training: outputTraining },
    training: {
      trained_at: input.trainedAt,
      dataset: {
        file: input.data.file,
        sha256: await sha256Hex(input.data.bytes),
        rows: rows.length,
        ...(input.target !== undefined ? { target: input.target } : {}),
      },
      algorithm: spec.algorithm ?? estimatorName(original),
      framework: spec.framework ?? frameworkName(original.producer),
      hyperparameters: spec.hyperparameters,
      code_version: input.codeVersion,
      metrics,
      ...(featureAssessment ? { feature_assessment: featureAssessment } : {}),
    },
    golden,
    golden_tolerance: spec.golden_tolerance,
    monitoring: spec.monitoring,
    ...(Object.keys(spec.declarations).length > 0 ? { declarations: spec.declarations } : {}),
    origin,
  };
  const checked = parseManifest(manifest);
  if (!checked.ok)
    throw new Error(
      `the manifest packaging built is invalid (a Vigil bug): ${checked.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    );
  return { modelBytes, manifest, report };
}

/** The CSV records as client instances, validated by the shared validator; errors name the line and column. */
function readRows(features: readonly FeatureSchemaSpec[], table: CsvTable, file: string): { instances: Instance[]; rows: Row[] } {
  const validator = compileValidator({ features });
  const instances: Instance[] = [];
  const rows: Row[] = [];
  table.records.forEach((record, r) => {
    const where = `${file} line ${table.recordLines[r]}`;
    const converted = recordToInstance(features, record);
    if (!converted.ok)
      throw new PackageError(
        `${where}, column "${converted.column}": ${converted.message} (${describeFeature(features, converted.column)})`,
      );
    const errors = new FieldErrors();
    const row = validator.validate(converted.instance, r, errors);
    if (!row) {
      const e = errors.list[0]!;
      throw new PackageError(`${where}, column "${e.field}": ${e.message}`);
    }
    instances.push(converted.instance);
    rows.push(row);
  });
  return { instances, rows };
}

function describeFeature(features: readonly FeatureSchemaSpec[], name: string): string {
  const f = features.find((x) => x.name === name);
  return f
    ? 'the input takes ' +
        `${f.type === 'number' ? 'numbers' : f.type === 'integer' ? 'integers' : f.type === 'boolean' ? 'true/false' : 'strings'}`
    : 'unknown column';
}

async function createSession(runtime: ModelRuntime, bytes: Uint8Array, file: string): Promise<ModelSession> {
  try {
    return await runtime.createSession(bytes);
  } catch (error) {
    throw new PackageError(
      `${file} does not load in ONNX Runtime Web: ${explainLoadError(error instanceof Error ? error.message : String(error))}`,
    );
  }
}

type Draft = RunnableManifest;

/** Runs the first rows, fetching every tensor output, to learn each output's element type and width. */
async function probeOutputs(
  session: ModelSession,
  model: OnnxModel,
  features: readonly FeatureSchemaSpec[],
  encoding: Draft['encoding'],
  rows: readonly Row[],
): Promise<ProbedOutput[]> {
  const batch = 'inputs' in encoding && encoding.batch_size !== undefined ? encoding.batch_size : Math.min(rows.length, PROBE_ROWS);
  const probeRows = Array.from({ length: batch }, (_, i) => rows[Math.min(i, rows.length - 1)]!);
  const names = model.outputs.filter((o) => o.kind === 'tensor').map((o) => o.name);
  const nonTensor = model.outputs.filter((o) => o.kind !== 'tensor');
  if (nonTensor.length > 0)
    throw new PackageError(`output ${nonTensor.map((o) => `"${o.name}" is a ${o.describe}`).join(', ')}; Vigil serves tensor outputs only`);
  let outputs: Record<string, OutputTensor>;
  try {
    outputs = await session.run(compileTensorEncoder({ features, encoding }).encode(probeRows), names);
  } catch (error) {
    throw new PackageError(
      `running the model on the first rows failed: ${explainLoadError(error instanceof Error ? error.message : String(error))}`,
    );
  }
  return names.map((name) => {
    const t = outputs[name]!;
    const width = t.data.length / batch;
    return { name, type: t.type, width, describe: `${t.type} [N${t.dims.length > 1 ? `, ${t.dims.slice(1).join(', ')}` : ''}]` };
  });
}

/** Every row through the serving path; a row whose outputs are not finite is refused with its line. */
async function predictAll(
  session: ModelSession,
  draft: Draft,
  rows: readonly Row[],
  table: CsvTable,
  features: readonly FeatureSchemaSpec[],
): Promise<Prediction[]> {
  const model = compileModel(draft);
  const predictions: Prediction[] = [];
  for (let start = 0; start < rows.length; start += RUN_ROWS) {
    const chunk = rows.slice(start, start + RUN_ROWS);
    let outputs: Record<string, OutputTensor>;
    try {
      outputs = await runRows(session, model, chunk);
    } catch (error) {
      throw new PackageError(`running the model on the data failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    const values = outputs[draft.output.tensor]!.data as ArrayLike<number>;
    const width = model.decoder.outputWidth;
    for (let r = 0; r < chunk.length; r++) {
      for (let j = 0; j < width; j++) {
        if (!Number.isFinite(values[r * width + j]!)) {
          const row = chunk[r]!;
          const missing = features.filter((_, i) => row[i] === null).map((f) => f.name);
          throw new PackageError(
            `the model outputs ${values[r * width + j]} for line ${table.recordLines[start + r]}` +
              (missing.length
                ? `, where ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} empty: the graph does not ` +
                  `impute ${missing.length === 1 ? 'it' : 'them'}; fill the column or export the pipeline with its imputer`
                : ''),
          );
        }
      }
    }
    try {
      predictions.push(...model.decoder.decode(outputs, chunk.length));
    } catch (error) {
      throw new PackageError(`the model's outputs cannot be read: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return predictions;
}

/**
 * The rewritten graph must predict what the original does: the original's label output (a tensor ONNX Runtime
 * can return) is compared with the served labels on the golden rows.
 */
async function checkRewrite(
  runtime: ModelRuntime,
  onnx: PackageInput['onnx'],
  original: OnnxModel,
  plan: OutputPlan,
  draft: Draft,
  rows: readonly Row[],
  predictions: readonly Prediction[],
): Promise<void> {
  if (!plan.labelTensor || !original.outputs.some((o) => o.name === plan.labelTensor && o.kind === 'tensor')) return;
  const session = await createSession(runtime, onnx.bytes, onnx.file);
  try {
    const outputs = await runRows(session, compileModel(draft), rows, [plan.labelTensor]);
    const labels = outputs[plan.labelTensor]!.data as ArrayLike<unknown>;
    predictions.forEach((p, i) => {
      if (String(labels[i]) !== (p as ClassificationPrediction).label) {
        throw new Error(
          `the graph without ZipMap predicts ${(p as ClassificationPrediction).label} where the original predicts ` +
            `${String(labels[i])} (a Vigil bug)`,
        );
      }
    });
  } finally {
    await session.release();
  }
}

export function parityFails(p: ConversionParity): boolean {
  return (p.max_tolerance_ratio ?? 0) > 1 || (p.label_mismatch_rate ?? 0) > p.tolerance.label_mismatch_rate;
}

function emptyNumeric(count: number) {
  return { count, null_rate: 1, mean: 0, std: 0, min: 0, max: 0, bin_edges: [], bin_frequencies: [1] };
}

function formatMetric(v: number): string {
  return Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : Number(v.toPrecision(4)).toString();
}
