/**
 * Counts, without building anything, what a JSON text would make: the elements of chosen top-level arrays (such
 * as `instances`) and the objects and arrays overall. Large request bodies are scanned before `JSON.parse`, so a
 * 1 MiB body of 350,000 `{}` is refused for what it holds instead of being parsed into ~20 MiB of heap first.
 * The scan stops as soon as a limit is passed. It does not validate the JSON (JSON.parse does that after).
 *
 * @example
 * scanJson('{"instances":[{},{},{}]}', { arrays: { instances: 2 }, containers: 100 }) // { exceeded: 'instances', count: 3 }
 */
export interface JsonScanLimits {
  /** Top-level keys whose array value may hold at most this many elements. */
  arrays: Readonly<Record<string, number>>;
  /** Objects and arrays in the whole text, at most. */
  containers: number;
}

export type JsonScanResult = { exceeded: null } | { exceeded: string; count: number } | { exceeded: 'containers'; count: number };

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const COMMA = 44;
const COLON = 58;

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

export function scanJson(text: string, limits: JsonScanLimits): JsonScanResult {
  let depth = 0;
  let containers = 0;
  /** The last string read as a key of the root object, and whether its value has started. */
  let key: string | null = null;
  let afterColon = false;
  /** The top-level array being counted. */
  let counting: string | null = null;
  let limit = 0;
  let elements = 0;
  let empty = true;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) continue;
    if (counting !== null && depth === 2 && empty && c !== CLOSE_ARRAY) {
      empty = false;
      elements = 1;
    }
    if (c === QUOTE) {
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === BACKSLASH) j += 2;
        else if (d === QUOTE) break;
        else j++;
      }
      if (depth === 1 && !afterColon) key = text.slice(i + 1, j);
      i = j;
      continue;
    }
    switch (c) {
      case OPEN_OBJECT:
      case OPEN_ARRAY:
        depth++;
        if (++containers > limits.containers) return { exceeded: 'containers', count: containers };
        if (depth === 2 && c === OPEN_ARRAY && afterColon && key !== null && key in limits.arrays) {
          counting = key;
          limit = limits.arrays[key]!;
          elements = 0;
          empty = true;
        }
        break;
      case CLOSE_OBJECT:
      case CLOSE_ARRAY:
        if (depth === 2 && counting !== null) counting = null;
        depth--;
        break;
      case COMMA:
        if (depth === 1) {
          key = null;
          afterColon = false;
        } else if (depth === 2 && counting !== null && ++elements > limit) {
          return { exceeded: counting, count: elements };
        }
        break;
      case COLON:
        if (depth === 1) afterColon = true;
        break;
    }
  }
  return { exceeded: null };
}
