import { describe, expect, it } from 'vitest';
import { describeChange } from '../../../cli/lib/deployment-view.ts';
import { parseDuration } from '../../../cli/lib/duration.ts';
import { formatNumber, formatRelative, formatTime } from '../../../cli/lib/format.ts';
import { bar, ProgressLine } from '../../../cli/lib/progress-bar.ts';
import { renderKeyValues, renderTable } from '../../../cli/lib/table.ts';
import { apiError, networkCause } from '../../../cli/lib/vigil-client.ts';
import { resolveConnection } from '../../../cli/lib/connection.ts';
import { deployment } from './fixtures.ts';

describe('renderTable', () => {
  it('pads columns, right-aligns numbers, clips long cells and keeps cells on one line', () => {
    const text = renderTable(
      [{ header: 'name' }, { header: 'count', align: 'right' }, { header: 'note', maxWidth: 8 }],
      [
        ['a', '5', 'short'],
        ['longer', '1234', 'a much longer note\nwith a break'],
      ],
    );
    expect(text).toBe(['name    count  note', 'a           5  short', 'longer   1234  a much …'].join('\n'));
  });

  it('aligns key: value blocks', () => {
    expect(
      renderKeyValues(
        [
          ['a', '1'],
          ['longer', '2'],
        ],
        '  ',
      ),
    ).toBe('  a:      1\n  longer: 2');
  });
});

describe('formatting', () => {
  it('formats numbers, relative changes and times', () => {
    expect([formatNumber(3), formatNumber(0.123456), formatNumber(30582.5035), formatNumber(1e-7)]).toEqual([
      '3',
      '0.1235',
      '30582.5',
      '1.00e-7',
    ]);
    expect([formatRelative(0.052), formatRelative(-1.25), formatRelative(-0.0001), formatRelative(Infinity)]).toEqual([
      '+5.2 %',
      '-125 %',
      '0.0 %',
      '+∞',
    ]);
    expect(formatTime('2026-11-27T10:38:12.345Z')).toBe('2026-11-27 10:38:12Z');
  });

  it('parses durations', () => {
    expect([parseDuration('20s'), parseDuration('500ms'), parseDuration('1.5m'), parseDuration('2h'), parseDuration('3')]).toEqual([
      { ok: true, ms: 20_000 },
      { ok: true, ms: 500 },
      { ok: true, ms: 90_000 },
      { ok: true, ms: 7_200_000 },
      { ok: true, ms: 3000 },
    ]);
    expect(parseDuration('soon').ok).toBe(false);
  });

  it('summarizes what a deployment change did', () => {
    expect(describeChange(deployment, { ...deployment, primary: '3', canary: null, sample_rate: 0.05 })).toBe(
      'primary 1 → 3; canary 3 @ 10 % → none; sample rate 1 % → 5 %',
    );
    expect(describeChange(deployment, { ...deployment, shadows: [] })).toBe('shadows 2 @ 100 % → none');
    expect(describeChange(deployment, deployment)).toBe('no change');
  });
});

describe('progress', () => {
  it('draws bars and redraws in place only on a terminal', () => {
    expect(bar(0.5, 10)).toBe('[█████░░░░░]');
    expect(bar(2, 4)).toBe('[████]');
    let written = '';
    let clock = 0;
    const line = new ProgressLine({ write: (t) => void (written += t), isTTY: true }, () => clock, 100);
    line.update('one');
    line.update('two'); // throttled
    clock = 150;
    line.update('three');
    line.finish();
    expect(written).toBe('\r\x1b[2Kone\r\x1b[2Kthree\r\x1b[2Kthree\n');
    let piped = '';
    const quiet = new ProgressLine({ write: (t) => void (piped += t), isTTY: false }, () => 0);
    quiet.update('x', true);
    quiet.finish();
    expect(piped).toBe('');
  });
});

describe('errors from responses', () => {
  it('reads Vigil errors, OIP V2 errors and anything else', () => {
    const vigil = apiError(400, {
      error: { code: 'invalid_request', message: 'bad', details: [{ field: 'percent', code: 'too_big', message: 'at most 100' }] },
    });
    expect([vigil.message, vigil.code, vigil.details]).toEqual(['bad', 'invalid_request', ['  - percent: at most 100']]);
    const v2 = apiError(404, {
      error: 'model "x" does not exist',
      code: 'model_not_found',
      details: [{ field: 'model', message: 'no model named "x"' }],
    });
    expect([v2.message, v2.code, v2.details]).toEqual(['model "x" does not exist', 'model_not_found', ['  - model: no model named "x"']]);
    expect(apiError(502, '<html>\n<body>Bad gateway</body></html>').message).toBe('HTTP 502: <html> <body>Bad gateway</body></html>');
    expect(apiError(500, null).message).toBe('HTTP 500');
  });

  it("finds the socket error code inside fetch's wrapper", () => {
    expect(networkCause(new TypeError('fetch failed', { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) }))).toBe(
      'ECONNREFUSED',
    );
    expect(networkCause(new TypeError('fetch failed', { cause: { errors: [{ code: 'ECONNREFUSED' }, { code: 'ECONNREFUSED' }] } }))).toBe(
      'ECONNREFUSED',
    );
  });
});

describe('actor', () => {
  const io = { env: {}, devVarsPath: '/nonexistent', defaultActor: 'josé@höst' };
  it('makes the OS actor header-safe and refuses a non-ASCII --actor', () => {
    expect(resolveConnection({}, io).actor).toBe('jos_@h_st');
    expect(() => resolveConnection({ actor: 'zoë' }, io)).toThrow('--actor must be 1-128 printable ASCII characters');
  });
});
