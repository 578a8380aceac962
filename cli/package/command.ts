/**
 * `vigil package`: turns an ONNX export (scikit-learn via sklearn-onnx, XGBoost or LightGBM via onnxmltools,
 * PyTorch via torch.onnx) and rows of its data into a model package Vigil can push, gate and serve.
 *
 * @example
 * // npx vigil package ../shared/byom/pipeline_titanic.onnx --data ../shared/byom/small_titanic.csv \
 * //   --name titanic --version 1 --target survived --out models/titanic/1
 * process.exitCode = await runPackage(process.argv.slice(3));
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { TaskSchema, type Task } from '../../src/model/manifest.ts';
import { VIGIL_VERSION } from '../../src/version.ts';
import { NodeOrtRuntime } from '../lib/ort-node-runtime.ts';
import { packageModel, parityFails } from './package-model.ts';
import { PackageError } from './package-error.ts';
import { parsePackageSpec, type PackageSpec } from './spec.ts';

export const PACKAGE_USAGE = `usage: vigil package <model.onnx> --data <file.csv> --name <model> --version <n> --out <dir> [options]

Reads an ONNX export and rows of its data (RFC 4180 CSV with a header) and writes <dir>/model.onnx and
<dir>/manifest.json: inputs mapped to columns, feature types and training statistics from the data, ZipMap
outputs removed, golden examples computed with the ONNX Runtime Web build the Worker runs. Push the result
with \`vigil push <dir>\`.

  --data <csv>                rows to describe the model with (training or evaluation data)
  --name <model>              model name (lowercase letters, digits, dashes)
  --version <n>               version number
  --out <dir>                 where to write the package (default models/<name>/<version>)
  --target <column>           the label column: offline metrics (MAE/RMSE/R², AUC/accuracy/log-loss,
                              per class and per slice) and each feature's permutation importance are
                              measured on the rows
  --features <c1,c2,…>        CSV columns of a matrix input ([N, k]), in the order the model takes them;
                              with several matrix inputs, once per input: --features <input>=<c1,c2,…>
  --task <task>               regression, binary_classification or multiclass_classification (default:
                              from the outputs)
  --spec <spec.json>          monitoring settings, slices, PII and protected attributes, feature bounds,
                              labels, tolerances (see README "Bring your own model")
  --reference-column <column> the source framework's own predictions (labels, values or the positive
                              class's probability): the QA gate checks the ONNX model against them
  --trained-at <iso>          when the model was trained (default: the ONNX file's modification time)
  --force                     overwrite an existing package in <dir>

Exit codes: 0 written; 2 the model, the data or the options cannot make a package (nothing is written).`;

const IsoDateTime = z.iso.datetime({ offset: true });

class UsageProblem extends Error {}

interface PackageArgs {
  onnxPath: string;
  dataPath: string;
  name: string;
  version: string;
  outDir: string;
  target?: string;
  referenceColumn?: string;
  matrixFeatures: Record<string, string[]>;
  task?: Task;
  specPath?: string;
  trainedAt?: string;
  force: boolean;
}

function parsePackageArgs(args: string[]): PackageArgs | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        data: { type: 'string' },
        name: { type: 'string' },
        version: { type: 'string' },
        out: { type: 'string' },
        target: { type: 'string' },
        features: { type: 'string', multiple: true },
        task: { type: 'string' },
        spec: { type: 'string' },
        'reference-column': { type: 'string' },
        'trained-at': { type: 'string' },
        force: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageProblem(`${(error as Error).message.split('\n')[0]} (see vigil package --help)`);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length !== 1)
    throw new UsageProblem(
      positionals.length === 0
        ? 'give the ONNX file: vigil package <model.onnx> --data <file.csv> …'
        : `one ONNX file at a time (got ${positionals.join(', ')})`,
    );
  for (const required of ['data', 'name', 'version'] as const) {
    if (values[required] === undefined) throw new UsageProblem(`--${required} is required (see vigil package --help)`);
  }
  let task: Task | undefined;
  if (values.task !== undefined) {
    const t = TaskSchema.safeParse(values.task);
    if (!t.success)
      throw new UsageProblem(`--task must be regression, binary_classification or multiclass_classification, got "${values.task}"`);
    task = t.data;
  }
  if (values['trained-at'] !== undefined && !IsoDateTime.safeParse(values['trained-at']).success) {
    throw new UsageProblem(`--trained-at must be an ISO date-time such as 2026-11-27T00:00:00Z, got "${values['trained-at']}"`);
  }
  const matrixFeatures: Record<string, string[]> = {};
  for (const option of values.features ?? []) {
    const eq = option.indexOf('=');
    const input = eq < 0 ? '' : option.slice(0, eq);
    const columns = (eq < 0 ? option : option.slice(eq + 1)).split(',').map((c) => c.trim());
    if (columns.some((c) => c === '')) throw new UsageProblem(`--features "${option}" has an empty column name`);
    if (input in matrixFeatures)
      throw new UsageProblem(
        input
          ? `--features gives input "${input}" twice`
          : '--features is given twice without an input name: write --features <input>=<c1,c2,…> for each matrix input',
      );
    matrixFeatures[input] = columns;
  }
  return {
    onnxPath: positionals[0]!,
    dataPath: values.data!,
    name: values.name!,
    version: values.version!,
    outDir: values.out ?? join('models', values.name!, values.version!),
    ...(values.target !== undefined ? { target: values.target } : {}),
    ...(values['reference-column'] !== undefined ? { referenceColumn: values['reference-column'] } : {}),
    matrixFeatures,
    ...(task ? { task } : {}),
    ...(values.spec !== undefined ? { specPath: values.spec } : {}),
    ...(values['trained-at'] !== undefined ? { trainedAt: values['trained-at'] } : {}),
    force: values.force ?? false,
  };
}

async function readInput(path: string, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PackageError(
      code === 'ENOENT' ? `${what} ${path} does not exist` : `cannot read ${what} ${path}: ${(error as Error).message}`,
    );
  }
}

async function readSpec(path: string | undefined): Promise<PackageSpec> {
  let raw: unknown = {};
  if (path !== undefined) {
    try {
      raw = JSON.parse(new TextDecoder().decode(await readInput(path, 'spec')));
    } catch (error) {
      if (error instanceof PackageError) throw error;
      throw new PackageError(`${path}: not valid JSON (${(error as Error).message})`);
    }
  }
  const parsed = parsePackageSpec(raw);
  if (!parsed.ok) throw new PackageError(`${path}: ${parsed.issues.join('; ')}`);
  return parsed.spec;
}

/** Exit codes: 0 written; 2 bad options or a model/data that cannot be packaged (nothing written). */
export async function runPackage(args: string[]): Promise<number> {
  let options: PackageArgs | 'help';
  try {
    options = parsePackageArgs(args);
  } catch (error) {
    if (!(error instanceof UsageProblem)) throw error;
    console.error(`vigil package: ${error.message}`);
    return 2;
  }
  if (options === 'help') {
    console.log(PACKAGE_USAGE);
    return 0;
  }
  try {
    const modelPath = join(options.outDir, 'model.onnx');
    const manifestPath = join(options.outDir, 'manifest.json');
    if (!options.force && (existsSync(modelPath) || existsSync(manifestPath))) {
      throw new PackageError(`${options.outDir} already holds a package; versions are immutable (pass --force to overwrite)`);
    }
    const [onnxBytes, dataBytes, spec] = await Promise.all([
      readInput(options.onnxPath, 'ONNX file'),
      readInput(options.dataPath, 'data file'),
      readSpec(options.specPath),
    ]);
    const trainedAt = options.trainedAt ?? new Date(Math.floor((await stat(options.onnxPath)).mtimeMs / 1000) * 1000).toISOString();
    const result = await packageModel({
      onnx: { file: basename(options.onnxPath), bytes: onnxBytes },
      data: { file: basename(options.dataPath), bytes: dataBytes },
      name: options.name,
      version: options.version,
      trainedAt,
      codeVersion: `vigil-package ${VIGIL_VERSION}`,
      ...(options.target !== undefined ? { target: options.target } : {}),
      ...(options.referenceColumn !== undefined ? { referenceColumn: options.referenceColumn } : {}),
      matrixFeatures: options.matrixFeatures,
      ...(options.task ? { task: options.task } : {}),
      spec,
      runtime: new NodeOrtRuntime(),
    });
    const manifestText = `${JSON.stringify(result.manifest, null, 2)}\n`;
    await mkdir(options.outDir, { recursive: true });
    await writeFile(modelPath, result.modelBytes);
    await writeFile(manifestPath, manifestText);
    for (const line of result.report) console.log(line);
    console.log(`wrote    ${modelPath} (${result.modelBytes.byteLength} bytes, sha256 ${result.manifest.artifact.sha256})`);
    console.log(`         ${manifestPath} (${result.manifest.task}, ${result.manifest.features.length} features, trained_at ${trainedAt})`);
    const parity = result.manifest.origin?.conversion_parity;
    console.log(
      parity && parityFails(parity)
        ? '\nthe conversion parity is outside its tolerance: the QA gate will refuse this version'
        : `\nnext: vigil push ${options.outDir}`,
    );
    return 0;
  } catch (error) {
    if (!(error instanceof PackageError)) throw error;
    console.error(`vigil package: ${error.message}`);
    return 2;
  }
}
