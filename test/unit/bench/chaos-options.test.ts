import { describe, expect, it } from 'vitest';
import { PHASES, parseChaosArgs } from '../../../bench/chaos/options.ts';

describe('npm run chaos options', () => {
  it('runs every fault phase by default, queue stalls among them, each stalling --stall seconds', () => {
    expect(parseChaosArgs([])).toMatchObject({ only: null, stallSeconds: 2 });
    expect(PHASES).toContain('queue-stalls');
    const options = parseChaosArgs(['--quick', '--only', 'queue-stalls,d1-stalls', '--stall', '3']);
    expect([...options.only!]).toEqual(['queue-stalls', 'd1-stalls']);
    expect(options).toMatchObject({ quick: true, phaseSeconds: 5, stallSeconds: 3 });
  });

  it('names the phases it knows when --only names one it does not', () => {
    expect(() => parseChaosArgs(['--only', 'queue-stall'])).toThrow(/queue-send-failures, queue-stalls, .*unknown: queue-stall$/);
  });
});
