import { describe, expect, it } from 'vitest';
import type { CheckName, CheckStatus } from '../../../src/monitoring/checks/types.ts';
import { binLabels, formatMetric, worstStatus } from '../../../src/reports/views/format.ts';
import { latestRun, summarizeChecks } from '../../../src/reports/views/health.ts';
import { HomePage } from '../../../src/reports/views/home-page.tsx';
import { renderPage } from '../../../src/reports/views/layout.tsx';
import { LoginPage } from '../../../src/reports/views/login-page.tsx';
import { qualitySeries } from '../../../src/reports/views/quality-view.tsx';
import { scoreMeaning } from '../../../src/reports/views/score-card-view.tsx';
import type { QualityReport, StoredCheck } from '../../../src/reports/views/types.ts';

function check(check: CheckName, subject: string, status: CheckStatus, checkedAt = '2026-11-27T10:00:00.000Z'): StoredCheck {
  return { check, subject, status, version: '1', value: null, threshold: null, window: '1h', details: {}, checked_at: checkedAt };
}

describe('health at a glance', () => {
  it('keeps only the latest run', () => {
    const old = check('canary', '', 'fail', '2026-11-27T09:00:00.000Z');
    const now = check('skew', 'age', 'pass');
    expect(latestRun([old, now])).toEqual([now]);
    expect(latestRun([])).toEqual([]);
  });

  it('summarises each check by its worst subject, naming the ones not passing', () => {
    const summary = summarizeChecks([
      check('skew', 'age', 'pass'),
      check('skew', 'workclass', 'warn'),
      check('skew', 'race', 'fail'),
      check('drift', 'age', 'insufficient_data'),
      check('staleness', '', 'pass'),
    ]);
    expect(summary.map((s) => [s.check, s.status, s.subjects])).toEqual([
      ['staleness', 'pass', 1],
      ['skew', 'fail', 3],
      ['drift', 'insufficient_data', 1],
    ]);
    expect(summary.find((s) => s.check === 'skew')!.flagged).toEqual(['race', 'workclass']);
  });

  it('orders statuses fail > warn > pass > insufficient data', () => {
    expect(worstStatus(['pass', 'warn', 'insufficient_data'])).toBe('warn');
    expect(worstStatus(['insufficient_data', 'pass'])).toBe('pass');
    expect(worstStatus([])).toBe('insufficient_data');
  });
});

describe('formatting', () => {
  it('labels training bins the way binning assigns values (upper edge inclusive)', () => {
    expect(binLabels([22, 26, 30])).toEqual(['≤ 22', '22–26', '26–30', '> 30']);
    expect(binLabels([])).toEqual(['all']);
  });

  it('writes scores with three decimals and errors in their units', () => {
    expect(formatMetric('auc', 0.90919)).toBe('0.909');
    expect(formatMetric('mae', 58236.4)).toBe('58,236');
    expect(formatMetric('auc', null)).toBe('–');
  });

  it('reads the final score as the paper does', () => {
    expect(scoreMeaning(0)).toMatch(/research project/);
    expect(scoreMeaning(4)).toMatch(/mission-critical/);
    expect(scoreMeaning(6)).toMatch(/exceptional/);
  });
});

describe('qualitySeries', () => {
  it('fills every bucket of the window, with null where no labels arrived', () => {
    const report = {
      window: { label: '1h', from: '2026-11-27T10:05:00.000Z', to: '2026-11-27T11:05:00.000Z' },
      over_time: {
        bucket: '10m',
        points: [
          { from: '2026-11-27T10:10:00.000Z', labelled: 40, value: 0.91 },
          { from: '2026-11-27T10:50:00.000Z', labelled: 12, value: 0.88 },
        ],
      },
    } as unknown as QualityReport;
    const series = qualitySeries(report);
    expect(series.labels).toEqual(['10:00', '10:10', '10:20', '10:30', '10:40', '10:50', '11:00']);
    expect(series.values).toEqual([null, 0.91, null, null, null, 0.88, null]);
    expect(series.labelled).toEqual([0, 40, 0, 0, 0, 12, 0]);
  });
});

describe('pages', () => {
  it('escapes model names and never needs a script', () => {
    const html = renderPage(
      HomePage({
        models: [{ model: '<img src=x onerror=alert(1)>', manifest: null, deployment: null, versions: [], checks: [] }],
        signedIn: true,
      }),
    );
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('href="/models/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E"');
    expect(html).not.toContain('<script');
    expect(html).toContain('action="/logout"');
  });

  it('renders the sign-in form with its error and return path, escaped', () => {
    const html = renderPage(LoginPage({ error: 'That is not the admin token.', next: '/models/a"b' }));
    expect(html).toContain('<form method="post" action="/login">');
    expect(html).toContain('name="token" type="password"');
    expect(html).toContain('role="alert"');
    expect(html).toContain('value="/models/a&quot;b"');
  });
});
