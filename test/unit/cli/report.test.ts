import { afterEach, describe, expect, it } from 'vitest';
import { runReport } from '../../../cli/commands/report.ts';
import { renderReport } from '../../../cli/lib/report-view.ts';
import { at, captureIo, sendJson, startServer, vigilError, type TestServer } from './helpers.ts';

const shadowReport = {
  model: 'california-housing',
  window: '1h',
  primary: '1',
  shadows: [
    {
      version: '2',
      requests: 412,
      regression: { mean_abs_diff: 1234.5678, median_abs_diff: 900, p95_abs_diff: 4100, max_abs_diff: 12000, mean_signed_diff: -12.25 },
      latency_ms: { primary: { p50: 3.1, p95: 7.9 }, shadow: { p50: 3.4, p95: 8.8 } },
      errors: 0,
      slices: [
        { feature: 'ocean_proximity', slice: 'INLAND', requests: 130, mean_abs_diff: 800 },
        { feature: 'ocean_proximity', slice: 'NEAR BAY', requests: 40, mean_abs_diff: 1500 },
      ],
      quality: { verdict: 'shadow_better', test: 'paired t-test on absolute errors', p_value: 0.003, labelled: 380 },
    },
  ],
};

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('renderReport', () => {
  it('prints scalars as key: value, lists of objects as tables with flattened columns, and deeper parts as sections', () => {
    const text = renderReport(shadowReport);
    expect(text).toMatch(/^model:\s+california-housing\nwindow:\s+1h\nprimary:\s+1/);
    expect(text).toContain('shadows › version 2');
    expect(text).toMatch(/requests:\s+412/);
    // A nested object of scalars becomes key: value lines under its heading.
    expect(text).toMatch(/shadows › version 2 › regression\n\s+mean_abs_diff:\s+1234\.6\n\s+median_abs_diff:\s+900/);
    // An object of like objects becomes one table.
    expect(text).toMatch(/latency_ms\s+p50\s+p95\n\s+primary\s+3\.1\s+7\.9\n\s+shadow\s+3\.4\s+8\.8/);
    expect(text).toMatch(
      /feature\s+slice\s+requests\s+mean_abs_diff\n\s+ocean_proximity\s+INLAND\s+130\s+800\n\s+ocean_proximity\s+NEAR BAY\s+40\s+1500/,
    );
    expect(text).toMatch(/verdict:\s+shadow_better/);
  });

  it('renders a list of flat records as one table, nested objects as dotted columns, null as —', () => {
    const text = renderReport({
      checks: [
        { name: 'skew', status: 'pass', value: 0.04, threshold: { warn: 0.1, fail: 0.25 } },
        { name: 'drift', status: 'insufficient_data', value: null, threshold: { warn: 0.1, fail: 0.25 } },
      ],
    });
    expect(text).toBe(
      [
        'checks',
        '  name   status             value  threshold.warn  threshold.fail',
        '  skew   pass                0.04             0.1            0.25',
        '  drift  insufficient_data      —             0.1            0.25',
      ].join('\n'),
    );
  });

  it('joins short lists of scalars and marks empty ones', () => {
    expect(renderReport({ blocking: ['monitoring_3', 'infra_2'], missing: [] })).toBe('blocking: monitoring_3, infra_2\nmissing:  (none)');
  });
});

describe('vigil report', () => {
  it('fetches the report with the admin token and window and renders it', async () => {
    server = await startServer((_req, res) => sendJson(res, 200, shadowReport));
    const io = captureIo();
    expect(await runReport(['california-housing', 'shadow', '--window', '24h', ...at(server)], io)).toBe(0);
    expect(server.requests[0]!.url).toBe('/v1/models/california-housing/reports/shadow?window=24h');
    expect(server.requests[0]!.headers.authorization).toBe('Bearer secret-token');
    expect(io.out()).toMatch(/^shadow report: california-housing \(window 24h\)\n\nmodel:/);
    expect(io.out()).toContain('shadows › version 2');
  });

  it('prints the raw JSON with --json', async () => {
    server = await startServer((_req, res) => sendJson(res, 200, shadowReport));
    const io = captureIo();
    expect(await runReport(['california-housing', 'score', '--json', ...at(server)], io)).toBe(0);
    expect(server.requests[0]!.url).toBe('/v1/models/california-housing/reports/score');
    expect(JSON.parse(io.out())).toEqual(shadowReport);
  });

  it('refuses an unknown report or window as a usage error', async () => {
    const io = captureIo();
    expect(await runReport(['california-housing', 'latency', '--url', 'http://127.0.0.1:9', '--token', 't'], io)).toBe(2);
    expect(io.err()).toContain('unknown report "latency"; reports: shadow, canary, drift, quality, score');
    expect(
      await runReport(['california-housing', 'drift', '--window', 'an hour', '--url', 'http://127.0.0.1:9', '--token', 't'], captureIo()),
    ).toBe(2);
  });

  it("prints the server's error message", async () => {
    server = await startServer((_req, res) =>
      vigilError(res, 404, 'not_found', 'no route for GET /v1/models/california-housing/reports/shadow'),
    );
    const io = captureIo();
    expect(await runReport(['california-housing', 'shadow', ...at(server)], io)).toBe(1);
    expect(io.err()).toBe('vigil: no route for GET /v1/models/california-housing/reports/shadow\n');
  });
});
