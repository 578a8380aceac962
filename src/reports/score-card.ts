/**
 * The ML Test Score card (Breck, Cai, Nielsen, Salib, Sculley, 2017): each of the rubric's 28 tests marked
 * `automated_pass` / `automated_fail` (Vigil runs it: a full point, as in the paper, which scores whether a test
 * is done, not its outcome — failures are listed separately), `declared` (done by hand and documented in the
 * manifest's `declarations`: half a point) or `missing` (no point). Each section scores the sum of its points;
 * the final score is the minimum of the four sections. Missing tests that the model's stage requires block
 * its promotion.
 *
 * `buildScoreCard` is pure: it takes the facts Vigil has about the model and decides the marks.
 */
import type { HealthCheckResult } from '../monitoring/checks/types.ts';
import type { Manifest, ScoreTestId } from '../model/manifest.ts';
import type { Deployment } from '../traffic/deployment.ts';
import type { DeploymentEvent } from '../traffic/deployment-store.ts';

export type Mark = 'automated_pass' | 'automated_fail' | 'declared' | 'missing';

export interface ScoreTest {
  id: ScoreTestId;
  title: string;
  mark: Mark;
  points: number;
  evidence: string;
  blocks_promotion: boolean;
}

export interface ScoreSection {
  id: 'data' | 'model' | 'infra' | 'monitor';
  name: string;
  score: number;
  tests: ScoreTest[];
}

export interface ScoreFacts {
  manifest: Manifest;
  deployment: Deployment;
  /** Newest first. */
  events: readonly DeploymentEvent[];
  /** QA status of every registered version, with offline metrics and algorithm. */
  versions: readonly { version: string; status: 'qa_passed' | 'qa_failed'; algorithm?: string; primaryMetric?: number }[];
  /** Latest health-check results of the model. */
  checks: readonly HealthCheckResult[];
  alertsConfigured: boolean;
  /** How the version's predictions are explained (`POST …/explain`), or why they cannot be. */
  explainability: { method: string; space: string; transform: string } | { reason: string };
}

export const TESTS: Record<ScoreTestId, string> = {
  data_1: 'Feature expectations are captured in a schema',
  data_2: 'All features are beneficial',
  data_3: "No feature's cost is too much",
  data_4: 'Features adhere to meta-level requirements',
  data_5: 'The data pipeline has appropriate privacy controls',
  data_6: 'New features can be added quickly',
  data_7: 'All input feature code is tested',
  model_1: 'Model specs are reviewed and submitted',
  model_2: 'Offline and online metrics correlate',
  model_3: 'All hyperparameters have been tuned',
  model_4: 'The impact of model staleness is known',
  model_5: 'A simpler model is not better',
  model_6: 'Model quality is sufficient on important data slices',
  model_7: 'The model is tested for considerations of inclusion',
  infra_1: 'Training is reproducible',
  infra_2: 'Model specs are unit tested',
  infra_3: 'The ML pipeline is integration tested',
  infra_4: 'Model quality is validated before serving',
  infra_5: 'The model is debuggable',
  infra_6: 'Models are canaried before serving',
  infra_7: 'Serving models can be rolled back',
  monitor_1: 'Dependency changes result in notification',
  monitor_2: 'Data invariants hold for inputs',
  monitor_3: 'Training and serving are not skewed',
  monitor_4: 'Models are not too stale',
  monitor_5: 'Models are numerically stable',
  monitor_6: 'Computing performance has not regressed',
  monitor_7: 'Prediction quality has not regressed',
};

