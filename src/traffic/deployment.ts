/**
 * A model's deployment and the actions that change it, as pure functions. Each action either yields the next
 * deployment or a typed refusal; storage and audit live elsewhere (deployment-store.ts).
 *
 * @example
 * const next = applyDeploymentAction(current, { action: 'canary', version: '3', percent: 10 }, versions, history);
 * if (!next.ok) console.log(next.error.message);
 */

export interface ShadowSpec {
  version: string;
  /** Share of requests mirrored to this version, (0, 1]. */
  sample_rate: number;
}

export interface CanarySpec {
  version: string;
  /** Share of routing keys sent to the canary, (0, 100]. */
  percent: number;
}

export interface Deployment {
  model: string;
  primary: string;
  canary: CanarySpec | null;
  shadows: ShadowSpec[];
  /** Share of primary traffic logged as samples. */
  sample_rate: number;
  revision: number;
  updated_at: string;
  updated_by: string;
}

export type DeploymentAction =
  | { action: 'promote'; version: string }
  | { action: 'canary'; version: string; percent: number }
  | { action: 'clear_canary' }
  | { action: 'shadow'; version: string; sample_rate: number }
  | { action: 'clear_shadow'; version: string }
  | { action: 'rollback' }
  | { action: 'sampling'; sample_rate: number };

export type VersionStatus = 'qa_passed' | 'qa_failed';

export interface VersionInfo {
  status: VersionStatus;
  /** First failed QA check, for errors that explain why a version cannot serve. */
  qaFailure?: string;
}

export type DeploymentRefusal =
  | { code: 'version_not_found'; message: string }
  | { code: 'version_not_qa_passed'; message: string }
  | { code: 'no_previous_primary'; message: string }
  /** The action's values are out of range (a client mistake in the request). */
  | { code: 'invalid_value'; message: string }
  /** The action does not apply to the current deployment (e.g. promoting the primary). */
  | { code: 'invalid_state'; message: string };

export type DeploymentChange =
  | { ok: true; deployment: Omit<Deployment, 'revision' | 'updated_at' | 'updated_by'> }
  | { ok: false; error: DeploymentRefusal };

/** A past change, enough to find the previous primary for rollback. */
export interface PrimaryHistoryEntry {
  before: string | null;
  after: string;
}

export const DEFAULT_SAMPLE_RATE = 0.01;

function refuse(code: DeploymentRefusal['code'], message: string): DeploymentChange {
  return { ok: false, error: { code, message } as DeploymentRefusal };
}

function requireServable(
  model: string,
  version: string,
  versions: ReadonlyMap<string, VersionInfo>,
  role: string,
): DeploymentRefusal | null {
  const info = versions.get(version);
  if (!info) return { code: 'version_not_found', message: `model "${model}" has no version "${version}"` };
  if (info.status !== 'qa_passed') {
    return {
      code: 'version_not_qa_passed',
      message: `version ${version} of "${model}" failed QA and cannot become ${role}${info.qaFailure ? `: ${info.qaFailure}` : ''}`,
    };
  }
  return null;
}

/**
 * The primary before the current one, from the audit trail (newest first): the `before` of the most recent
 * change that made the current primary primary.
 */
export function previousPrimary(current: string, historyNewestFirst: readonly PrimaryHistoryEntry[]): string | null {
  for (const entry of historyNewestFirst) {
    if (entry.after === current && entry.before !== current) return entry.before;
  }
  return null;
}

export function applyDeploymentAction(
  current: Pick<Deployment, 'model' | 'primary' | 'canary' | 'shadows' | 'sample_rate'>,
  action: DeploymentAction,
  versions: ReadonlyMap<string, VersionInfo>,
  historyNewestFirst: readonly PrimaryHistoryEntry[] = [],
): DeploymentChange {
  const { model } = current;
  const base = { model, primary: current.primary, canary: current.canary, shadows: [...current.shadows], sample_rate: current.sample_rate };
  switch (action.action) {
    case 'promote': {
      const refusal = requireServable(model, action.version, versions, 'primary');
      if (refusal) return { ok: false, error: refusal };
      if (action.version === current.primary) return refuse('invalid_state', `version ${action.version} is already the primary`);
      return {
        ok: true,
        deployment: {
          ...base,
          primary: action.version,
          canary: current.canary?.version === action.version ? null : current.canary,
          shadows: base.shadows.filter((s) => s.version !== action.version),
        },
      };
    }
    case 'canary': {
      const refusal = requireServable(model, action.version, versions, 'canary');
      if (refusal) return { ok: false, error: refusal };
      if (action.version === current.primary)
        return refuse('invalid_state', `version ${action.version} is the primary; a canary must be another version`);
      if (!(action.percent > 0 && action.percent <= 100)) return refuse('invalid_value', 'percent must be greater than 0 and at most 100');
      return {
        ok: true,
        deployment: {
          ...base,
          canary: { version: action.version, percent: action.percent },
          shadows: base.shadows.filter((s) => s.version !== action.version),
        },
      };
    }
    case 'clear_canary':
      if (!current.canary) return refuse('invalid_state', `model "${model}" has no canary`);
      return { ok: true, deployment: { ...base, canary: null } };
    case 'shadow': {
      const refusal = requireServable(model, action.version, versions, 'a shadow');
      if (refusal) return { ok: false, error: refusal };
      if (action.version === current.primary)
        return refuse('invalid_state', `version ${action.version} is the primary; shadow another version`);
      if (current.canary?.version === action.version)
        return refuse('invalid_state', `version ${action.version} is the canary; clear the canary first`);
      if (!(action.sample_rate > 0 && action.sample_rate <= 1))
        return refuse('invalid_value', 'sample_rate must be greater than 0 and at most 1');
      const others = base.shadows.filter((s) => s.version !== action.version);
      const shadows = [...others, { version: action.version, sample_rate: action.sample_rate }].sort(
        (a, b) => Number(a.version) - Number(b.version),
      );
      return { ok: true, deployment: { ...base, shadows } };
    }
    case 'clear_shadow':
      if (!current.shadows.some((s) => s.version === action.version))
        return refuse('invalid_state', `version ${action.version} is not a shadow of "${model}"`);
      return { ok: true, deployment: { ...base, shadows: base.shadows.filter((s) => s.version !== action.version) } };
    case 'rollback': {
      const previous = previousPrimary(current.primary, historyNewestFirst);
      if (previous === null) return refuse('no_previous_primary', `model "${model}" has no previous primary to roll back to`);
      const refusal = requireServable(model, previous, versions, 'primary');
      if (refusal) return { ok: false, error: refusal };
      // A canary was judged against the primary being rolled back; it is cleared with it.
      return {
        ok: true,
        deployment: { ...base, primary: previous, canary: null, shadows: base.shadows.filter((s) => s.version !== previous) },
      };
    }
    case 'sampling':
      if (!(action.sample_rate >= 0 && action.sample_rate <= 1)) return refuse('invalid_value', 'sample_rate must be between 0 and 1');
      return { ok: true, deployment: { ...base, sample_rate: action.sample_rate } };
  }
}
