import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runPackage } from '../../../cli/package/command.ts';
import { twoFloatOutputs } from '../../support/onnx-graphs.ts';

const FIXTURES = new URL('../../fixtures/byom/', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'vigil-package-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let out: string[];
let err: string[];
beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(console, 'log').mockImplementation((line: unknown) => void out.push(String(line)));
  vi.spyOn(console, 'error').mockImplementation((line: unknown) => void err.push(String(line)));
});
afterEach(() => vi.restoreAllMocks());

let n = 0;
function outDir(): string {
  return join(work, `out-${n++}`);
}

const titanic = (dir: string, ...more: string[]) => [
  join(FIXTURES, 'pipeline_titanic.onnx'),
  '--data',
  join(FIXTURES, 'small_titanic.csv'),
  '--name',
  'titanic',
  '--version',
  '1',
  '--out',
  dir,
  ...more,
];

/** Runs the command expecting exit 2 with nothing written; returns what it printed. */
async function refused(args: string[], dir: string): Promise<string> {
  expect(await runPackage(args)).toBe(2);
  expect(existsSync(dir)).toBe(false);
  return err.join('\n');
}

describe('vigil package (the command)', () => {
  it('writes model.onnx and manifest.json, prints what it did, and takes trained_at from the file by default', async () => {
    const onnx = join(work, 'pipeline_titanic.onnx');
    copyFileSync(join(FIXTURES, 'pipeline_titanic.onnx'), onnx);
    utimesSync(onnx, new Date('2022-06-01T12:00:00Z'), new Date('2022-06-01T12:00:00Z'));
    const dir = outDir();
    expect(await runPackage([onnx, ...titanic(dir, '--target', 'survived').slice(1)])).toBe(0);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
      training: { trained_at: string };
      origin: { file: string };
    };
    expect(manifest.training.trained_at).toBe('2022-06-01T12:00:00.000Z');
    expect(manifest.origin.file).toBe('pipeline_titanic.onnx');
    const printed = out.join('\n');
    expect(printed).toContain('rewrite  removed ZipMap "output_probability"');
    expect(printed).toContain('ignored  columns no input reads: name, sibsp, parch, ticket, cabin, boat, body, home.dest');
    expect(printed).toContain(`next: vigil push ${dir}`);
  });

  it('refuses to overwrite a package without --force, and writes the same bytes again with it', async () => {
    const dir = outDir();
    const args = titanic(dir, '--trained-at', '2026-12-01T00:00:00Z');
    expect(await runPackage(args)).toBe(0);
    const first = [readFileSync(join(dir, 'model.onnx')), readFileSync(join(dir, 'manifest.json'))];
    expect(await runPackage(args)).toBe(2);
    expect(err.join('\n')).toContain('already holds a package; versions are immutable (pass --force to overwrite)');
    expect(await runPackage([...args, '--force'])).toBe(0);
    expect(readFileSync(join(dir, 'model.onnx')).equals(first[0]!)).toBe(true);
    expect(readFileSync(join(dir, 'manifest.json')).equals(first[1]!)).toBe(true);
  });

  it('exits 2 with nothing written for a file that is not ONNX', async () => {
    const dir = outDir();
    const message = await refused([join(FIXTURES, 'iris.csv'), ...titanic(dir).slice(1)], dir);
    expect(message).toMatch(/^vigil package: iris\.csv: it is not an ONNX model/);
  });

  it('exits 2 with nothing written when an input has no matching column', async () => {
    const csv = join(work, 'no-age.csv');
    writeFileSync(
      csv,
      readFileSync(join(FIXTURES, 'small_titanic.csv'), 'utf8').replace('pclass,survived,name,sex,age,', 'pclass,survived,name,sex,years,'),
    );
    const dir = outDir();
    const message = await refused(
      [join(FIXTURES, 'pipeline_titanic.onnx'), '--data', csv, '--name', 'titanic', '--version', '1', '--out', dir],
      dir,
    );
    expect(message).toContain(
      'input "age" (float32 [N, 1]) has no matching column in no-age.csv; the columns are pclass, survived, name, sex, years,',
    );
  });

  it('exits 2 with nothing written for a matrix input without --features, or with the wrong count', async () => {
    const iris = (dir: string, ...more: string[]) => [
      join(FIXTURES, 'logreg_iris.onnx'),
      '--data',
      join(FIXTURES, 'iris.csv'),
      '--name',
      'iris',
      '--version',
      '1',
      '--out',
      dir,
      ...more,
    ];
    let dir = outDir();
    expect(await refused(iris(dir), dir)).toContain(
      'input "X" is a matrix (float32 [N, 2]); say which CSV columns fill it, in order: --features <c1,c2,…>',
    );
    dir = outDir();
    expect(await refused(iris(dir, '--features', 'sepal_length,sepal_width,petal_length'), dir)).toContain(
      'input "X" takes 2 columns (float32 [N, 2]); --features names 3',
    );
  });

  it('exits 2 with nothing written for a column with values the dtype cannot hold', async () => {
    const csv = join(work, 'bad-fare.csv');
    writeFileSync(csv, readFileSync(join(FIXTURES, 'small_titanic.csv'), 'utf8').replace(',211.3375,', ',two hundred,'));
    const dir = outDir();
    const message = await refused(
      [join(FIXTURES, 'pipeline_titanic.onnx'), '--data', csv, '--name', 'titanic', '--version', '1', '--out', dir],
      dir,
    );
    expect(message).toContain('bad-fare.csv line 2, column "fare": "two hundred" is not a number (the input takes numbers)');
  });

  it('exits 2 with nothing written for outputs it cannot map, naming what it found', async () => {
    const graph = twoFloatOutputs();
    const onnx = join(work, 'two-heads.onnx');
    const csv = join(work, 'two-heads.csv');
    writeFileSync(onnx, graph.bytes);
    writeFileSync(csv, graph.csv);
    const dir = outDir();
    const message = await refused([onnx, '--data', csv, '--name', 'two-heads', '--version', '1', '--features', 'u,v', '--out', dir], dir);
    expect(message).toContain('the graph has 2 float outputs ("head_a" float32 [N, 3], "head_b" float32 [N, 2])');
  });

  it('exits 2 on a bad command line, saying what to type', async () => {
    expect(await runPackage([join(FIXTURES, 'pipeline_titanic.onnx'), '--name', 'titanic', '--version', '1'])).toBe(2);
    expect(err.at(-1)).toBe('vigil package: --data is required (see vigil package --help)');
    expect(await runPackage([...titanic(outDir()), '--task', 'ranking'])).toBe(2);
    expect(err.at(-1)).toContain('--task must be regression, binary_classification or multiclass_classification');
    expect(await runPackage([...titanic(outDir()), '--target', 'nope'])).toBe(2);
    expect(err.at(-1)).toContain('--target "nope" is not a column of small_titanic.csv');
    expect(await runPackage([...titanic(outDir()), '--bogus'])).toBe(2);
    expect(await runPackage(['--help'])).toBe(0);
    expect(out.join('\n')).toContain('usage: vigil package <model.onnx> --data <file.csv>');
  });
});