/** Tests a model must have (automated or declared) before it is promoted at each stage. */
export const STAGE_REQUIREMENTS: Record<Manifest['stage'], readonly ScoreTestId[]> = {
  research: ['data_1', 'infra_4'],
  roadmap: [
    'data_1',
    'data_5',
    'data_7',
    'model_1',
    'model_6',
    'infra_1',
    'infra_2',
    'infra_4',
    'infra_7',
    'monitor_2',
    'monitor_3',
    'monitor_7',
  ],
  production: [
    'data_1',
    'data_4',
    'data_5',
    'data_7',
    'model_1',
    'model_2',
    'model_4',
    'model_5',
    'model_6',
    'model_7',
    'infra_1',
    'infra_2',
    'infra_3',
    'infra_4',
    'infra_5',
    'infra_6',
    'infra_7',
    'monitor_1',
    'monitor_2',
    'monitor_3',
    'monitor_4',
    'monitor_5',
    'monitor_6',
    'monitor_7',
  ],
};

const SECTIONS: { id: ScoreSection['id']; name: string }[] = [
  { id: 'data', name: 'Features & Data' },
  { id: 'model', name: 'Model Development' },
  { id: 'infra', name: 'ML Infrastructure' },
  { id: 'monitor', name: 'Monitoring' },
];

const POINTS: Record<Mark, number> = { automated_pass: 1, automated_fail: 1, declared: 0.5, missing: 0 };

type Assessment = { mark: Mark; evidence: string } | null;

function fromChecks(checks: readonly HealthCheckResult[], name: HealthCheckResult['check'], what: string): Assessment {
  const results = checks.filter((c) => c.check === name && c.status !== 'insufficient_data');
  if (results.length === 0) return null;
  const failing = results.filter((r) => r.status === 'fail');
  const warning = results.filter((r) => r.status === 'warn');
  const list = (rs: readonly HealthCheckResult[]) =>
    rs
      .slice(0, 5)
      .map((r) => r.subject || 'model')
      .join(', ');
  if (failing.length) return { mark: 'automated_fail', evidence: `${what}: ${name} check failing for ${list(failing)}` };
  return {
    mark: 'automated_pass',
    evidence:
      `${what}: ${name} check passes on ${results.length} subject${results.length === 1 ? '' : 's'}` +
      `${warning.length ? ` (warning: ${list(warning)})` : ''}`,
  };
}

function noData(name: string): Assessment {
  return {
    mark: 'missing',
    evidence: `automated by the ${name} check, which has no conclusive result yet (not enough traffic or labelled feedback in its window)`,
  };
}

