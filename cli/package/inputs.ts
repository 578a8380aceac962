/**
 * Maps an ONNX graph's inputs to CSV columns and features: one feature per column of a per-column tensor
 * (`[N]` or `[N, 1]`, by input name) or of a matrix input (`[N, k]`, in the order `--features` gives). Feature
 * types follow the tensor's element type; categories come from the graph and the data; a float feature may be
 * missing when the data has gaps or the graph imputes it.
 *
 * @example
 * const plan = planInputs(model, table, { matrixFeatures: { X: ['sepal_length', 'sepal_width'] } }, spec);
 */
import { FeatureSchema, type EncodingColumn, type ModelInput } from '../../src/model/manifest.ts';
import type { FeatureSchemaSpec } from '../../src/model/instance-validator.ts';
import { INTEGER_DTYPE_RANGE, isFloatDtype, TENSOR_DTYPES, type TensorDtype } from '../../src/model/tensor.ts';
import type { CsvTable } from '../lib/csv.ts';
import type { OnnxModel, OnnxValue } from '../onnx/read-model.ts';
import { compareCodeUnits } from '../train/dataset.ts';
import { handlesMissing, stringCategories } from './graph-facts.ts';
import { PackageError } from './package-error.ts';
import type { PackageFeatureSpec, PackageSpec } from './spec.ts';

export interface InputPlan {
  features: FeatureSchemaSpec[];
  inputs: ModelInput[];
  /** The graph's fixed batch size, when its inputs have one. */
  batchSize?: number;
  /** CSV columns no input reads. */
  unusedColumns: string[];
  /** Per feature, how its type and missing values were decided (printed by the command). */
  notes: string[];
}

export interface InputOptions {
  /** `--features`: the CSV columns of each matrix input, in order. The key '' means "the only matrix input". */
  matrixFeatures: Record<string, string[]>;
  /** Columns that are not features even when an input has their name (the target, the reference column). */
  reserved: readonly string[];
}

const FEATURE_NAME = FeatureSchema.shape.name;

function featureType(dtype: TensorDtype): FeatureSchemaSpec['type'] {
  if (isFloatDtype(dtype)) return 'number';
  if (dtype === 'string') return 'category';
  if (dtype === 'bool') return 'boolean';
  return 'integer';
}

function isDynamic(dim: number | string | null | undefined): boolean {
  return dim === null || dim === undefined || typeof dim === 'string' || dim < 0;
}

interface InputShape {
  rank: 1 | 2;
  /** Columns of a rank-2 input when the graph fixes them. */
  columns?: number;
  batch?: number;
}

function inputShape(input: OnnxValue): InputShape {
  const dims = input.dims;
  if (!dims) throw new PackageError(`input "${input.name}" has no shape in the graph; export it with a shape ([N] , [N, 1] or [N, k])`);
  if (dims.length !== 1 && dims.length !== 2) {
    throw new PackageError(`input "${input.name}" is ${input.describe}; Vigil feeds tabular inputs of shape [N], [N, 1] or [N, k]`);
  }
  const batch = isDynamic(dims[0]) ? undefined : (dims[0] as number);
  if (dims.length === 1) return { rank: 1, ...(batch ? { batch } : {}) };
  return { rank: 2, ...(isDynamic(dims[1]) ? {} : { columns: dims[1] as number }), ...(batch ? { batch } : {}) };
}

