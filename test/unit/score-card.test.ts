import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { HealthCheckResult } from '../../src/monitoring/checks/types.ts';
import { parseManifest, type Manifest } from '../../src/model/manifest.ts';
import { buildScoreCard, type Mark, type ScoreFacts } from '../../src/reports/score-card.ts';
import type { Deployment } from '../../src/traffic/deployment.ts';
import type { DeploymentEvent } from '../../src/traffic/deployment-store.ts';

/** Raw manifest JSON, edited freely before it is parsed (and validated) again. */
// biome-ignore lint/suspicious/noExplicitAny: manifests are edited freely here, then parsed and validated again
type Json = Record<string, any>;

const housingJson = (version: string): Json =>
  JSON.parse(readFileSync(new URL(`../../models/california-housing/${version}/manifest.json`, import.meta.url), 'utf8')) as Json;

/**
 * The bundled california-housing manifest of `version`, without the feature assessment and tuning record training
 * measured and the declarations its spec makes (tests add their own where they need them), changed by `edit` and
 * parsed.
 */
function housing(version: '1' | '2' = '1', edit: (m: Json) => void = () => {}): Manifest {
  const input = housingJson(version);
  delete input.training.feature_assessment;
  delete input.training.tuning;
  delete input.declarations;
  edit(input);
  const result = parseManifest(input);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.manifest;
}

function deployment(primary: string, revision = 1): Deployment {
  return {
    model: 'california-housing',
    primary,
    canary: null,
    shadows: [],
    sample_rate: 0.01,
    revision,
    updated_at: '2026-01-01T00:00:00.000Z',
    updated_by: 'test',
  };
}

let nextEventId = 1;
function event(action: string, before: Deployment | null, after: Deployment): DeploymentEvent {
  const id = nextEventId++;
  return {
    id,
    model: 'california-housing',
    revision: after.revision,
    action,
    actor: 'test',
    reason: null,
    before,
    after,
    created_at: '2026-01-01T00:00:00.000Z',
  };
}

const bootstrap = (primary = '1'): DeploymentEvent => event('bootstrap', null, deployment(primary, 1));

function check(
  name: HealthCheckResult['check'],
  status: HealthCheckResult['status'],
  subject = '',
  version: string | null = '1',
): HealthCheckResult {
  return {
    check: name,
    subject,
    version,
    status,
    value: status === 'insufficient_data' ? null : 0.01,
    threshold: 0.1,
    window: '60m',
    details: {},
  };
}

function facts(overrides: Partial<ScoreFacts> = {}): ScoreFacts {
  const manifest = overrides.manifest ?? housing('1');
  return {
    manifest,
    deployment: deployment(manifest.version),
    events: [bootstrap(manifest.version)],
    versions: [
      { version: '1', status: 'qa_passed', algorithm: 'linear', primaryMetric: 49921.74 },
      { version: '2', status: 'qa_passed', algorithm: 'gbdt', primaryMetric: 30582.5 },
    ],
    checks: [],
    alertsConfigured: false,
    explainability: { method: 'linear', space: 'margin', transform: 'none' },
    ...overrides,
  };
}

type Card = ReturnType<typeof buildScoreCard>;

function testOf(card: Card, id: string) {
  const t = card.sections.flatMap((s) => s.tests).find((x) => x.id === id);
  if (!t) throw new Error(`no test ${id}`);
  return t;
}

const markOf = (card: Card, id: string): Mark => testOf(card, id).mark;