function assess(id: ScoreTestId, f: ScoreFacts): Assessment {
  const m = f.manifest;
  switch (id) {
    case 'data_2':
    case 'data_3': {
      const assessment = m.training.feature_assessment;
      if (!assessment)
        return {
          mark: 'missing',
          evidence:
            'no permutation importance in the manifest: package or train the model with labelled rows ' +
            '(vigil train, or vigil package --target) to measure each feature',
        };
      return id === 'data_2' ? featureBenefit(assessment) : featureCost(assessment);
    }
    case 'model_3': {
      const tuning = m.training.tuning;
      if (!tuning)
        return { mark: 'missing', evidence: 'no hyperparameter search recorded in the manifest (vigil train records its grid search)' };
      const winner = tuning.candidates[tuning.selected]!;
      const searched = [...new Set(tuning.candidates.flatMap((c) => Object.keys(c.hyperparameters)))];
      const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(4));
      return {
        mark: 'automated_pass',
        evidence:
          `${tuning.candidates.length} candidates of ${searched.join(', ')} searched by ${tuning.folds}-fold cross-validation ` +
          `(seed ${tuning.seed}); the winner (${Object.entries(winner.hyperparameters)
            .map(([k, v]) => `${k} ${String(v)}`)
            .join(', ')}) scored ${tuning.metric} ${fmt(winner.mean)} ± ${fmt(winner.std)}`,
      };
    }
    case 'infra_5': {
      const e = f.explainability;
      if ('reason' in e)
        return {
          mark: 'automated_fail',
          evidence:
            'predictions carry a debug trace (?debug=true: validated instance, encoded tensors, raw outputs, engine), ' +
            `but cannot be explained: ${e.reason}`,
        };
      const method =
        e.method === 'tree_shap' ? 'exact TreeSHAP' : e.method === 'linear' ? 'exact linear contributions' : 'a sampling Shapley estimate';
      return {
        mark: 'automated_pass',
        evidence:
          `every prediction can be explained (POST /v1/models/${m.name}/explain: ${method} per feature, in ${e.space} space) ` +
          'and traced (?debug=true: validated instance, encoded tensors, raw outputs, engine); ' +
          'drift and shadow reports attribute shifts to features',
      };
    }
    case 'data_1': {
      const typed = m.features.filter((x) => x.categories || x.min !== undefined || x.max !== undefined || x.type === 'boolean').length;
      return {
        mark: 'automated_pass',
        evidence:
          `manifest schema of ${m.features.length} features (${typed} with ranges or categories, training statistics for all); ` +
          'every instance is validated before it reaches the model',
      };
    }
    case 'data_4': {
      const pii = m.features.filter((x) => x.pii).map((x) => `${x.name} (${x.pii})`);
      const deprecated = m.features.filter((x) => x.deprecated).map((x) => x.name);
      return {
        mark: 'automated_pass',
        evidence:
          `feature metadata is enforced at serving: PII ${pii.length ? pii.join(', ') : 'none declared'}; ` +
          `deprecated ${deprecated.length ? deprecated.join(', ') : 'none'} (accepted with a warning)`,
      };
    }
    case 'data_5': {
      const pii = m.features
        .filter((x) => x.pii)
        .map((x) => `${x.name} ${x.pii === 'hash' ? 'hashed with a per-deployment salt' : 'dropped'}`);
      return {
        mark: 'automated_pass',
        evidence: pii.length
          ? `${pii.join('; ')} in every stored sample; PII categories are profiled by position only; ` +
            'raw samples are deleted after the retention period'
          : 'no feature is marked PII (PII features would be hashed or dropped in stored samples); ' +
            'raw samples are deleted after the retention period',
      };
    }
    case 'data_7':
      return (
        fromChecks(
          f.checks,
          'parity',
          'golden instances re-validated and re-encoded every 5 minutes and compared with the encoding training produced',
        ) ?? noData('parity')
      );
    case 'model_2':
      return (
        fromChecks(
          f.checks.filter((c) => c.check === 'quality' && c.subject === ''),
          'quality',
          'online metric on labelled feedback vs the offline metric',
        ) ?? noData('quality')
      );
    case 'model_4':
      return {
        mark: 'declared',
        evidence:
          `max_age_days ${m.monitoring.max_age_days} set in the manifest's monitoring section ` +
          '(the staleness check enforces it; how fast quality decays with age is not measured by Vigil)',
      };
    case 'model_5': {
      const rank = (a?: string) => (a === 'gbdt' ? 2 : a === 'linear' || a === 'logistic' ? 1 : undefined);
      const mine = rank(m.training.algorithm);
      const better = f.versions.filter((v) => {
        const r = rank(v.algorithm);
        if (mine === undefined || r === undefined || r >= mine || v.primaryMetric === undefined) return false;
        const own = m.training.metrics.overall[m.training.metrics.primary];
        return own !== undefined && (m.training.metrics.higher_is_better ? v.primaryMetric > own : v.primaryMetric < own);
      });
      if (mine === 1)
        return { mark: 'automated_pass', evidence: `version ${m.version} is itself the simplest model family (${m.training.algorithm})` };
      const simpler = f.versions.filter((v) => rank(v.algorithm) !== undefined && rank(v.algorithm)! < (mine ?? 0));
      if (simpler.length === 0) return { mark: 'missing', evidence: 'no simpler registered version to compare with' };
      return better.length
        ? {
            mark: 'automated_fail',
            evidence: `simpler version ${better.map((b) => b.version).join(', ')} has a better offline ${m.training.metrics.primary}`,
          }
        : {
            mark: 'automated_pass',
            evidence:
              `offline ${m.training.metrics.primary} beats the simpler version${simpler.length === 1 ? '' : 's'} ` +
              `${simpler.map((s) => `${s.version} (${s.algorithm})`).join(', ')}`,
          };
    }
    case 'model_6': {
      if (m.monitoring.slices.length === 0 && m.monitoring.protected_attributes.length === 0)
        return { mark: 'missing', evidence: 'the manifest declares no slices to judge quality on' };
      return (
        fromChecks(
          f.checks.filter((c) => c.check === 'quality' && c.subject !== ''),
          'quality',
          'quality per slice on labelled feedback vs the per-slice offline metrics',
        ) ?? noData('quality (per slice)')
      );
    }
    case 'model_7':
      if (m.monitoring.protected_attributes.length === 0)
        return { mark: 'missing', evidence: 'the manifest declares no protected attributes' };
      return (
        fromChecks(
          f.checks,
          'bias',
          `positive-rate and true-positive-rate gaps across ${m.monitoring.protected_attributes.join(', ')} vs training`,
        ) ?? noData('bias')
      );
    case 'infra_1':
      return m.training.code_version.startsWith('vigil-train')
        ? {
            mark: 'automated_pass',
            evidence:
              `trained by ${m.training.code_version} from dataset sha256 ${m.training.dataset.sha256.slice(0, 12)}… ` +
              `with seed ${m.training.seed}; byte-identical retraining is tested in CI`,
          }
        : {
            mark: 'declared',
            evidence:
              `the manifest records dataset sha256${m.training.seed !== undefined ? `, seed ${m.training.seed}` : ''} ` +
              `and code ${m.training.code_version}${
                m.origin
                  ? `, and the ONNX file it was imported from (${m.origin.file}, sha256 ${m.origin.sha256.slice(0, 12)}…, ` +
                    `${m.origin.producer})`
                  : ''
              }; reproducibility is not tested by Vigil`,
          };
    case 'infra_2':
    case 'infra_4': {
      const status = f.versions.find((v) => v.version === m.version)?.status;
      const what =
        id === 'infra_2'
          ? `${m.golden.length} golden examples checked against the model's outputs`
          : 'QA gate (signature, encoding parity, golden outputs) before the version could serve';
      return status === 'qa_passed'
        ? { mark: 'automated_pass', evidence: what }
        : { mark: 'automated_fail', evidence: `${what}: version ${m.version} failed QA` };
    }
    case 'infra_3':
      return (
        fromChecks(f.checks, 'parity', 'the training → package → QA → serving path re-run on golden examples every 5 minutes') ??
        noData('parity')
      );
    case 'infra_6': {
      // A rollback returns to a version that already served; how it first became primary is what counts.
      const promotion = f.events.find((e) => e.after.primary === m.version && e.before?.primary !== m.version && e.action !== 'rollback');
      if (!promotion || promotion.action === 'bootstrap')
        return { mark: 'missing', evidence: `version ${m.version} became primary without a canary (${promotion?.action ?? 'unknown'})` };
      const canaried = f.events.some((e) => e.id < promotion.id && e.action === 'canary' && e.after.canary?.version === m.version);
      return canaried
        ? {
            mark: 'automated_pass',
            evidence:
              `version ${m.version} ran as a canary (with automatic rollback) ` + `before its promotion at revision ${promotion.revision}`,
          }
        : { mark: 'automated_fail', evidence: `version ${m.version} was promoted at revision ${promotion.revision} without a canary` };
    }
    case 'infra_7': {
      const previous = f.events.find((e) => e.after.primary === m.version && e.before && e.before.primary !== m.version)?.before?.primary;
      return {
        mark: 'automated_pass',
        evidence:
          `one-step rollback${previous ? ` to version ${previous}` : ' (no earlier primary yet)'}; ` +
          'failing canaries are rolled back automatically',
      };
    }
    case 'monitor_1': {
      // Upstream changes show as drift against the previous window, or, while that window had no traffic, as skew
      // against training: either is conclusive once this window has profiles.
      const detected =
        fromChecks(f.checks, 'drift', 'upstream changes detected by drift (this window vs the previous)') ??
        fromChecks(
          f.checks,
          'skew',
          'upstream changes detected by skew against training (the previous window had too little traffic for drift)',
        );
      if (!f.alertsConfigured)
        return { mark: 'missing', evidence: 'drift and skew are checked, but ALERT_WEBHOOK_URL is not set, so nobody is notified' };
      return detected ?? noData('drift');
    }
    case 'monitor_2': {
      const invariants = fromChecks(f.checks, 'invariants', 'null rates vs training');
      const invalid = fromChecks(f.checks, 'invalid_data', 'rejected instances and invalid values');
      if (!invariants && !invalid) return noData('invariants');
      const failing = [invariants, invalid].find((a) => a?.mark === 'automated_fail');
      return failing ?? { mark: 'automated_pass', evidence: [invariants?.evidence, invalid?.evidence].filter(Boolean).join('; ') };
    }
    case 'monitor_3':
      return fromChecks(f.checks, 'skew', 'PSI / Jensen–Shannon of serving profiles vs training bins') ?? noData('skew');
    case 'monitor_4':
      return fromChecks(f.checks, 'staleness', `training age vs max_age_days ${m.monitoring.max_age_days}`) ?? noData('staleness');
    case 'monitor_5': {
      const parity = fromChecks(f.checks, 'parity', 'golden outputs finite and within tolerance');
      return parity
        ? { ...parity, evidence: `${parity.evidence}; non-finite outputs are refused and counted as model errors` }
        : noData('parity');
    }
    case 'monitor_6': {
      // Performance means errors (and latency): a shadow that merely predicts differently is not a regression here.
      const canary = f.checks.filter((c) => c.check === 'canary' && c.subject.endsWith(':error_rate') && c.status !== 'insufficient_data');
      const shadow = f.checks.filter(
        (c) => c.check === 'shadow' && c.status !== 'insufficient_data' && typeof c.details.error_rate === 'number',
      );
      if (canary.length === 0 && shadow.length === 0)
        return {
          mark: 'missing',
          evidence: 'latency is logged with samples but is not checked against a budget; run a canary or shadow to compare versions',
        };
      const shadowLimit = m.monitoring.shadow.error_rate.fail;
      const failing = [
        ...canary.filter((c) => c.status === 'fail'),
        ...shadow.filter((c) => (c.details.error_rate as number) > shadowLimit),
      ];
      return failing.length
        ? {
            mark: 'automated_fail',
            evidence:
              `error rate over its threshold for version ${failing.map((c) => c.version).join(', ')} ` +
              '(canary error rate, or the share of shadowed requests the shadow failed)',
          }
        : { mark: 'automated_pass', evidence: 'error rates of canary and shadow versions checked against the primary on live traffic' };
    }
    case 'monitor_7':
      return (
        fromChecks(
          f.checks.filter((c) => c.check === 'quality' && c.subject === ''),
          'quality',
          'metric on labelled feedback vs the offline metric',
        ) ?? noData('quality')
      );
    default:
      return null;
  }
}