export function planInputs(model: OnnxModel, table: CsvTable, options: InputOptions, spec: PackageSpec, file: string): InputPlan {
  const columns = new Set(table.header);
  const features: FeatureSchemaSpec[] = [];
  const inputs: ModelInput[] = [];
  const notes: string[] = [];
  const matrixInputs = model.inputs.filter((i) => {
    const shape = inputShape(i);
    return shape.rank === 2 && shape.columns !== 1;
  });
  const givenFor = (name: string): string[] | undefined =>
    options.matrixFeatures[name] ?? (matrixInputs.length === 1 ? options.matrixFeatures[''] : undefined);
  for (const key of Object.keys(options.matrixFeatures)) {
    if (key !== '' && !matrixInputs.some((i) => i.name === key)) {
      throw new PackageError(
        `--features names input "${key}", which is not a matrix input of the graph (matrix inputs: ` +
          `${matrixInputs.map((i) => i.name).join(', ') || 'none'})`,
      );
    }
  }
  if (options.matrixFeatures[''] && matrixInputs.length !== 1) {
    throw new PackageError(
      matrixInputs.length === 0
        ? '--features is for a matrix input ([N, k]); this graph takes one tensor per column ' +
            `(${model.inputs.map((i) => i.name).join(', ')}), matched to CSV columns by name`
        : `the graph has ${matrixInputs.length} matrix inputs (${matrixInputs.map((i) => i.name).join(', ')}); ` +
            'give each its columns: --features <input>=<c1,c2,…>',
    );
  }

  let batchSize: number | undefined;
  for (const input of model.inputs) {
    const dtype = input.elemType as TensorDtype;
    if (!(TENSOR_DTYPES as readonly string[]).includes(dtype)) {
      throw new PackageError(
        `input "${input.name}" is ${input.describe}; Vigil feeds float, double, int64, int32, string and bool tensors`,
      );
    }
    const shape = inputShape(input);
    if (shape.batch !== undefined) {
      if (batchSize !== undefined && batchSize !== shape.batch)
        throw new PackageError(`the graph's inputs have different fixed batch sizes (${batchSize} and ${shape.batch})`);
      batchSize = shape.batch;
    }
    const isMatrix = shape.rank === 2 && shape.columns !== 1;
    let names: string[];
    if (isMatrix) {
      const given = givenFor(input.name);
      if (!given) {
        throw new PackageError(
          `input "${input.name}" is a matrix (${input.describe}); say which CSV columns fill it, in order: ` +
            `--features ${matrixInputs.length > 1 ? `${input.name}=` : ''}<c1,c2,…>`,
        );
      }
      if (shape.columns !== undefined && given.length !== shape.columns) {
        throw new PackageError(
          `input "${input.name}" takes ${shape.columns} columns (${input.describe}); --features names ${given.length}: ${given.join(', ')}`,
        );
      }
      names = given;
    } else {
      names = [input.name];
    }
    for (const name of names) {
      if (!columns.has(name)) {
        throw new PackageError(
          isMatrix
            ? `--features names column "${name}", which ${file} does not have (columns: ${table.header.join(', ')})`
            : `input "${input.name}" (${input.describe}) has no matching column in ${file}; the columns are ${table.header.join(', ')}`,
        );
      }
      if (options.reserved.includes(name))
        throw new PackageError(`column "${name}" is the target or reference column; it cannot also be an input`);
      if (features.some((f) => f.name === name)) throw new PackageError(`column "${name}" feeds two inputs`);
      const valid = FEATURE_NAME.safeParse(name);
      if (!valid.success)
        throw new PackageError(
          `"${name}" cannot be a feature name: it ${valid.error.issues[0]!.message}; ` +
            'rename the column (and the input, for a per-column tensor)',
        );
    }
    const inputFeatures = names.map((name) => planFeature(model, input.name, dtype, name, table, spec.features[name] ?? {}, notes));
    features.push(...inputFeatures.map((p) => p.feature));
    inputs.push({
      name: input.name,
      dtype,
      rank: shape.rank,
      columns: inputFeatures.map(
        (p): EncodingColumn => ({ transform: 'value', feature: p.feature.name, ...(p.impute !== undefined ? { impute: p.impute } : {}) }),
      ),
    });
  }
  for (const name of Object.keys(spec.features)) {
    if (!features.some((f) => f.name === name))
      throw new PackageError(
        `--spec describes feature "${name}", which no input reads (features: ${features.map((f) => f.name).join(', ')})`,
      );
  }
  const used = new Set([...features.map((f) => f.name), ...options.reserved]);
  return {
    features,
    inputs,
    ...(batchSize !== undefined ? { batchSize } : {}),
    unusedColumns: table.header.filter((c) => !used.has(c)),
    notes,
  };
}

function planFeature(
  model: OnnxModel,
  inputName: string,
  dtype: TensorDtype,
  name: string,
  table: CsvTable,
  spec: PackageFeatureSpec,
  notes: string[],
): { feature: FeatureSchemaSpec; impute?: string | number | boolean } {
  const type = featureType(dtype);
  const missingTokens = new Set(spec.missing_values ?? []);
  const cells = table.records.map((r) => r[name] ?? null);
  const hasMissing = cells.some((c) => c === null || missingTokens.has(c));
  const feature: FeatureSchemaSpec = {
    name,
    type,
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    required: spec.required ?? true,
    nullable: false,
    missing_values: spec.missing_values ?? [],
    deprecated: spec.deprecated ?? false,
    ...(spec.pii !== undefined ? { pii: spec.pii } : {}),
  };
  const why: string[] = [];

  if (isFloatDtype(dtype)) {
    const graphImputes = handlesMissing(model, inputName);
    feature.nullable = spec.nullable ?? (hasMissing || graphImputes || spec.impute !== undefined);
    if (feature.nullable && spec.nullable === undefined) {
      why.push(
        spec.impute !== undefined
          ? `nullable: missing becomes ${spec.impute}`
          : graphImputes
            ? 'nullable: the graph imputes NaN'
            : 'nullable: the data has empty cells',
      );
    }
    if (spec.min !== undefined) feature.min = spec.min;
    if (spec.max !== undefined) feature.max = spec.max;
  } else {
    if (hasMissing && spec.impute === undefined && spec.nullable !== false) {
      throw new PackageError(
        `column "${name}" is empty on ${cells.filter((c) => c === null || missingTokens.has(c)).length} rows, and ` +
          `input "${inputName}" is a ${dtype} tensor, which cannot hold a missing value: ` +
          `fill the column, or give the value your pipeline uses for missing in --spec ("features": {"${name}": {"impute": …}})`,
      );
    }
    feature.nullable = spec.impute !== undefined ? (spec.nullable ?? hasMissing) : false;
    if (type === 'integer') {
      const range = INTEGER_DTYPE_RANGE[dtype as 'int32' | 'int64'];
      feature.min = Math.max(spec.min ?? range.min, range.min);
      feature.max = Math.min(spec.max ?? range.max, range.max);
    }
    if (type === 'category') {
      const fromGraph = stringCategories(model, inputName) ?? [];
      const fromData = [...new Set(cells.filter((c): c is string => c !== null && !missingTokens.has(c)))].sort(compareCodeUnits);
      const categories = [...new Set([...fromGraph, ...(spec.categories ?? []), ...fromData])];
      if (categories.length === 0)
        throw new PackageError(`column "${name}" has no values to learn the categories of input "${inputName}" from; list them in --spec`);
      feature.categories = categories;
      why.push(
        `${categories.length} categories ` +
          `(${fromGraph.length ? `${fromGraph.length} from the graph` : 'none in the graph'}, ${fromData.length} in the data)`,
      );
    }
  }
  notes.push(`${name}: ${type} → ${dtype} input "${inputName}"${why.length ? `; ${why.join('; ')}` : ''}`);
  return { feature, ...(spec.impute !== undefined ? { impute: spec.impute } : {}) };
}
