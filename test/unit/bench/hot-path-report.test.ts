import { describe, expect, it } from 'vitest';
import { floorSplit, formatHotPath, type ProfileSummary } from '../../../bench/lib/hot-path-report.ts';

const usPerRequest = {
  'runtime (native, not JS)': 40,
  'body read + JSON.parse': 7,
  'workerd built-ins (JS)': 3,
  'HTTP framework (Hono, middleware, routes)': 11,
  'prediction service': 4,
  idle: 100,
};

describe('floorSplit', () => {
  it('separates what the floor Worker does too from what only Vigil does, idle left out', () => {
    expect(floorSplit(usPerRequest)).toEqual({
      floorToo: 50,
      vigilOnly: 15,
      vigilOnlyByCategory: [
        ['HTTP framework (Hono, middleware, routes)', 11],
        ['prediction service', 4],
      ],
    });
  });
});

describe('formatHotPath', () => {
  it('prints the profile with the floor split and the micro-benchmark stages', () => {
    const profile: ProfileSummary = {
      instancesPerRequest: 1,
      requests: 100,
      requestsPerSecondUnderProfiler: 5000,
      serverCpuUsPerRequest: 80,
      wallMs: 1000,
      usPerRequest,
      usPerRequestByVigilFile: { 'src/app.ts': 12 },
      topFunctions: [{ name: 'f', source: 'src/app.ts', usPerRequest: 2 }],
    };
    const text = formatHotPath(
      { single: profile },
      {
        model: 'm@2',
        timings: [
          { stage: 'compile', instances: 0, us: 25000 },
          { stage: 'run', instances: 1, us: 2 },
          { stage: 'run', instances: 100, us: 90 },
        ],
      },
    );
    expect(text).toContain('Against the floor: 50.0 µs per request is work the floor Worker does too');
    expect(text).toContain("15.0 µs is Vigil's own: HTTP framework (Hono, middleware, routes) 11.0, prediction service 4.0.");
    expect(text).toContain('| compile | 25000.00 | – |');
    expect(text).toContain('| run | 2.00 | 90.00 |');
  });
});