type FeatureAssessment = NonNullable<Manifest['training']['feature_assessment']>;

function featureBenefit(a: FeatureAssessment): Assessment {
  const useless = a.features.filter((x) => !x.beneficial);
  const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3));
  const top = [...a.features]
    .sort((x, y) => y.importance - x.importance)
    .slice(0, 3)
    .map((x) => `${x.name} ${fmt(x.importance)}`);
  const what = `permutation importance on ${a.rows} held-out rows (${a.repeats} repeats, ${a.metric} worsening; top: ${top.join(', ')})`;
  return useless.length
    ? {
        mark: 'automated_fail',
        evidence:
          `${what}: no measurable benefit from ` +
          `${useless.map((x) => `${x.name} (${fmt(x.importance)} ± ${fmt(x.std_error)})`).join(', ')}`,
      }
    : { mark: 'automated_pass', evidence: `${what}: every feature helps beyond twice its standard error` };
}

/**
 * A feature costs too much when it buys no measurable benefit yet costs something: PII risk, a share of the
 * validation and encoding time well above average, or mostly missing values.
 */
function featureCost(a: FeatureAssessment): Assessment {
  const n = a.features.length;
  const costs = (x: FeatureAssessment['features'][number]) => [
    ...(x.cost.pii !== 'none' ? [`PII (${x.cost.pii})`] : []),
    ...(x.cost.encode_share > 2 / n ? [`${(x.cost.encode_share * 100).toFixed(0)} % of encoding time`] : []),
    ...(x.cost.null_rate > 0.3 ? [`${(x.cost.null_rate * 100).toFixed(0)} % missing`] : []),
  ];
  const tooCostly = a.features.filter((x) => !x.beneficial && costs(x).length > 0);
  const dearest = [...a.features].sort((x, y) => y.cost.encode_share - x.cost.encode_share)[0]!;
  const pii = a.features.filter((x) => x.cost.pii !== 'none').map((x) => x.name);
  const summary =
    `costs weighed against permutation importance: the dearest to encode is ${dearest.name} ` +
    `(${(dearest.cost.encode_share * 100).toFixed(0)} % of the time, ${dearest.cost.columns} columns)` +
    `${pii.length ? `; PII: ${pii.join(', ')}` : '; no PII'}`;
  return tooCostly.length
    ? {
        mark: 'automated_fail',
        evidence: `${summary}; cost without benefit: ${tooCostly.map((x) => `${x.name} (${costs(x).join(', ')})`).join('; ')}`,
      }
    : { mark: 'automated_pass', evidence: `${summary}; every feature that costs something also helps` };
}

