/**
 * A readable rendering of any report JSON, so `vigil report` needs no change when a report gains a field:
 * scalars become `key: value` lines, lists of flat objects (nested objects flattened to `a.b` columns) and
 * maps of like objects become tables, and anything deeper becomes a section headed by its path.
 *
 * @example
 * renderReport({ window: '1h', versions: [{ version: '2', requests: 40, latency: { p50: 3.1 } }] });
 * // window: 1h
 * //
 * // versions
 * //   version  requests  latency.p50
 * //   2        40        3.1
 */
import { formatNumber } from './format.ts';
import { renderKeyValues, renderTable } from './table.ts';

type Scalar = string | number | boolean | null;
type FlatRow = Map<string, Scalar>;

const MAX_TABLE_COLUMNS = 16;
const MAX_INLINE_LIST = 12;
const IDENTIFYING_KEYS = ['name', 'version', 'feature', 'check', 'test', 'id', 'slice', 'attribute', 'metric', 'label', 'key'];

export function renderReport(report: unknown): string {
  const out: string[] = [];
  renderValue(report, [], out);
  return out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function renderValue(value: unknown, path: string[], out: string[]): void {
  if (Array.isArray(value)) return renderList(value, path, out);
  if (isPlainObject(value)) return renderObject(value, path, out);
  out.push(`${indentOf(path)}${formatScalar(value as Scalar)}`);
}

function renderObject(object: Record<string, unknown>, path: string[], out: string[]): void {
  const entries = Object.entries(object);
  if (entries.length === 0) {
    out.push(`${indentOf(path)}(empty)`);
    return;
  }
  const table = likeObjectsTable(entries, path);
  if (table !== undefined) {
    out.push(table);
    return;
  }
  const scalars: [string, string][] = [];
  const sections: [string, unknown][] = [];
  for (const [key, value] of entries) {
    if (isScalar(value)) scalars.push([key, formatScalar(value)]);
    else if (Array.isArray(value) && value.every(isScalar) && value.length <= MAX_INLINE_LIST)
      scalars.push([key, value.length ? value.map(formatScalar).join(', ') : '(none)']);
    else sections.push([key, value]);
  }
  if (scalars.length) out.push(renderKeyValues(scalars, indentOf(path)));
  for (const [key, value] of sections) {
    out.push('', heading([...path, key]));
    renderValue(value, [...path, key], out);
  }
}

function renderList(items: unknown[], path: string[], out: string[]): void {
  const indent = indentOf(path);
  if (items.length === 0) {
    out.push(`${indent}(none)`);
    return;
  }
  if (items.every(isScalar)) {
    out.push(`${indent}${items.map(formatScalar).join(', ')}`);
    return;
  }
  const rows = items.map((item) => (isPlainObject(item) ? flatten(item) : undefined));
  if (rows.every((r): r is FlatRow => r !== undefined)) {
    const columns = unionKeys(rows);
    if (columns.length <= MAX_TABLE_COLUMNS) {
      out.push(table(columns, rows, indent));
      return;
    }
  }
  items.forEach((item, i) => {
    const name = identify(item) ?? String(i + 1);
    out.push('', heading([...path, name]));
    renderValue(item, [...path, name], out);
  });
}

/** `{ age: {psi: 0.1, status: 'pass'}, sex: {…} }`: a map whose values are like flat objects, as one table. */
function likeObjectsTable(entries: [string, unknown][], path: string[]): string | undefined {
  if (entries.length < 2) return undefined;
  const rows: FlatRow[] = [];
  let keys: string | undefined;
  for (const [name, value] of entries) {
    if (!isPlainObject(value)) return undefined;
    const flat = flatten(value);
    if (!flat) return undefined;
    const signature = [...flat.keys()].join('\u0000');
    if (keys !== undefined && signature !== keys) return undefined;
    keys = signature;
    rows.push(new Map<string, Scalar>([['', name], ...flat]));
  }
  const columns = unionKeys(rows);
  if (columns.length > MAX_TABLE_COLUMNS) return undefined;
  return table(columns, rows, indentOf(path), path.at(-1) ?? 'name');
}

function table(columns: string[], rows: FlatRow[], indent: string, firstHeader = ''): string {
  const numeric = columns.map((c) => rows.every((r) => typeof r.get(c) === 'number' || r.get(c) === undefined || r.get(c) === null));
  return renderTable(
    columns.map((c, i) => ({ header: c === '' ? firstHeader : c, align: numeric[i] ? 'right' : 'left', maxWidth: 60 })),
    rows.map((r) => columns.map((c) => (r.has(c) ? formatScalar(r.get(c)!) : ''))),
    indent,
  );
}

/** Scalars by dotted key, two levels deep; undefined when the object holds lists of objects or deeper. */
function flatten(object: Record<string, unknown>, prefix = '', depth = 0): FlatRow | undefined {
  const row: FlatRow = new Map();
  for (const [key, value] of Object.entries(object)) {
    const name = prefix + key;
    if (isScalar(value)) row.set(name, value);
    else if (Array.isArray(value) && value.every(isScalar) && value.length <= 6) row.set(name, value.map(formatScalar).join(', '));
    else if (isPlainObject(value) && depth < 1) {
      const inner = flatten(value, `${name}.`, depth + 1);
      if (!inner) return undefined;
      for (const [k, v] of inner) row.set(k, v);
    } else return undefined;
  }
  return row;
}

function unionKeys(rows: readonly FlatRow[]): string[] {
  const keys = new Set<string>();
  for (const row of rows) for (const key of row.keys()) keys.add(key);
  return [...keys];
}

function identify(item: unknown): string | undefined {
  if (!isPlainObject(item)) return undefined;
  for (const key of IDENTIFYING_KEYS) {
    const value = item[key];
    if (typeof value === 'string' || typeof value === 'number') return `${key} ${value}`;
  }
  return undefined;
}

function heading(path: string[]): string {
  return `${'  '.repeat(Math.max(0, path.length - 1))}${path.join(' › ')}`;
}

function indentOf(path: string[]): string {
  return '  '.repeat(path.length);
}

function isScalar(value: unknown): value is Scalar {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function formatScalar(value: Scalar): string {
  if (value === null) return '—';
  if (typeof value === 'number') return formatNumber(value);
  return String(value);
}