/** The rubric (Breck et al., "The ML Test Score", 2017), tests in order per section. */
const RUBRIC: Record<string, [string, string][]> = {
  'Features & Data': [
    ['data_1', 'Feature expectations are captured in a schema'],
    ['data_2', 'All features are beneficial'],
    ['data_3', "No feature's cost is too much"],
    ['data_4', 'Features adhere to meta-level requirements'],
    ['data_5', 'The data pipeline has appropriate privacy controls'],
    ['data_6', 'New features can be added quickly'],
    ['data_7', 'All input feature code is tested'],
  ],
  'Model Development': [
    ['model_1', 'Model specs are reviewed and submitted'],
    ['model_2', 'Offline and online metrics correlate'],
    ['model_3', 'All hyperparameters have been tuned'],
    ['model_4', 'The impact of model staleness is known'],
    ['model_5', 'A simpler model is not better'],
    ['model_6', 'Model quality is sufficient on important data slices'],
    ['model_7', 'The model is tested for considerations of inclusion'],
  ],
  'ML Infrastructure': [
    ['infra_1', 'Training is reproducible'],
    ['infra_2', 'Model specs are unit tested'],
    ['infra_3', 'The ML pipeline is integration tested'],
    ['infra_4', 'Model quality is validated before serving'],
    ['infra_5', 'The model is debuggable'],
    ['infra_6', 'Models are canaried before serving'],
    ['infra_7', 'Serving models can be rolled back'],
  ],
  Monitoring: [
    ['monitor_1', 'Dependency changes result in notification'],
    ['monitor_2', 'Data invariants hold for inputs'],
    ['monitor_3', 'Training and serving are not skewed'],
    ['monitor_4', 'Models are not too stale'],
    ['monitor_5', 'Models are numerically stable'],
    ['monitor_6', 'Computing performance has not regressed'],
    ['monitor_7', 'Prediction quality has not regressed'],
  ],
};

/** Points per mark as the paper scores them, stated here independently of the code. */
const POINTS: Record<Mark, number> = { automated_pass: 1, automated_fail: 1, declared: 0.5, missing: 0 };

/** Every automated check passing, alerts on, version 2 canaried before its promotion. */
function richFacts(edit: (m: Json) => void = () => {}): ScoreFacts {
  const manifest = housing('2', (m) => {
    m.monitoring.protected_attributes = ['ocean_proximity'];
    m.declarations = {
      data_2: { evidence: 'ablation study in doc A' },
      data_3: { evidence: 'feature cost review' },
      data_6: { evidence: 'feature onboarding takes a day' },
      model_1: { evidence: 'spec reviewed in design doc B', by: 'ana', date: '2026-01-02' },
      model_3: { evidence: 'grid search logged' },
      infra_5: { evidence: 'single-example debugging via the explain notebook' },
    };
    edit(m);
  });
  const d1 = deployment('1', 1);
  const withCanary = { ...deployment('1', 2), canary: { version: '2', percent: 10 } };
  const d2 = deployment('2', 3);
  const events = [event('bootstrap', null, d1), event('canary', d1, withCanary), event('promote', withCanary, d2)].reverse();
  const v = '2';
  return facts({
    manifest,
    deployment: d2,
    events,
    alertsConfigured: true,
    checks: [
      check('parity', 'pass', '', v),
      check('quality', 'pass', '', v),
      check('quality', 'warn', 'ocean_proximity=INLAND', v),
      check('bias', 'pass', 'ocean_proximity', v),
      check('drift', 'pass', 'median_income', v),
      check('invariants', 'pass', 'median_income', v),
      check('invalid_data', 'pass', '', v),
      check('skew', 'pass', 'median_income', v),
      check('staleness', 'pass', '', v),
      { ...check('shadow', 'pass', '3', '3'), details: { error_rate: 0 } },
    ],
  });
}

