import { describe, expect, it } from 'vitest';
import {
  applyDeploymentAction,
  previousPrimary,
  type Deployment,
  type DeploymentAction,
  type DeploymentChange,
  type PrimaryHistoryEntry,
  type VersionInfo,
} from '../../src/traffic/deployment.ts';

type State = Pick<Deployment, 'model' | 'primary' | 'canary' | 'shadows' | 'sample_rate'>;

const versions = new Map<string, VersionInfo>([
  ['1', { status: 'qa_passed' }],
  ['2', { status: 'qa_passed' }],
  ['3', { status: 'qa_passed' }],
  ['4', { status: 'qa_failed', qaFailure: 'golden_outputs: 3 of 24 golden examples are outside tolerance' }],
  ['5', { status: 'qa_passed' }],
]);

const base: State = { model: 'm', primary: '1', canary: null, shadows: [{ version: '2', sample_rate: 1 }], sample_rate: 0.01 };

function ok(change: DeploymentChange): State {
  if (!change.ok) throw new Error(`refused: ${change.error.code}: ${change.error.message}`);
  return change.deployment;
}

function refused(change: DeploymentChange) {
  if (change.ok) throw new Error(`expected a refusal, got ${JSON.stringify(change.deployment)}`);
  return change.error;
}

const apply = (action: DeploymentAction, state: State = base, history: PrimaryHistoryEntry[] = []) =>
  applyDeploymentAction(state, action, versions, history);

