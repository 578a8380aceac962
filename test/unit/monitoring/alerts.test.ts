import { describe, expect, it } from 'vitest';
import { rollbackPayload, stateChangePayload, stateChanges } from '../../../src/monitoring/alerts.ts';
import type { CheckStatus, HealthCheckResult } from '../../../src/monitoring/checks/types.ts';

function r(check: HealthCheckResult['check'], subject: string, status: CheckStatus, value: number | null = 0.3): HealthCheckResult {
  return { check, subject, version: '1', status, value, threshold: 0.25, window: '60m', details: {} };
}

const states = (entries: [string, string, CheckStatus][]) => new Map(entries.map(([c, s, st]) => [`${c}\u0000${s}`, st]));

describe('stateChanges', () => {
  it('does not alert on a new subject that passes, but does on one that starts warning or failing', () => {
    const changes = stateChanges(new Map(), [r('skew', 'age', 'pass'), r('skew', 'hours', 'warn'), r('drift', 'age', 'fail')]);
    expect(changes.map((c) => [c.check, c.subject, c.from, c.to])).toEqual([
      ['skew', 'hours', null, 'warn'],
      ['drift', 'age', null, 'fail'],
    ]);
  });

  it('alerts on pass → fail and on fail → pass, once each', () => {
    const failing = stateChanges(states([['skew', 'age', 'pass']]), [r('skew', 'age', 'fail', 0.4)]);
    expect(failing).toEqual([
      { check: 'skew', subject: 'age', version: '1', from: 'pass', to: 'fail', value: 0.4, threshold: 0.25, window: '60m' },
    ]);
    const recovered = stateChanges(states([['skew', 'age', 'fail']]), [r('skew', 'age', 'pass', 0.01)]);
    expect(recovered.map((c) => [c.from, c.to])).toEqual([['fail', 'pass']]);
    expect(stateChanges(states([['skew', 'age', 'warn']]), [r('skew', 'age', 'fail')]).map((c) => [c.from, c.to])).toEqual([
      ['warn', 'fail'],
    ]);
  });

  it('does not re-alert a steady state', () => {
    expect(stateChanges(states([['skew', 'age', 'fail']]), [r('skew', 'age', 'fail')])).toEqual([]);
    expect(stateChanges(states([['skew', 'age', 'pass']]), [r('skew', 'age', 'pass')])).toEqual([]);
  });

  it('treats insufficient_data as no change, whatever came before', () => {
    expect(stateChanges(states([['skew', 'age', 'fail']]), [r('skew', 'age', 'insufficient_data', null)])).toEqual([]);
    expect(stateChanges(new Map(), [r('quality', '', 'insufficient_data', null)])).toEqual([]);
  });

  it('keys states by check and subject', () => {
    const changes = stateChanges(states([['skew', 'age', 'fail']]), [
      r('drift', 'age', 'fail'),
      r('skew', 'hours', 'fail'),
      r('skew', 'age', 'fail'),
    ]);
    expect(changes.map((c) => `${c.check}/${c.subject}`)).toEqual(['drift/age', 'skew/hours']);
  });
});

describe('alert payloads', () => {
  it('carries a Slack-compatible text naming each change, plus the structured changes', () => {
    const changes = stateChanges(states([['skew', 'age', 'pass']]), [r('skew', 'age', 'fail', 0.4)]);
    const payload = stateChangePayload('adult-income', changes, new Date('2026-11-27T10:00:00Z'));
    expect(payload.kind).toBe('state_change');
    expect(payload.text).toContain('adult-income');
    expect(payload.text).toContain('skew age: pass → fail');
    expect(payload.text).toContain('value 0.4');
    expect(payload.changes).toEqual(changes);
    expect(payload.at).toBe('2026-11-27T10:00:00.000Z');
  });

  it('says which canary was rolled back and why', () => {
    const payload = rollbackPayload('california-housing', '2', 'canary check error_rate failed', new Date(0));
    expect(payload).toMatchObject({ kind: 'canary_rollback', model: 'california-housing', note: 'canary check error_rate failed' });
    expect(payload.text).toContain('canary version 2 was rolled back');
    expect(payload.text).toContain('canary check error_rate failed');
  });
});
