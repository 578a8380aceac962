/**
 * Feature encoding: how validated rows become the model's input tensors. This is the single definition used
 * by training and packaging (to build the training matrix and the golden examples) and by serving (to build
 * the request tensors), so features compute the same in both places; golden examples carry the encoded rows
 * to prove it.
 *
 * A Vigil-trained model takes one float32 matrix of transformed features (`compileEncoder`); an imported
 * model takes whatever its graph declares — one typed tensor per column, or a matrix (`compileTensorEncoder`
 * handles both).
 *
 * @example
 * const encoder = compileTensorEncoder(manifest);
 * const feeds = encoder.encode(rows); // { age: { dtype: 'float32', data: Float32Array, dims: [n, 1] }, … }
 */
import type { Row } from './instance-validator.ts';
import { columnsWidth, modelInputs, type EncodedValue, type Encoding, type EncodingColumn, type ModelInput } from './manifest.ts';
import type { Tensor, TensorData } from './tensor.ts';

export interface CompiledEncoder {
  /** Float32 columns per instance. */
  readonly width: number;
  /** Writes one row's encoding into `out` starting at `offset`. */
  encodeRow(row: Row, out: Float32Array, offset: number): void;
  /** Encodes rows into a new row-major [rows.length, width] buffer. */
  encode(rows: readonly Row[]): Float32Array;
}

type ColumnWriter = (row: Row, out: Float32Array | Float64Array, offset: number) => void;

interface FeatureNames {
  readonly features: readonly { name: string }[];
}

function numericWriters(
  features: FeatureNames['features'],
  columns: readonly EncodingColumn[],
): { writers: ColumnWriter[]; width: number } {
  const featureIndex = new Map(features.map((f, i) => [f.name, i]));
  const writers: ColumnWriter[] = [];
  let column = 0;
  for (const spec of columns) {
    const fi = featureIndex.get(spec.feature);
    if (fi === undefined) throw new Error(`encoding refers to unknown feature "${spec.feature}"`);
    const at = column;
    switch (spec.transform) {
      case 'numeric': {
        const impute = spec.impute;
        writers.push((row, out, offset) => {
          const v = row[fi];
          out[offset + at] = v === null ? impute : (v as number);
        });
        column += 1;
        break;
      }
      case 'boolean': {
        const impute = spec.impute;
        writers.push((row, out, offset) => {
          const v = row[fi];
          out[offset + at] = v === null ? impute : v ? 1 : 0;
        });
        column += 1;
        break;
      }
      case 'is_null':
        writers.push((row, out, offset) => {
          out[offset + at] = row[fi] === null ? 1 : 0;
        });
        column += 1;
        break;
      case 'one_hot': {
        const positions = new Map(spec.categories.map((c, i) => [c, at + i]));
        const count = spec.categories.length;
        writers.push((row, out, offset) => {
          out.fill(0, offset + at, offset + at + count);
          const v = row[fi];
          if (v === null) return;
          const p = positions.get(v as string);
          if (p !== undefined) out[offset + p] = 1;
        });
        column += count;
        break;
      }
      case 'value': {
        // Without an impute value, the graph imputes: a missing value reaches it as NaN.
        const impute = typeof spec.impute === 'number' ? spec.impute : typeof spec.impute === 'boolean' ? Number(spec.impute) : Number.NaN;
        writers.push((row, out, offset) => {
          const v = row[fi];
          out[offset + at] = v === null ? impute : typeof v === 'boolean' ? (v ? 1 : 0) : (v as number);
        });
        column += 1;
        break;
      }
    }
  }
  return { writers, width: column };
}

/**
 * The float32 matrix of a model with one float input (every Vigil-trained model): training builds its
 * training matrix with it.
 */
export function compileEncoder(manifest: FeatureNames & { readonly encoding: Encoding }): CompiledEncoder {
  const inputs = modelInputs(manifest.encoding);
  if (inputs.length !== 1 || inputs[0]!.dtype !== 'float32') throw new Error('a matrix encoder needs exactly one float32 input');
  const { writers, width } = numericWriters(manifest.features, inputs[0]!.columns);
  if (width !== columnsWidth(inputs[0]!.columns)) throw new Error('encoding width mismatch');

  function encodeRow(row: Row, out: Float32Array, offset: number): void {
    for (let i = 0; i < writers.length; i++) writers[i]!(row, out, offset);
  }

  return {
    width,
    encodeRow,
    encode(rows) {
      const out = new Float32Array(rows.length * width);
      for (let r = 0; r < rows.length; r++) encodeRow(rows[r]!, out, r * width);
      return out;
    },
  };
}

