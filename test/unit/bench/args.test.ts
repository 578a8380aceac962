import { describe, expect, it } from 'vitest';
import { parseArgs, wants, wantsLoad, wantsServer } from '../../../bench/lib/args.ts';

describe('parseArgs', () => {
  it('defaults to the full run: 20 s scenarios and a 2-minute soak', () => {
    const o = parseArgs([]);
    expect(o.quick).toBe(false);
    expect(o.durationSeconds).toBe(20);
    expect(o.soakSeconds).toBe(120);
    expect(o.soakWarmupSeconds).toBe(60);
    expect(o.connections).toBe(16);
    expect(o.only).toBeNull();
  });

  it('shortens everything with --quick and skips the soak', () => {
    const o = parseArgs(['--quick']);
    expect(o.quick).toBe(true);
    expect(o.durationSeconds).toBe(5);
    expect(o.soakSeconds).toBe(0);
    expect(o.soakWarmupSeconds).toBe(3);
    expect(o.coldStartRepetitions).toBe(3);
  });

  it('lets explicit options override the mode, in any order', () => {
    const o = parseArgs(['--duration', '7', '--quick', '--connections', '32', '--soak', '0', '--soak-warmup', '30']);
    expect(o.durationSeconds).toBe(7);
    expect(o.soakWarmupSeconds).toBe(30);
    expect(o.connections).toBe(32);
    expect(o.soakSeconds).toBe(0);
  });

  it('runs five interleaved rounds of 5 s slices in full runs, none in quick ones unless asked', () => {
    expect([parseArgs([]).pairedRounds, parseArgs([]).pairedSliceSeconds]).toEqual([5, 5]);
    expect(parseArgs(['--quick']).pairedRounds).toBe(0);
    const o = parseArgs(['--quick', '--paired', '3', '--paired-slice', '2']);
    expect([o.pairedRounds, o.pairedSliceSeconds]).toEqual([3, 2]);
    expect(parseArgs(['--paired', '0']).pairedRounds).toBe(0);
    expect(() => parseArgs(['--paired-slice', '0'])).toThrow(/--paired-slice needs a positive number/);
  });

  it('rejects unknown options, groups and bad numbers with a message', () => {
    expect(() => parseArgs(['--fast'])).toThrow(/unknown option --fast/);
    expect(() => parseArgs(['--only', 'vigil,gpu'])).toThrow(/unknown: gpu/);
    expect(() => parseArgs(['--only', ''])).toThrow(/comma-separated list/);
    expect(() => parseArgs(['--duration', 'x'])).toThrow(/--duration needs a positive number/);
    expect(() => parseArgs(['--connections', '0'])).toThrow(/positive/);
    expect(() => parseArgs(['--help'])).toThrow(/usage: npm run bench/);
  });

  it('names every group --only takes in the usage, the new floor and model groups included', () => {
    let usage = '';
    try {
      parseArgs(['--help']);
    } catch (error) {
      usage = (error as Error).message;
    }
    for (const group of [
      'vigil',
      'limit',
      'peer',
      'floor',
      'california-housing',
      'adult-income',
      'titanic',
      'cold',
      'profile',
      'micro',
      'assets',
    ])
      expect(usage).toContain(group);
  });
});

describe('what --only selects', () => {
  it('runs everything without --only, assets in full runs only', () => {
    const full = parseArgs([]);
    expect(wantsLoad(full, 'floor', 'titanic')).toBe(true);
    expect(wants(full, 'cold')).toBe(true);
    expect(wants(full, 'assets')).toBe(true);
    expect(wants(parseArgs(['--quick']), 'assets')).toBe(false);
  });

  it('runs the named servers on every model family', () => {
    const o = parseArgs(['--only', 'vigil,floor']);
    expect(wantsLoad(o, 'vigil', 'california-housing')).toBe(true);
    expect(wantsLoad(o, 'floor', 'titanic')).toBe(true);
    expect(wantsLoad(o, 'limit', 'california-housing')).toBe(false);
    expect(wantsServer(o, 'peer')).toBe(false);
    expect(wants(o, 'cold')).toBe(false);
  });

  it('runs every server on the named model families', () => {
    const o = parseArgs(['--only', 'adult-income']);
    expect(wantsLoad(o, 'peer', 'adult-income')).toBe(true);
    expect(wantsLoad(o, 'vigil', 'adult-income')).toBe(true);
    expect(wantsLoad(o, 'vigil', 'california-housing')).toBe(false);
    expect(wants(o, 'profile')).toBe(false);
  });

  it('crosses named servers with named models', () => {
    const o = parseArgs(['--only', 'limit,titanic,micro']);
    expect(wantsLoad(o, 'limit', 'titanic')).toBe(true);
    expect(wantsLoad(o, 'limit', 'adult-income')).toBe(false);
    expect(wantsLoad(o, 'vigil', 'titanic')).toBe(false);
    expect(wants(o, 'micro')).toBe(true);
  });

  it('runs no load scenario when only phases are named', () => {
    const o = parseArgs(['--only', 'cold,assets']);
    expect(wantsServer(o, 'vigil')).toBe(false);
    expect(wants(o, 'cold')).toBe(true);
    expect(wants(o, 'assets')).toBe(true);
  });
});
