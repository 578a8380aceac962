/**
 * Plain-text tables and key/value blocks for terminal output.
 *
 * @example
 * renderTable([{ header: 'version' }, { header: 'requests', align: 'right' }], [['1', '930'], ['2', '70']]);
 * // version  requests
 * // 1             930
 * // 2              70
 */

export interface Column {
  header: string;
  align?: 'left' | 'right';
  /** Longer cells are cut with "…". */
  maxWidth?: number;
}

const GAP = '  ';

export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[], indent = ''): string {
  const cells = rows.map((row) => columns.map((c, i) => clip(oneLine(row[i] ?? ''), c.maxWidth)));
  const widths = columns.map((c, i) => Math.max(width(c.header), ...cells.map((row) => width(row[i]!))));
  const line = (values: readonly string[]) =>
    indent +
    values
      .map((v, i) =>
        columns[i]!.align === 'right' ? pad(v, widths[i]!, 'left') : i === values.length - 1 ? v : pad(v, widths[i]!, 'right'),
      )
      .join(GAP)
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n');
}

/** `key: value` lines with the values aligned. */
export function renderKeyValues(entries: readonly (readonly [string, string])[], indent = ''): string {
  const keyWidth = Math.max(0, ...entries.map(([k]) => width(k) + 1));
  return entries.map(([k, v]) => `${indent}${pad(`${k}:`, keyWidth, 'right')} ${v}`.trimEnd()).join('\n');
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ');
}

function clip(text: string, maxWidth: number | undefined): string {
  if (maxWidth === undefined || width(text) <= maxWidth) return text;
  return `${[...text].slice(0, Math.max(1, maxWidth - 1)).join('')}…`;
}

/** Terminal columns a string takes: code points (the output avoids wide and combining characters). */
function width(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function pad(text: string, to: number, side: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, to - width(text)));
  return side === 'left' ? fill + text : text + fill;
}
