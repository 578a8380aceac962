/**
 * The least encoding that turns JSON instances into the model's input tensors: the manifest's encoding columns,
 * read straight from the instance objects, without validation. Used by the limit Worker (the bare model behind
 * JSON); its output is the same tensors as the service's encoder for valid instances. Two shapes, as manifests
 * have them: one float32 matrix of transformed features (Vigil-trained models, `minimalEncoder`), or one tensor
 * per model input, typed as the graph declares (imported models, `minimalFeedsEncoder`).
 */

export interface EncodingColumnSpec {
  transform: 'numeric' | 'boolean' | 'is_null' | 'one_hot' | 'value';
  feature: string;
  impute?: number | string | boolean;
  categories?: string[];
}

export interface MinimalEncoder {
  width: number;
  encode(instances: readonly Record<string, unknown>[]): Float32Array;
}

export type FeedDtype = 'float32' | 'float64' | 'int64' | 'int32' | 'string' | 'bool';

export interface InputSpec {
  name: string;
  dtype: FeedDtype;
  rank?: 1 | 2;
  columns: EncodingColumnSpec[];
}

/** A manifest's `encoding`: one matrix input, or typed inputs. */
export type EncodingSpec = { input_name: string; columns: EncodingColumnSpec[] } | { inputs: InputSpec[] };

export interface Feed {
  dtype: FeedDtype;
  data: Float32Array | Float64Array | BigInt64Array | Int32Array | string[] | Uint8Array;
  dims: number[];
}

export interface MinimalFeedsEncoder {
  encode(instances: readonly Record<string, unknown>[]): Record<string, Feed>;
}

function widthOf(columns: readonly EncodingColumnSpec[]): number {
  return columns.reduce((w, c) => w + (c.transform === 'one_hot' ? (c.categories ?? []).length : 1), 0);
}

/** Writes the numeric columns of one instance into `out` from `at`; returns the position after them. */
function writeNumeric(
  columns: readonly EncodingColumnSpec[],
  instance: Record<string, unknown>,
  out: Float32Array | Float64Array,
  at: number,
): number {
  for (const c of columns) {
    const v = instance[c.feature];
    const missing = v === null || v === undefined;
    switch (c.transform) {
      case 'numeric':
        out[at++] = missing ? ((c.impute as number | undefined) ?? 0) : (v as number);
        break;
      case 'value':
        // Without an impute value the graph imputes: a missing number reaches it as NaN.
        out[at++] = missing ? (typeof c.impute === 'number' ? c.impute : Number.NaN) : typeof v === 'boolean' ? Number(v) : (v as number);
        break;
      case 'boolean':
        out[at++] = missing ? ((c.impute as number | undefined) ?? 0) : v ? 1 : 0;
        break;
      case 'is_null':
        out[at++] = missing ? 1 : 0;
        break;
      case 'one_hot': {
        const categories = c.categories ?? [];
        const hit = missing ? -1 : categories.indexOf(v as string);
        if (hit >= 0) out[at + hit] = 1;
        at += categories.length;
        break;
      }
    }
  }
  return at;
}

export function minimalEncoder(columns: readonly EncodingColumnSpec[]): MinimalEncoder {
  const width = widthOf(columns);
  return {
    width,
    encode(instances) {
      const out = new Float32Array(instances.length * width);
      for (let r = 0; r < instances.length; r++) writeNumeric(columns, instances[r]!, out, r * width);
      return out;
    },
  };
}

/** Every input tensor of the model: a float matrix per float input, the features as they are for the others. */
export function minimalFeedsEncoder(encoding: EncodingSpec): MinimalFeedsEncoder {
  const inputs: InputSpec[] =
    'inputs' in encoding ? encoding.inputs : [{ name: encoding.input_name, dtype: 'float32', rank: 2, columns: encoding.columns }];
  const encoders = inputs.map((input) => {
    const width = widthOf(input.columns);
    const dims = (n: number) => (input.rank === 1 ? [n] : [n, width]);
    const value = (instance: Record<string, unknown>, c: EncodingColumnSpec): unknown => instance[c.feature] ?? c.impute;
    return (instances: readonly Record<string, unknown>[]): Feed => {
      const n = instances.length;
      switch (input.dtype) {
        case 'float32':
        case 'float64': {
          const out = input.dtype === 'float32' ? new Float32Array(n * width) : new Float64Array(n * width);
          for (let r = 0; r < n; r++) writeNumeric(input.columns, instances[r]!, out, r * width);
          return { dtype: input.dtype, data: out, dims: dims(n) };
        }
        case 'string': {
          const out = new Array<string>(n * width);
          for (let r = 0; r < n; r++)
            for (let c = 0; c < width; c++) out[r * width + c] = value(instances[r]!, input.columns[c]!) as string;
          return { dtype: 'string', data: out, dims: dims(n) };
        }
        case 'int64': {
          const out = new BigInt64Array(n * width);
          for (let r = 0; r < n; r++)
            for (let c = 0; c < width; c++) out[r * width + c] = BigInt(value(instances[r]!, input.columns[c]!) as number);
          return { dtype: 'int64', data: out, dims: dims(n) };
        }
        case 'int32': {
          const out = new Int32Array(n * width);
          for (let r = 0; r < n; r++)
            for (let c = 0; c < width; c++) out[r * width + c] = value(instances[r]!, input.columns[c]!) as number;
          return { dtype: 'int32', data: out, dims: dims(n) };
        }
        case 'bool': {
          const out = new Uint8Array(n * width);
          for (let r = 0; r < n; r++) for (let c = 0; c < width; c++) out[r * width + c] = value(instances[r]!, input.columns[c]!) ? 1 : 0;
          return { dtype: 'bool', data: out, dims: dims(n) };
        }
      }
    };
  });
  return {
    encode(instances) {
      const feeds: Record<string, Feed> = {};
      for (let i = 0; i < inputs.length; i++) feeds[inputs[i]!.name] = encoders[i]!(instances);
      return feeds;
    },
  };
}
