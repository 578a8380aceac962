import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseTrainArgs } from '../../../cli/train/args.ts';
import { runTrain } from '../../../cli/train/command.ts';

const required = ['--data', 'd.csv', '--model', 'house-prices', '--algo', 'gbdt', '--version', '2'];

describe('vigil train arguments', () => {
  afterEach(() => vi.restoreAllMocks());

  it('defaults the seed, spec, output directory and timestamp', () => {
    const parsed = parseTrainArgs(required, () => new Date('2026-01-02T03:04:05Z'));
    expect(parsed).toEqual({
      kind: 'options',
      options: {
        dataPath: 'd.csv',
        modelName: 'house-prices',
        algorithm: 'gbdt',
        version: '2',
        seed: 42,
        specPath: 'models/house-prices/spec.json',
        outDir: 'models/house-prices/2',
        trainedAt: '2026-01-02T03:04:05.000Z',
        force: false,
      },
    });
  });

  it('accepts --flag=value and --force', () => {
    const parsed = parseTrainArgs([...required, '--seed=7', '--out=/tmp/x', '--trained-at', '2026-11-27T00:00:00Z', '--force']);
    expect(parsed).toMatchObject({
      kind: 'options',
      options: { seed: 7, outDir: '/tmp/x', trainedAt: '2026-11-27T00:00:00Z', force: true },
    });
  });

  it.each([
    [['--model', 'x', '--algo', 'gbdt', '--version', '1'], '--data is required'],
    [[...required, '--algo2', 'x'], 'unknown option --algo2'],
    [['--data', 'd.csv', '--model', 'x', '--algo', 'forest', '--version', '1'], '--algo must be linear or gbdt'],
    [['--data', 'd.csv', '--model', 'x', '--algo', 'gbdt', '--version', 'v2'], '--version must be a positive integer'],
    [['--data', 'd.csv', '--model', 'House', '--algo', 'gbdt', '--version', '1'], '--model "House" must be lowercase'],
    [[...required, '--seed', '-1'], '--seed must be an integer'],
    [[...required, '--seed', '1.5'], '--seed must be an integer'],
    [[...required, '--trained-at', 'yesterday'], '--trained-at must be an ISO date-time'],
    [[...required, '--spec'], '--spec needs a value'],
    [[...required, '--spec', '--force'], '--spec needs a value'],
    [[...required, '--data', 'again.csv'], '--data is given twice'],
    [[...required, 'extra'], 'unexpected argument "extra"'],
  ])('rejects %j', (args, message) => {
    const parsed = parseTrainArgs(args);
    expect(parsed.kind).toBe('error');
    if (parsed.kind === 'error') expect(parsed.message).toContain(message);
  });

  it('prints one line and exits 2 on a bad command line', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await runTrain(['--algo', 'forest'])).toBe(2);
    expect(error).toHaveBeenCalledTimes(1);
    expect(String(error.mock.calls[0]![0])).toMatch(/^vigil train: --data is required/);
  });

  it('exits 2 when the data file does not exist', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(
      await runTrain([
        '--data',
        '/nonexistent.csv',
        '--model',
        'x',
        '--algo',
        'linear',
        '--version',
        '1',
        '--spec',
        'test/fixtures/synthetic/regression.spec.json',
        '--out',
        '/tmp/vigil-never',
      ]),
    ).toBe(2);
    expect(String(error.mock.calls[0]![0])).toBe('vigil train: no data file at /nonexistent.csv');
  });

  it('prints usage and exits 0 for --help', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(await runTrain(['--help'])).toBe(0);
    expect(String(log.mock.calls[0]![0])).toContain('usage: vigil train');
  });
});
