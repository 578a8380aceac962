import { describe, expect, it } from 'vitest';
import { parseCsv, type CsvTable } from '../../../cli/lib/csv.ts';

function table(text: string): CsvTable {
  const result = parseCsv(text);
  if (!result.ok) throw new Error(`line ${result.error.line}: ${result.error.message}`);
  return result.table;
}

describe('parseCsv', () => {
  it('reads a header and records as string maps', () => {
    expect(table('a,b\n1,2\n3,4\n')).toEqual({
      header: ['a', 'b'],
      records: [
        { a: '1', b: '2' },
        { a: '3', b: '4' },
      ],
      recordLines: [2, 3],
    });
  });

  it('reads empty unquoted cells as null and a quoted empty cell as the empty string', () => {
    expect(table('a,b,c\n,"",x\n1,,\n').records).toEqual([
      { a: null, b: '', c: 'x' },
      { a: '1', b: null, c: null },
    ]);
  });

  it('keeps commas, doubled quotes and line breaks inside quoted fields', () => {
    const t = table('name,note\n"Smith, J.","said ""hi""\nand left"\nx,y\n');
    expect(t.records).toEqual([
      { name: 'Smith, J.', note: 'said "hi"\nand left' },
      { name: 'x', note: 'y' },
    ]);
    // The second record starts on line 4 because the first spans two lines.
    expect(t.recordLines).toEqual([2, 4]);
  });

  it('accepts CRLF line ends, a byte order mark and a missing final newline', () => {
    expect(table('\ufeffa,b\r\n1,"2\r\n3"\r\n4,5').records).toEqual([
      { a: '1', b: '2\r\n3' },
      { a: '4', b: '5' },
    ]);
  });

  it('skips blank lines', () => {
    expect(table('a\n1\n\n2\n\n').records).toEqual([{ a: '1' }, { a: '2' }]);
  });

  it('treats a column named __proto__ as an ordinary key', () => {
    const record = table('__proto__,b\n1,2\n').records[0]!;
    expect(Object.keys(record)).toEqual(['__proto__', 'b']);
    // biome-ignore lint/suspicious/noProto: the point is that a column named __proto__ is plain data
    expect(record['__proto__']).toBe('1');
  });

  it.each([
    ['a,b\n1,2,3\n', 2, 'has 3 fields, the header has 2'],
    ['a,b\n1\n', 2, 'has 1 fields, the header has 2'],
    ['a,b\n"1,2\n', 2, 'a quoted field is never closed'],
    ['a,b\n"1"x,2\n', 2, 'unexpected "x" after a closing quote'],
    ['a,b\n1"2,3\n', 2, 'a quote inside an unquoted field'],
    ['a,a\n1,2\n', 1, 'header column "a" appears twice'],
    ['a,,c\n1,2,3\n', 1, 'header column 2 has no name'],
    ['', 1, 'the file is empty'],
  ])('rejects %j at line %i', (text, line, message) => {
    const result = parseCsv(text);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.line).toBe(line);
      expect(result.error.message).toContain(message);
    }
  });
});