describe('buildScoreCard', () => {
  it('lists the 28 rubric tests, 7 per section in order, each with a mark, points and evidence', () => {
    const card = buildScoreCard(facts());
    expect(card.sections.map((s) => s.name)).toEqual(Object.keys(RUBRIC));
    expect(card.sections.map((s) => s.id)).toEqual(['data', 'model', 'infra', 'monitor']);
    for (const section of card.sections) {
      expect(section.tests.map((t) => [t.id, t.title])).toEqual(RUBRIC[section.name]);
      for (const t of section.tests) {
        expect(['automated_pass', 'automated_fail', 'declared', 'missing']).toContain(t.mark);
        expect(t.points).toBe(POINTS[t.mark]);
        expect(t.evidence.length).toBeGreaterThan(10);
      }
    }
    expect(card.sections.flatMap((s) => s.tests)).toHaveLength(28);
    expect(card).toMatchObject({ report: 'score', model: 'california-housing', version: '1', stage: 'production' });
  });

  it('scores each section as the sum of its points and the final score as the minimum (a model with nothing but its manifest)', () => {
    const card = buildScoreCard(facts());
    // data: 1 (schema) + 0 + 0 + 1 (meta) + 1 (privacy) + 0 + 0 (parity: no data) = 3
    // model: 0 + 0 + 0 + 0.5 (staleness declared) + 1 (linear is simplest) + 0 + 0 = 1.5
    // infra: 1 (vigil-train) + 1 (QA passed) + 0 + 1 (QA passed) + 1 (explainable) + 0 (bootstrap) + 1 (rollback) = 5
    // monitor: nothing checked yet = 0
    expect(card.sections.map((s) => s.score)).toEqual([3, 1.5, 5, 0]);
    expect(card.final_score).toBe(0);
    for (const s of card.sections) expect(s.score).toBe(s.tests.reduce((sum, t) => sum + POINTS[t.mark], 0));
  });

  it('scores every automated test a full point and declarations half a point when all capabilities are present', () => {
    const card = buildScoreCard(richFacts());
    // data: 1 + 0.5 + 0.5 + 1 + 1 + 0.5 + 1 = 5.5
    // model: 0.5 (spec declared) + 1 + 0.5 (tuning declared) + 0.5 (staleness) + 1 + 1 + 1 = 5.5
    // infra: 1 + 1 + 1 + 1 + 1 (explainable: automated, the declaration is not needed) + 1 + 1 = 7
    // monitor: 7 automated = 7
    expect(card.sections.map((s) => s.score)).toEqual([5.5, 5.5, 7, 7]);
    expect(card.final_score).toBe(5.5);
    expect(card.sections.flatMap((s) => s.tests).filter((t) => t.mark === 'missing')).toEqual([]);
    expect(card.failing).toEqual([]);
    expect(card.blocking).toEqual([]);
    expect(card.promotion_blocked).toBe(false);
  });

  describe('model_7 (inclusion)', () => {
    it('is missing when the manifest declares no protected attributes', () => {
      const card = buildScoreCard(facts({ checks: [check('bias', 'pass', 'ocean_proximity')] }));
      expect(testOf(card, 'model_7')).toMatchObject({
        mark: 'missing',
        points: 0,
        evidence: 'the manifest declares no protected attributes',
      });
    });

    it('passes on a passing bias check and fails on a failing one', () => {
      const manifest = housing('1', (m) => (m.monitoring.protected_attributes = ['ocean_proximity']));
      expect(markOf(buildScoreCard(facts({ manifest, checks: [check('bias', 'pass', 'ocean_proximity')] })), 'model_7')).toBe(
        'automated_pass',
      );
      const failing = buildScoreCard(facts({ manifest, checks: [check('bias', 'fail', 'ocean_proximity')] }));
      expect(testOf(failing, 'model_7')).toMatchObject({ mark: 'automated_fail', points: 1 });
      expect(testOf(failing, 'model_7').evidence).toMatch(/failing for ocean_proximity/);
      expect(failing.failing.map((f) => f.id)).toContain('model_7');
    });

    it('is missing while the bias check has only insufficient data, and declared when the manifest declares it', () => {
      const manifest = housing('1', (m) => (m.monitoring.protected_attributes = ['ocean_proximity']));
      const undecided = buildScoreCard(facts({ manifest, checks: [check('bias', 'insufficient_data', 'ocean_proximity')] }));
      expect(testOf(undecided, 'model_7').mark).toBe('missing');
      expect(testOf(undecided, 'model_7').evidence).toMatch(/no conclusive result/);
      const declaredManifest = housing('1', (m) => {
        m.monitoring.protected_attributes = ['ocean_proximity'];
        m.declarations = { model_7: { evidence: 'fairness review', by: 'team', date: '2026-02-01' } };
      });
      const declared = buildScoreCard(facts({ manifest: declaredManifest }));
      expect(testOf(declared, 'model_7')).toMatchObject({
        mark: 'declared',
        points: 0.5,
        evidence: 'fairness review — team, 2026-02-01',
      });
    });
  });

  describe('declarations', () => {
    it('mark a manual test declared for half a point, with its evidence', () => {
      const plain = buildScoreCard(facts());
      const declared = buildScoreCard(
        facts({ manifest: housing('1', (m) => (m.declarations = { model_1: { evidence: 'spec reviewed in doc X', by: 'ana' } })) }),
      );
      expect(testOf(plain, 'model_1')).toMatchObject({ mark: 'missing', points: 0 });
      expect(testOf(plain, 'model_1').evidence).toMatch(/declarations\.model_1/);
      expect(testOf(declared, 'model_1')).toMatchObject({ mark: 'declared', points: 0.5, evidence: 'spec reviewed in doc X — ana' });
      expect(declared.sections[1]!.score).toBe(plain.sections[1]!.score + 0.5);
    });

    it('do not override a result Vigil measured', () => {
      const manifest = housing('1', (m) => (m.declarations = { monitor_3: { evidence: 'we compared by hand' } }));
      expect(markOf(buildScoreCard(facts({ manifest, checks: [check('skew', 'fail', 'median_income')] })), 'monitor_3')).toBe(
        'automated_fail',
      );
      expect(markOf(buildScoreCard(facts({ manifest })), 'monitor_3')).toBe('declared');
    });
  });

  describe('infra_6 (canary before serving)', () => {
    it('passes when the primary ran as a canary before its promotion', () => {
      const card = buildScoreCard(richFacts());
      expect(testOf(card, 'infra_6').mark).toBe('automated_pass');
      expect(testOf(card, 'infra_6').evidence).toMatch(/revision 3/);
    });

    it('fails when the primary was promoted without a canary, or canaried only after the promotion', () => {
      const manifest = housing('2');
      const d1 = deployment('1', 1);
      const d2 = deployment('2', 2);
      const direct = [event('bootstrap', null, d1), event('promote', d1, d2)].reverse();
      expect(testOf(buildScoreCard(facts({ manifest, deployment: d2, events: direct })), 'infra_6')).toMatchObject({
        mark: 'automated_fail',
        points: 1,
      });
      const promoted = event('promote', d1, d2);
      const late = event('canary', d2, { ...deployment('2', 3), canary: { version: '2', percent: 5 } });
      expect(
        markOf(buildScoreCard(facts({ manifest, deployment: d2, events: [late, promoted, event('bootstrap', null, d1)] })), 'infra_6'),
      ).toBe('automated_fail');
    });

    it('does not take a rollback for a promotion without a canary', () => {
      // 1 bootstrapped, 2 promoted directly, then rolled back to 1: version 1 reached primary by bootstrap.
      const d1 = deployment('1', 1);
      const d2 = deployment('2', 2);
      const back = deployment('1', 3);
      const events = [event('bootstrap', null, d1), event('promote', d1, d2), event('rollback', d2, back)].reverse();
      const card = buildScoreCard(facts({ deployment: back, events }));
      expect(testOf(card, 'infra_6').mark).toBe('missing');
      expect(testOf(card, 'infra_6').evidence).toMatch(/bootstrap/);
      // Version 2, canaried and promoted, rolled back, then promoted again: still canaried before serving.
      const withCanary = { ...deployment('1', 2), canary: { version: '2', percent: 10 } };
      const again = deployment('2', 5);
      const history = [
        event('bootstrap', null, d1),
        event('canary', d1, withCanary),
        event('promote', withCanary, deployment('2', 3)),
        event('rollback', deployment('2', 3), deployment('1', 4)),
        event('promote', deployment('1', 4), again),
      ].reverse();
      expect(markOf(buildScoreCard(facts({ manifest: housing('2'), deployment: again, events: history })), 'infra_6')).toBe(
        'automated_pass',
      );
    });

    it('is missing for a bootstrapped primary', () => {
      const card = buildScoreCard(facts());
      expect(testOf(card, 'infra_6')).toMatchObject({ mark: 'missing', points: 0 });
      expect(testOf(card, 'infra_6').evidence).toMatch(/without a canary \(bootstrap\)/);
    });
  });

  describe('data_2 and data_3 (feature benefit and cost)', () => {
    const feature = (
      name: string,
      importance: number,
      stdError: number,
      cost: Partial<{ encode_share: number; columns: number; null_rate: number; pii: 'none' | 'hash' | 'drop' }> = {},
    ) => ({
      name,
      importance,
      std_error: stdError,
      beneficial: importance > 0 && importance > 2 * stdError,
      cost: { encode_share: 1 / 9, columns: 1, null_rate: 0, pii: 'none', ...cost },
    });
    /** An assessment of housing's 9 features: each helps unless `edit` says otherwise. */
    const assessed = (edit: (features: ReturnType<typeof feature>[]) => void = () => {}) =>
      housing('1', (m) => {
        const features = (m.features as { name: string }[]).map((f, i) => feature(f.name, 1000 * (i + 1), 10));
        edit(features);
        // Shares are measured and sum to 1: the features `edit` left alone share what the edited ones did not take.
        const untouched = features.filter((x) => x.cost.encode_share === 1 / 9);
        const taken = features.filter((x) => !untouched.includes(x)).reduce((sum, x) => sum + x.cost.encode_share, 0);
        for (const x of untouched) x.cost.encode_share = (1 - taken) / untouched.length;
        m.training.feature_assessment = {
          method: 'permutation',
          rows: 3302,
          repeats: 5,
          seed: 42,
          metric: 'mae',
          higher_is_better: false,
          baseline: 49922,
          features,
        };
      });

    it('are missing without a measured assessment, and pass when every feature helps', () => {
      expect(testOf(buildScoreCard(facts()), 'data_2')).toMatchObject({ mark: 'missing' });
      expect(testOf(buildScoreCard(facts()), 'data_3').evidence).toMatch(/permutation importance/);
      const card = buildScoreCard(facts({ manifest: assessed() }));
      expect(testOf(card, 'data_2')).toMatchObject({ mark: 'automated_pass', points: 1 });
      expect(testOf(card, 'data_2').evidence).toMatch(
        /3302 held-out rows \(5 repeats, mae worsening; top: ocean_proximity 9000, median_income 8000, households 7000\)/,
      );
      expect(testOf(card, 'data_3')).toMatchObject({ mark: 'automated_pass', points: 1 });
      expect(card.sections[0]!.score).toBe(5);
    });

    it('data_2 fails naming a feature with no measurable benefit', () => {
      const card = buildScoreCard(facts({ manifest: assessed((f) => (f[3] = feature('total_rooms', 12, 9))) }));
      expect(testOf(card, 'data_2')).toMatchObject({ mark: 'automated_fail', points: 1 });
      expect(testOf(card, 'data_2').evidence).toMatch(/no measurable benefit from total_rooms \(12\.0 ± 9\.00\)/);
      // Useless but cheap: not too costly.
      expect(testOf(card, 'data_3').mark).toBe('automated_pass');
    });

    it('data_3 fails for a feature that costs PII, encoding time or missing values without helping', () => {
      for (const [cost, words] of [
        [{ pii: 'hash' }, /PII \(hash\)/],
        [{ encode_share: 0.4 }, /40 % of encoding time/],
        [{ null_rate: 0.6 }, /60 % missing/],
      ] as const) {
        const card = buildScoreCard(facts({ manifest: assessed((f) => (f[4] = feature('total_bedrooms', -3, 5, cost))) }));
        expect(testOf(card, 'data_3').mark).toBe('automated_fail');
        expect(testOf(card, 'data_3').evidence).toMatch(words);
        expect(testOf(card, 'data_3').evidence).toMatch(/cost without benefit: total_bedrooms/);
      }
      // The same costs on a feature that helps are worth paying.
      const helpful = buildScoreCard(
        facts({ manifest: assessed((f) => (f[4] = feature('total_bedrooms', 500, 5, { pii: 'hash', encode_share: 0.4 }))) }),
      );
      expect(testOf(helpful, 'data_3').mark).toBe('automated_pass');
      expect(testOf(helpful, 'data_3').evidence).toMatch(/PII: total_bedrooms/);
    });
  });

  describe('model_3 (tuning) and infra_5 (debuggable)', () => {
    it('model_3 passes with a recorded search, naming the winner', () => {
      const manifest = housing('2', (m) => {
        m.training.tuning = {
          method: 'grid',
          folds: 3,
          seed: 42,
          metric: 'mae',
          higher_is_better: false,
          candidates: [
            { hyperparameters: { max_depth: 4, learning_rate: 0.1 }, mean: 33000, std: 400 },
            { hyperparameters: { max_depth: 6, learning_rate: 0.1 }, mean: 31000, std: 350 },
          ],
          selected: 1,
        };
      });
      expect(testOf(buildScoreCard(facts()), 'model_3').mark).toBe('missing');
      const card = buildScoreCard(facts({ manifest }));
      expect(testOf(card, 'model_3')).toMatchObject({ mark: 'automated_pass', points: 1 });
      expect(testOf(card, 'model_3').evidence).toBe(
        '2 candidates of max_depth, learning_rate searched by 3-fold cross-validation (seed 42); the winner ' +
          '(max_depth 6, learning_rate 0.1) scored mae 31000 ± 350',
      );
    });

    it('infra_5 passes when predictions can be explained and fails with the reason when not', () => {
      const card = buildScoreCard(facts({ explainability: { method: 'tree_shap', space: 'raw', transform: 'NONE' } }));
      expect(testOf(card, 'infra_5')).toMatchObject({ mark: 'automated_pass' });
      expect(testOf(card, 'infra_5').evidence).toMatch(/exact TreeSHAP per feature, in raw space/);
      const opaque = buildScoreCard(facts({ explainability: { reason: 'node "s" (Softplus) is not supported' } }));
      expect(testOf(opaque, 'infra_5')).toMatchObject({ mark: 'automated_fail', points: 1 });
      expect(testOf(opaque, 'infra_5').evidence).toMatch(/cannot be explained: node "s" \(Softplus\)/);
    });
  });

  describe('monitor_1 (dependency notifications)', () => {
    it('is missing without an alert webhook even when drift is checked', () => {
      const card = buildScoreCard(facts({ alertsConfigured: false, checks: [check('drift', 'pass', 'median_income')] }));
      expect(testOf(card, 'monitor_1').mark).toBe('missing');
      expect(testOf(card, 'monitor_1').evidence).toMatch(/ALERT_WEBHOOK_URL/);
    });

    it('follows the drift check once alerts are configured', () => {
      expect(
        markOf(buildScoreCard(facts({ alertsConfigured: true, checks: [check('drift', 'pass', 'median_income')] })), 'monitor_1'),
      ).toBe('automated_pass');
      expect(
        markOf(buildScoreCard(facts({ alertsConfigured: true, checks: [check('drift', 'fail', 'median_income')] })), 'monitor_1'),
      ).toBe('automated_fail');
      expect(markOf(buildScoreCard(facts({ alertsConfigured: true })), 'monitor_1')).toBe('missing');
    });

    it('falls back to skew against training while the previous window had too little traffic for drift', () => {
      const checks = [check('drift', 'insufficient_data', 'median_income'), check('skew', 'fail', 'median_income')];
      const card = buildScoreCard(facts({ alertsConfigured: true, checks }));
      expect(testOf(card, 'monitor_1')).toMatchObject({ mark: 'automated_fail', points: 1 });
      expect(testOf(card, 'monitor_1').evidence).toMatch(/skew against training/);
    });
  });

  describe('model_5 (a simpler model is not better)', () => {
    const gbdt = housing('2');
    it('passes when the model beats the simpler registered version', () => {
      const card = buildScoreCard(facts({ manifest: gbdt }));
      expect(testOf(card, 'model_5').mark).toBe('automated_pass');
      expect(testOf(card, 'model_5').evidence).toMatch(/1 \(linear\)/);
    });

    it('fails when a simpler version has a better offline metric', () => {
      // MAE: lower is better; the linear version's 20,000 beats the gbdt's 30,582.5.
      const card = buildScoreCard(
        facts({
          manifest: gbdt,
          versions: [
            { version: '1', status: 'qa_passed', algorithm: 'linear', primaryMetric: 20_000 },
            { version: '2', status: 'qa_passed', algorithm: 'gbdt', primaryMetric: 30_582.5 },
          ],
        }),
      );
      expect(testOf(card, 'model_5')).toMatchObject({ mark: 'automated_fail', points: 1 });
      expect(testOf(card, 'model_5').evidence).toMatch(/simpler version 1 has a better offline mae/);
    });

    it('passes for the simplest family and is missing without a simpler version to compare with', () => {
      expect(markOf(buildScoreCard(facts()), 'model_5')).toBe('automated_pass');
      expect(
        markOf(
          buildScoreCard(
            facts({ manifest: gbdt, versions: [{ version: '2', status: 'qa_passed', algorithm: 'gbdt', primaryMetric: 30_582.5 }] }),
          ),
          'model_5',
        ),
      ).toBe('missing');
    });
  });

  describe('infra_2 and infra_4 (QA gate)', () => {
    it('fail when the version failed QA', () => {
      const card = buildScoreCard(facts({ versions: [{ version: '1', status: 'qa_failed', algorithm: 'linear', primaryMetric: 1 }] }));
      expect(testOf(card, 'infra_4')).toMatchObject({ mark: 'automated_fail', points: 1 });
      expect(testOf(card, 'infra_4').evidence).toMatch(/version 1 failed QA/);
      expect(markOf(card, 'infra_2')).toBe('automated_fail');
      expect(card.failing.map((f) => f.id)).toEqual(['infra_2', 'infra_4']);
    });

    it('pass when it passed', () => {
      const card = buildScoreCard(facts());
      expect(markOf(card, 'infra_2')).toBe('automated_pass');
      expect(markOf(card, 'infra_4')).toBe('automated_pass');
    });
  });

  describe('other automated tests', () => {
    it('infra_1 passes for vigil-train models and is declared for others', () => {
      expect(markOf(buildScoreCard(facts()), 'infra_1')).toBe('automated_pass');
      expect(
        testOf(buildScoreCard(facts({ manifest: housing('1', (m) => (m.training.code_version = 'notebook-7')) })), 'infra_1'),
      ).toMatchObject({ mark: 'declared', points: 0.5 });
    });

    it('monitor_6 follows canary error-rate and shadow checks', () => {
      expect(markOf(buildScoreCard(facts()), 'monitor_6')).toBe('missing');
      expect(markOf(buildScoreCard(facts({ checks: [check('canary', 'pass', '2:error_rate', '2')] })), 'monitor_6')).toBe('automated_pass');
      // The divergence subject is not a computing-performance signal.
      expect(markOf(buildScoreCard(facts({ checks: [check('canary', 'fail', '2:divergence', '2')] })), 'monitor_6')).toBe('missing');
      const shadowCheck = (status: HealthCheckResult['status'], errorRate: number) => ({
        ...check('shadow', status, '2', '2'),
        details: { error_rate: errorRate },
      });
      expect(markOf(buildScoreCard(facts({ checks: [shadowCheck('fail', 0.05)] })), 'monitor_6')).toBe('automated_fail');
      // A shadow failing on divergence alone is not a performance regression.
      expect(markOf(buildScoreCard(facts({ checks: [shadowCheck('fail', 0)] })), 'monitor_6')).toBe('automated_pass');
    });

    it('model_2 and monitor_7 read the overall quality check, model_6 the per-slice ones', () => {
      const card = buildScoreCard(facts({ checks: [check('quality', 'fail', ''), check('quality', 'pass', 'ocean_proximity=INLAND')] }));
      expect(markOf(card, 'model_2')).toBe('automated_fail');
      expect(markOf(card, 'monitor_7')).toBe('automated_fail');
      expect(markOf(card, 'model_6')).toBe('automated_pass');
    });

    it('model_6 is missing when the manifest declares no slices', () => {
      const manifest = housing('1', (m) => (m.monitoring.slices = []));
      const card = buildScoreCard(facts({ manifest, checks: [check('quality', 'pass', 'ocean_proximity=INLAND')] }));
      expect(testOf(card, 'model_6')).toMatchObject({ mark: 'missing', evidence: 'the manifest declares no slices to judge quality on' });
    });

    it('monitor_2 fails when either the invariants or the invalid-data check fails', () => {
      expect(
        markOf(buildScoreCard(facts({ checks: [check('invariants', 'pass', 'x'), check('invalid_data', 'fail', '')] })), 'monitor_2'),
      ).toBe('automated_fail');
      expect(markOf(buildScoreCard(facts({ checks: [check('invalid_data', 'pass', '')] })), 'monitor_2')).toBe('automated_pass');
    });
  });

  describe('blocking items per stage', () => {
    const stageCard = (stage: 'research' | 'roadmap' | 'production', edit: (m: Json) => void = () => {}) =>
      buildScoreCard(
        facts({
          manifest: housing('1', (m) => {
            m.stage = stage;
            edit(m);
          }),
        }),
      );
    const blockingIds = (card: Card) => card.blocking.map((b) => b.id);

    // Missing in the manifest-only fixture: data_2, data_3, data_6, data_7, model_1, model_2, model_3, model_6, model_7,
    // infra_3, infra_6, monitor_1 … monitor_7.
    it('blocks nothing at the research stage when the schema and QA gate are automated', () => {
      const card = stageCard('research');
      expect(card.stage_requirements).toEqual({ stage: 'research', required: ['data_1', 'infra_4'] });
      expect(blockingIds(card)).toEqual([]);
      expect(card.promotion_blocked).toBe(false);
    });

    it('blocks the roadmap stage on its missing required tests only', () => {
      const card = stageCard('roadmap');
      expect(blockingIds(card)).toEqual(['data_7', 'model_1', 'model_6', 'monitor_2', 'monitor_3', 'monitor_7']);
      expect(card.promotion_blocked).toBe(true);
      for (const t of card.sections.flatMap((s) => s.tests)) expect(t.blocks_promotion).toBe(blockingIds(card).includes(t.id));
    });

    it('blocks the production stage on every missing required test (not on data_2, data_3, data_6, model_3)', () => {
      const card = stageCard('production');
      expect(blockingIds(card)).toEqual([
        'data_7',
        'model_1',
        'model_2',
        'model_6',
        'model_7',
        'infra_3',
        'infra_6',
        'monitor_1',
        'monitor_2',
        'monitor_3',
        'monitor_4',
        'monitor_5',
        'monitor_6',
        'monitor_7',
      ]);
      expect(card.blocking[0]).toEqual({
        id: 'data_7',
        title: 'All input feature code is tested',
        evidence: testOf(card, 'data_7').evidence,
      });
    });

    it('stops blocking on a declared test, and never blocks on an automated failure', () => {
      const card = stageCard('roadmap', (m) => (m.declarations = { model_1: { evidence: 'reviewed' } }));
      expect(blockingIds(card)).not.toContain('model_1');
      const failedQa = buildScoreCard(
        facts({ manifest: housing('1', (m) => (m.stage = 'research')), versions: [{ version: '1', status: 'qa_failed' }] }),
      );
      expect(markOf(failedQa, 'infra_4')).toBe('automated_fail');
      expect(failedQa.blocking).toEqual([]);
    });
  });
});
