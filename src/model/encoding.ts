/**
 * Feature encoding: how validated rows become the model's float32 input tensor. This is the single
 * definition used by training (to build the training matrix) and by serving (to build the request tensor),
 * so features compute the same in both places; golden examples carry the encoded row to prove it.
 *
 * @example
 * const encoder = compileEncoder(manifest);
 * const tensor = encoder.encode(rows); // Float32Array of rows.length * encoder.width
 */
import { encodedWidth, type Encoding } from './manifest.ts';
import type { Row } from './instance-validator.ts';

export interface CompiledEncoder {
  /** Float32 columns per instance. */
  readonly width: number;
  /** Writes one row's encoding into `out` starting at `offset`. */
  encodeRow(row: Row, out: Float32Array, offset: number): void;
  /** Encodes rows into a new row-major [rows.length, width] buffer. */
  encode(rows: readonly Row[]): Float32Array;
}

type ColumnWriter = (row: Row, out: Float32Array, offset: number) => void;

export function compileEncoder(manifest: { readonly features: readonly { name: string }[]; readonly encoding: Encoding }): CompiledEncoder {
  const featureIndex = new Map(manifest.features.map((f, i) => [f.name, i]));
  const writers: ColumnWriter[] = [];
  let column = 0;
  for (const spec of manifest.encoding.columns) {
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
    }
  }
  const width = column;
  if (width !== encodedWidth(manifest.encoding)) throw new Error('encoding width mismatch');

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

/** Names of the encoded columns, e.g. `ocean_proximity=INLAND`, for reports and model introspection. */
export function encodedColumnNames(manifest: { readonly encoding: Encoding }): string[] {
  return manifest.encoding.columns.flatMap((c) => {
    switch (c.transform) {
      case 'one_hot':
        return c.categories.map((cat) => `${c.feature}=${cat}`);
      case 'is_null':
        return [`${c.feature}__is_null`];
      default:
        return [c.feature];
    }
  });
}
