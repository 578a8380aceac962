import { describe, expect, it } from 'vitest';
import { parseArgs, wants } from '../../../bench/lib/args.ts';

describe('parseArgs', () => {
  it('defaults to the full run: 20 s scenarios and a 2-minute soak', () => {
    const o = parseArgs([]);
    expect(o.quick).toBe(false);
    expect(o.durationSeconds).toBe(20);
    expect(o.soakSeconds).toBe(120);
    expect(o.connections).toBe(16);
    expect(o.only).toBeNull();
  });

  it('shortens everything with --quick and skips the soak', () => {
    const o = parseArgs(['--quick']);
    expect(o.quick).toBe(true);
    expect(o.durationSeconds).toBe(5);
    expect(o.soakSeconds).toBe(0);
    expect(o.coldStartRepetitions).toBe(3);
  });

  it('lets explicit options override the mode, in any order', () => {
    const o = parseArgs(['--duration', '7', '--quick', '--connections', '32', '--soak', '0']);
    expect(o.durationSeconds).toBe(7);
    expect(o.connections).toBe(32);
    expect(o.soakSeconds).toBe(0);
  });

  it('selects scenario groups with --only', () => {
    const o = parseArgs(['--only', 'vigil,peer']);
    expect(wants(o, 'vigil')).toBe(true);
    expect(wants(o, 'peer')).toBe(true);
    expect(wants(o, 'limit')).toBe(false);
    expect(wants(parseArgs([]), 'limit')).toBe(true);
  });

  it('rejects unknown options, groups and bad numbers with a message', () => {
    expect(() => parseArgs(['--fast'])).toThrow(/unknown option --fast/);
    expect(() => parseArgs(['--only', 'vigil,gpu'])).toThrow(/unknown: gpu/);
    expect(() => parseArgs(['--duration', 'x'])).toThrow(/--duration needs a positive number/);
    expect(() => parseArgs(['--connections', '0'])).toThrow(/positive/);
    expect(() => parseArgs(['--help'])).toThrow(/usage: npm run bench/);
  });
});
