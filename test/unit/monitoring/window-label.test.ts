import { describe, expect, it } from 'vitest';
import { windowLabel } from '../../../src/monitoring/checks/types.ts';
import { windowsFor } from '../../../src/monitoring/health-monitor.ts';
import { reportWindow } from '../../../src/reports/report-context.ts';

describe('windowLabel', () => {
  it('names whole days, then whole hours, then minutes', () => {
    expect([10, 90, 60, 120, 1440, 2880, 10_080].map(windowLabel)).toEqual(['10m', '90m', '1h', '2h', '1d', '2d', '7d']);
  });

  it('is the same label for a report window and a check window of the same length', () => {
    for (const minutes of [10, 60, 1440, 10_080]) expect(windowsFor(0, minutes).current.label).toBe(reportWindow(0, minutes).label);
  });
});
