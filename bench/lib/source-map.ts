/**
 * Just enough of source maps (v3) to say which original file a bundled position came from: decodes the
 * `mappings` VLQ into per-line segments and looks positions up. Pure; unit-tested.
 */

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE64.length; i++) DIGIT[BASE64.charCodeAt(i)] = i;

/** Decodes one segment's base64 VLQ fields. */
export function decodeVlq(segment: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (let i = 0; i < segment.length; i++) {
    const digit = DIGIT[segment.charCodeAt(i)] ?? -1;
    if (digit < 0) throw new Error(`invalid base64 VLQ character "${segment[i]}"`);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
    } else {
      values.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return values;
}

export interface RawSourceMap {
  sources: string[];
  mappings: string;
}

/** Original source index per generated position: lines[line] = sorted [column, sourceIndex] pairs. */
export class SourceLocator {
  readonly sources: readonly string[];
  readonly #lines: Int32Array[];

  constructor(map: RawSourceMap) {
    this.sources = map.sources;
    this.#lines = [];
    let source = 0;
    for (const line of map.mappings.split(';')) {
      const pairs: number[] = [];
      let column = 0;
      if (line !== '') {
        for (const segment of line.split(',')) {
          const fields = decodeVlq(segment);
          column += fields[0] ?? 0;
          if (fields.length >= 4) {
            source += fields[1]!;
            pairs.push(column, source);
          }
        }
      }
      this.#lines.push(Int32Array.from(pairs));
    }
  }

  /** The original source path of a 0-based generated line and column, or null when unmapped. */
  sourceAt(line: number, column: number): string | null {
    const pairs = this.#lines[line];
    if (!pairs || pairs.length === 0) return null;
    let lo = 0;
    let hi = pairs.length / 2 - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (pairs[mid * 2]! <= column) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return null;
    return this.sources[pairs[found * 2 + 1]!] ?? null;
  }
}