export function buildScoreCard(facts: ScoreFacts) {
  const { manifest } = facts;
  const required = new Set(STAGE_REQUIREMENTS[manifest.stage]);
  const sections: ScoreSection[] = SECTIONS.map((section) => {
    const tests = (Object.keys(TESTS) as ScoreTestId[])
      .filter((id) => id.startsWith(`${section.id}_`))
      .map((id): ScoreTest => {
        const automated = assess(id, facts);
        const declared = manifest.declarations[id];
        let chosen: { mark: Mark; evidence: string };
        if (automated && automated.mark !== 'missing') chosen = automated;
        else if (declared)
          chosen = {
            mark: 'declared',
            evidence: `${declared.evidence}${declared.by ? ` — ${declared.by}` : ''}${declared.date ? `, ${declared.date}` : ''}`,
          };
        else
          chosen = automated ?? {
            mark: 'missing',
            evidence: `not automated by Vigil; declare it in the manifest's "declarations.${id}" once done by hand`,
          };
        return {
          id,
          title: TESTS[id],
          ...chosen,
          points: POINTS[chosen.mark],
          blocks_promotion: chosen.mark === 'missing' && required.has(id),
        };
      });
    return { id: section.id, name: section.name, score: tests.reduce((s, t) => s + t.points, 0), tests };
  });
  const finalScore = Math.min(...sections.map((s) => s.score));
  const blocking = sections.flatMap((s) =>
    s.tests.filter((t) => t.blocks_promotion).map((t) => ({ id: t.id, title: t.title, evidence: t.evidence })),
  );
  const failing = sections.flatMap((s) =>
    s.tests.filter((t) => t.mark === 'automated_fail').map((t) => ({ id: t.id, title: t.title, evidence: t.evidence })),
  );
  return {
    report: 'score',
    model: manifest.name,
    version: manifest.version,
    stage: manifest.stage,
    scoring:
      'per the ML Test Score paper: a test run automatically and repeatedly earns 1 point (automated_pass or ' +
      'automated_fail — the rubric scores whether a test is done, its outcome is listed under failing), a test run ' +
      'by hand and documented (declared in the manifest) 0.5, a missing test 0; a section scores the sum of its 7 ' +
      'tests and the final score is the minimum over the four sections',
    sections,
    final_score: finalScore,
    failing,
    stage_requirements: { stage: manifest.stage, required: [...required] },
    blocking,
    promotion_blocked: blocking.length > 0,
  };
}