describe('applyDeploymentAction', () => {
  describe('promote', () => {
    it('makes the version primary and keeps the rest', () => {
      expect(ok(apply({ action: 'promote', version: '3' }))).toEqual({ ...base, primary: '3' });
    });

    it('removes the promoted version from the shadows', () => {
      expect(ok(apply({ action: 'promote', version: '2' }))).toEqual({ ...base, primary: '2', shadows: [] });
    });

    it('clears the canary when the canary is promoted, and keeps another canary', () => {
      const withCanary = { ...base, canary: { version: '3', percent: 10 } };
      expect(ok(apply({ action: 'promote', version: '3' }, withCanary)).canary).toBeNull();
      expect(ok(apply({ action: 'promote', version: '5' }, withCanary)).canary).toEqual({ version: '3', percent: 10 });
    });

    it('refuses a version that failed QA, with the QA failure', () => {
      expect(refused(apply({ action: 'promote', version: '4' }))).toEqual({
        code: 'version_not_qa_passed',
        message: 'version 4 of "m" failed QA and cannot become primary: golden_outputs: 3 of 24 golden examples are outside tolerance',
      });
    });

    it('refuses an unknown version', () => {
      expect(refused(apply({ action: 'promote', version: '9' }))).toEqual({
        code: 'version_not_found',
        message: 'model "m" has no version "9"',
      });
    });

    it('refuses to promote the current primary', () => {
      expect(refused(apply({ action: 'promote', version: '1' })).code).toBe('invalid_state');
    });
  });

  describe('canary', () => {
    it('sets the canary and stops shadowing that version', () => {
      expect(ok(apply({ action: 'canary', version: '2', percent: 10 }))).toEqual({
        ...base,
        canary: { version: '2', percent: 10 },
        shadows: [],
      });
    });

    it('replaces an existing canary and changes its percent', () => {
      const withCanary = { ...base, canary: { version: '3', percent: 10 } };
      expect(ok(apply({ action: 'canary', version: '3', percent: 25 }, withCanary)).canary).toEqual({ version: '3', percent: 25 });
      expect(ok(apply({ action: 'canary', version: '5', percent: 5 }, withCanary)).canary).toEqual({ version: '5', percent: 5 });
    });

    it('refuses a version that failed QA, with the QA failure', () => {
      const error = refused(apply({ action: 'canary', version: '4', percent: 10 }));
      expect(error.code).toBe('version_not_qa_passed');
      expect(error.message).toBe(
        'version 4 of "m" failed QA and cannot become canary: golden_outputs: 3 of 24 golden examples are outside tolerance',
      );
    });

    it('refuses an unknown version and the primary', () => {
      expect(refused(apply({ action: 'canary', version: '9', percent: 10 })).code).toBe('version_not_found');
      expect(refused(apply({ action: 'canary', version: '1', percent: 10 })).code).toBe('invalid_state');
    });

    it.each([0, -5, 100.5, Number.NaN])('refuses percent %s', (percent) => {
      expect(refused(apply({ action: 'canary', version: '3', percent })).code).toBe('invalid_value');
    });

    it('accepts 100 %', () => {
      expect(ok(apply({ action: 'canary', version: '3', percent: 100 })).canary).toEqual({ version: '3', percent: 100 });
    });
  });

  describe('clear_canary', () => {
    it('removes the canary', () => {
      expect(ok(apply({ action: 'clear_canary' }, { ...base, canary: { version: '3', percent: 10 } }))).toEqual(base);
    });

    it('refuses when there is no canary', () => {
      expect(refused(apply({ action: 'clear_canary' })).code).toBe('invalid_state');
    });
  });

  describe('shadow', () => {
    it('adds a shadow, keeping shadows ordered by version', () => {
      expect(
        ok(apply({ action: 'shadow', version: '5', sample_rate: 0.5 }, { ...base, shadows: [{ version: '3', sample_rate: 1 }] })).shadows,
      ).toEqual([
        { version: '3', sample_rate: 1 },
        { version: '5', sample_rate: 0.5 },
      ]);
      expect(ok(apply({ action: 'shadow', version: '3', sample_rate: 0.2 })).shadows).toEqual([
        { version: '2', sample_rate: 1 },
        { version: '3', sample_rate: 0.2 },
      ]);
    });

    it('changes the sample rate of an existing shadow instead of adding it twice', () => {
      expect(ok(apply({ action: 'shadow', version: '2', sample_rate: 0.25 })).shadows).toEqual([{ version: '2', sample_rate: 0.25 }]);
    });

    it('refuses a version that failed QA, an unknown version, the primary and the canary', () => {
      expect(refused(apply({ action: 'shadow', version: '4', sample_rate: 1 })).code).toBe('version_not_qa_passed');
      expect(refused(apply({ action: 'shadow', version: '9', sample_rate: 1 })).code).toBe('version_not_found');
      expect(refused(apply({ action: 'shadow', version: '1', sample_rate: 1 })).code).toBe('invalid_state');
      expect(
        refused(apply({ action: 'shadow', version: '3', sample_rate: 1 }, { ...base, canary: { version: '3', percent: 5 } })).code,
      ).toBe('invalid_state');
    });

    it.each([0, -0.1, 1.01, Number.NaN])('refuses sample_rate %s', (sampleRate) => {
      expect(refused(apply({ action: 'shadow', version: '3', sample_rate: sampleRate })).code).toBe('invalid_value');
    });
  });

  describe('clear_shadow', () => {
    it('removes that shadow only', () => {
      const two = {
        ...base,
        shadows: [
          { version: '2', sample_rate: 1 },
          { version: '3', sample_rate: 0.5 },
        ],
      };
      expect(ok(apply({ action: 'clear_shadow', version: '2' }, two)).shadows).toEqual([{ version: '3', sample_rate: 0.5 }]);
    });

    it('refuses a version that is not a shadow', () => {
      expect(refused(apply({ action: 'clear_shadow', version: '3' })).code).toBe('invalid_state');
    });
  });

  describe('rollback', () => {
    const promoted: PrimaryHistoryEntry[] = [
      { before: '1', after: '2' },
      { before: null, after: '1' },
    ];

    it('returns to the previous primary and clears the canary judged against the rolled-back one', () => {
      const current = { ...base, primary: '2', canary: { version: '3', percent: 10 }, shadows: [{ version: '5', sample_rate: 1 }] };
      expect(ok(apply({ action: 'rollback' }, current, promoted))).toEqual({ ...current, primary: '1', canary: null });
    });

    it('stops shadowing the version it returns to', () => {
      const current = { ...base, primary: '2', shadows: [{ version: '1', sample_rate: 1 }] };
      expect(ok(apply({ action: 'rollback' }, current, promoted)).shadows).toEqual([]);
    });

    it('refuses with no_previous_primary when the primary never changed', () => {
      expect(refused(apply({ action: 'rollback' }, base, [{ before: null, after: '1' }]))).toEqual({
        code: 'no_previous_primary',
        message: 'model "m" has no previous primary to roll back to',
      });
      expect(refused(apply({ action: 'rollback' }, base, [])).code).toBe('no_previous_primary');
    });

    it('refuses when the previous primary is no longer servable', () => {
      const history = [{ before: '4', after: '2' }];
      expect(refused(apply({ action: 'rollback' }, { ...base, primary: '2' }, history)).code).toBe('version_not_qa_passed');
    });
  });

  describe('sampling', () => {
    it('sets the sample rate, 0 and 1 included', () => {
      expect(ok(apply({ action: 'sampling', sample_rate: 0.2 })).sample_rate).toBe(0.2);
      expect(ok(apply({ action: 'sampling', sample_rate: 0 })).sample_rate).toBe(0);
      expect(ok(apply({ action: 'sampling', sample_rate: 1 })).sample_rate).toBe(1);
    });

    it.each([-0.01, 1.5, Number.NaN])('refuses sample_rate %s', (sampleRate) => {
      expect(refused(apply({ action: 'sampling', sample_rate: sampleRate })).code).toBe('invalid_value');
    });
  });

  it('never mutates the current deployment', () => {
    const current: State = { ...base, canary: { version: '3', percent: 10 }, shadows: [{ version: '2', sample_rate: 1 }] };
    const snapshot = structuredClone(current);
    const actions: DeploymentAction[] = [
      { action: 'promote', version: '2' },
      { action: 'canary', version: '5', percent: 20 },
      { action: 'clear_canary' },
      { action: 'shadow', version: '5', sample_rate: 0.5 },
      { action: 'clear_shadow', version: '2' },
      { action: 'rollback' },
      { action: 'sampling', sample_rate: 0.5 },
    ];
    for (const action of actions) apply(action, current, [{ before: '5', after: '1' }]);
    expect(current).toEqual(snapshot);
  });
});

describe('previousPrimary', () => {
  it('is null for a deployment whose primary never changed', () => {
    expect(previousPrimary('1', [])).toBeNull();
    expect(previousPrimary('1', [{ before: null, after: '1' }])).toBeNull();
  });

  it('is the primary before the change that made the current primary primary', () => {
    expect(
      previousPrimary('2', [
        { before: '1', after: '2' },
        { before: null, after: '1' },
      ]),
    ).toBe('1');
  });

  it('skips changes that kept the primary (canary, shadow, sampling)', () => {
    const history = [
      { before: '3', after: '3' },
      { before: '3', after: '3' },
      { before: '2', after: '3' },
      { before: '1', after: '2' },
      { before: null, after: '1' },
    ];
    expect(previousPrimary('3', history)).toBe('2');
  });

  it('uses the most recent change to the current primary', () => {
    // 1 → 2 → 1 (rollback) → 2 (promote again): the previous primary is 1.
    const history = [
      { before: '1', after: '2' },
      { before: '2', after: '1' },
      { before: '1', after: '2' },
      { before: null, after: '1' },
    ];
    expect(previousPrimary('2', history)).toBe('1');
    expect(previousPrimary('1', history.slice(1))).toBe('2');
  });
});