export interface CompiledTensorEncoder {
  readonly inputs: readonly ModelInput[];
  /** One tensor per model input for these rows. */
  encode(rows: readonly Row[]): Record<string, Tensor>;
  /** One row as each input tensor's values, as JSON holds them (NaN as null): golden examples and their parity check. */
  encodeExample(row: Row): Record<string, EncodedValue[]>;
}

type InputEncoder = (rows: readonly Row[]) => Tensor;

/** Every input tensor of the model, typed as its graph declares. */
export function compileTensorEncoder(manifest: FeatureNames & { readonly encoding: Encoding }): CompiledTensorEncoder {
  const inputs = modelInputs(manifest.encoding);
  const featureIndex = new Map(manifest.features.map((f, i) => [f.name, i]));
  const encoders = inputs.map((input): [string, InputEncoder] => [input.name, inputEncoder(manifest.features, featureIndex, input)]);

  return {
    inputs,
    encode(rows) {
      const feeds: Record<string, Tensor> = {};
      for (const [name, encode] of encoders) feeds[name] = encode(rows);
      return feeds;
    },
    encodeExample(row) {
      const example: Record<string, EncodedValue[]> = {};
      for (const [name, encode] of encoders) example[name] = Array.from(encode([row]).data as ArrayLike<unknown>, jsonValue);
      return example;
    },
  };
}

function jsonValue(v: unknown): EncodedValue {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return Number.isNaN(v) ? null : v;
  return v as string | boolean;
}

function inputEncoder(features: FeatureNames['features'], featureIndex: ReadonlyMap<string, number>, input: ModelInput): InputEncoder {
  const width = columnsWidth(input.columns);
  const dims = (rows: number): number[] => (input.rank === 1 ? [rows] : [rows, width]);
  switch (input.dtype) {
    case 'float32':
    case 'float64': {
      const { writers } = numericWriters(features, input.columns);
      const Array32Or64 = input.dtype === 'float32' ? Float32Array : Float64Array;
      return (rows) => {
        const out = new Array32Or64(rows.length * width);
        for (let r = 0; r < rows.length; r++) {
          const row = rows[r]!;
          for (let i = 0; i < writers.length; i++) writers[i]!(row, out, r * width);
        }
        return { dtype: input.dtype, data: out, dims: dims(rows.length) };
      };
    }
    default: {
      // Non-float tensors take features as they are (the manifest guarantees value columns, and an impute value
      // wherever a feature may be null).
      const indexes = input.columns.map((c) => featureIndex.get(c.feature)!);
      const imputes = input.columns.map((c) => (c.transform === 'value' ? c.impute : undefined));
      const make = typedFill(input.dtype);
      return (rows) => ({ dtype: input.dtype, data: make(rows, indexes, imputes), dims: dims(rows.length) });
    }
  }
}

type Imputes = readonly (string | number | boolean | undefined)[];

function typedFill(
  dtype: 'int64' | 'int32' | 'string' | 'bool',
): (rows: readonly Row[], indexes: readonly number[], imputes: Imputes) => TensorData {
  const fill = <T>(
    out: { [i: number]: T },
    rows: readonly Row[],
    indexes: readonly number[],
    imputes: Imputes,
    convert: (v: unknown) => T,
  ) => {
    const k = indexes.length;
    for (let r = 0; r < rows.length; r++) {
      for (let c = 0; c < k; c++) {
        const v = rows[r]![indexes[c]!];
        out[r * k + c] = convert(v === null ? imputes[c] : v);
      }
    }
    return out;
  };
  switch (dtype) {
    case 'int64':
      return (rows, indexes, imputes) =>
        fill(new BigInt64Array(rows.length * indexes.length), rows, indexes, imputes, (v) => BigInt(v as number)) as BigInt64Array;
    case 'int32':
      return (rows, indexes, imputes) =>
        fill(new Int32Array(rows.length * indexes.length), rows, indexes, imputes, (v) => v as number) as Int32Array;
    case 'string':
      return (rows, indexes, imputes) =>
        fill(new Array<string>(rows.length * indexes.length), rows, indexes, imputes, (v) => v as string) as string[];
    case 'bool':
      return (rows, indexes, imputes) =>
        fill(new Uint8Array(rows.length * indexes.length), rows, indexes, imputes, (v) => (v ? 1 : 0)) as Uint8Array;
  }
}

/** Names of the encoded columns, e.g. `ocean_proximity=INLAND`, for reports and model introspection. */
export function encodedColumnNames(manifest: { readonly encoding: Encoding }): string[] {
  return modelInputs(manifest.encoding).flatMap((input) =>
    input.columns.flatMap((c) => {
      switch (c.transform) {
        case 'one_hot':
          return c.categories.map((cat) => `${c.feature}=${cat}`);
        case 'is_null':
          return [`${c.feature}__is_null`];
        default:
          return [c.feature];
      }
    }),
  );
}
