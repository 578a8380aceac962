/**
 * RFC 4180 CSV reading: a header row, then records of the same width. Fields may be quoted ("…") to hold
 * commas, line breaks and doubled quotes (""). An unquoted empty cell is missing (null); a quoted empty
 * cell ("") is the empty string, because someone wrote it on purpose.
 *
 * @example
 * const result = parseCsv('a,b\n1,"x, y"\n2,\n');
 * // result.ok && result.table.records → [{ a: '1', b: 'x, y' }, { a: '2', b: null }]
 */

export type CsvRecord = Record<string, string | null>;

export interface CsvTable {
  header: string[];
  records: CsvRecord[];
  /** 1-based line in the file where each record starts (the header is line 1), for error messages. */
  recordLines: number[];
}

export interface CsvError {
  line: number;
  message: string;
}

export type CsvResult = { ok: true; table: CsvTable } | { ok: false; error: CsvError };

type Field = string | null;

export function parseCsv(text: string): CsvResult {
  const rows: { line: number; fields: Field[] }[] = [];
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const n = src.length;
  let line = 1;
  let i = 0;

  while (i < n) {
    const startLine = line;
    const fields: Field[] = [];
    // One record: fields until an unquoted line break or the end of the text.
    for (;;) {
      if (src[i] === '"') {
        let value = '';
        let from = ++i;
        for (;;) {
          const q = src.indexOf('"', from);
          if (q < 0) return fail(startLine, 'a quoted field is never closed');
          value += src.slice(from, q);
          if (src[q + 1] === '"') {
            value += '"';
            from = q + 2;
            continue;
          }
          i = q + 1;
          break;
        }
        line += countLineBreaks(value);
        fields.push(value);
        const next = src[i];
        if (i < n && next !== ',' && next !== '\n' && next !== '\r') {
          return fail(line, `unexpected ${JSON.stringify(next)} after a closing quote (write "" for a quote inside a field)`);
        }
      } else {
        let j = i;
        while (j < n) {
          const c = src.charCodeAt(j);
          if (c === 44 /* , */ || c === 10 /* \n */ || c === 13 /* \r */) break;
          if (c === 34 /* " */) return fail(line, 'a quote inside an unquoted field (quote the whole field and double the quote)');
          j++;
        }
        fields.push(j === i ? null : src.slice(i, j));
        i = j;
      }
      if (src[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    if (src[i] === '\r') i++;
    if (src[i] === '\n') i++;
    line++;
    // A blank line is a formatting artefact, not a record of one missing field.
    if (fields.length === 1 && fields[0] === null) continue;
    rows.push({ line: startLine, fields });
  }

  const headerRow = rows.shift();
  if (!headerRow) return fail(1, 'the file is empty; it needs a header row');
  const header: string[] = [];
  for (const [k, name] of headerRow.fields.entries()) {
    if (name === null || name === '') return fail(headerRow.line, `header column ${k + 1} has no name`);
    if (header.includes(name)) return fail(headerRow.line, `header column "${name}" appears twice`);
    header.push(name);
  }

  const records: CsvRecord[] = [];
  const recordLines: number[] = [];
  for (const row of rows) {
    if (row.fields.length !== header.length) {
      return fail(row.line, `has ${row.fields.length} fields, the header has ${header.length}`);
    }
    // fromEntries defines own properties, so a column named "__proto__" is an ordinary key.
    records.push(Object.fromEntries(header.map((name, k) => [name, row.fields[k]!])));
    recordLines.push(row.line);
  }
  return { ok: true, table: { header, records, recordLines } };
}

function fail(line: number, message: string): CsvResult {
  return { ok: false, error: { line, message } };
}

function countLineBreaks(s: string): number {
  let count = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c === 10 || (c === 13 && s.charCodeAt(k + 1) !== 10)) count++;
  }
  return count;
}
