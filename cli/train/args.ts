/**
 * Command-line arguments of `vigil train`, parsed into TrainOptions; every mistake is one line that says
 * what to type instead.
 *
 * @example
 * parseTrainArgs(['--data', 'd.csv', '--model', 'house-prices', '--algo', 'gbdt', '--version', '2']);
 * // { kind: 'options', options: { ..., seed: 42, specPath: 'models/house-prices/spec.json', outDir: 'models/house-prices/2' } }
 */
import { join } from 'node:path';
import { z } from 'zod';
import { MODEL_NAME_PATTERN, VERSION_PATTERN } from '../../src/model/manifest.ts';
import type { TrainOptions } from './train-package.ts';

export const TRAIN_USAGE = `usage: vigil train --data <csv> --model <name> --algo linear|gbdt --version <n>
                   [--seed 42] [--spec <path>] [--out <dir>] [--trained-at <iso>] [--force]

  --data        training CSV (header row; the spec names the target and features)
  --model       model name (lowercase letters, digits, dashes)
  --algo        linear (ridge regression, or logistic regression for a binary task) or gbdt
  --version     version number; the package goes to models/<name>/<version>
  --seed        seed of the split and of subsampling (default 42)
  --spec        training spec (default models/<name>/spec.json)
  --out         output directory (default models/<name>/<version>)
  --trained-at  ISO timestamp to record (default now; fix it to reproduce files byte for byte)
  --force       overwrite an existing version`;

export type ParsedTrainArgs = { kind: 'options'; options: TrainOptions } | { kind: 'help' } | { kind: 'error'; message: string };

const VALUE_FLAGS = new Set(['data', 'model', 'algo', 'version', 'seed', 'spec', 'out', 'trained-at']);
const DEFAULT_SEED = 42;
const IsoDateTime = z.iso.datetime({ offset: true });

export function parseTrainArgs(args: readonly string[], now: () => Date = () => new Date()): ParsedTrainArgs {
  const values = new Map<string, string>();
  let force = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    if (!arg.startsWith('--')) return error(`unexpected argument "${arg}" (options start with --)`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (name === 'force') {
      if (eq >= 0) return error('--force takes no value');
      force = true;
      continue;
    }
    if (!VALUE_FLAGS.has(name)) return error(`unknown option --${name} (see vigil train --help)`);
    if (values.has(name)) return error(`--${name} is given twice`);
    const value = eq >= 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined || value === '' || (eq < 0 && value.startsWith('--'))) return error(`--${name} needs a value`);
    values.set(name, value);
  }

  for (const required of ['data', 'model', 'algo', 'version']) {
    if (!values.has(required)) return error(`--${required} is required (see vigil train --help)`);
  }
  const model = values.get('model')!;
  if (!MODEL_NAME_PATTERN.test(model))
    return error(`--model "${model}" must be lowercase letters, digits and dashes, starting with a letter or digit`);
  const algo = values.get('algo')!;
  if (algo !== 'linear' && algo !== 'gbdt') return error(`--algo must be linear or gbdt, got "${algo}"`);
  const version = values.get('version')!;
  if (!VERSION_PATTERN.test(version)) return error(`--version must be a positive integer such as 3, got "${version}"`);
  const seedText = values.get('seed') ?? String(DEFAULT_SEED);
  const seed = Number(seedText);
  if (!/^\d+$/.test(seedText) || seed > 0xffffffff) return error(`--seed must be an integer from 0 to 4294967295, got "${seedText}"`);
  const trainedAt = values.get('trained-at') ?? now().toISOString();
  if (!IsoDateTime.safeParse(trainedAt).success)
    return error(`--trained-at must be an ISO date-time such as 2026-11-27T00:00:00Z, got "${trainedAt}"`);

  return {
    kind: 'options',
    options: {
      dataPath: values.get('data')!,
      modelName: model,
      algorithm: algo,
      version,
      seed,
      specPath: values.get('spec') ?? join('models', model, 'spec.json'),
      outDir: values.get('out') ?? join('models', model, version),
      trainedAt,
      force,
    },
  };
}

function error(message: string): ParsedTrainArgs {
  return { kind: 'error', message };
}
