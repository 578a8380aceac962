/**
 * Human renderings of a deployment: the full block `vigil status` and the deployment commands print, and the
 * one-line "what changed" summary of an audit event.
 *
 * @example
 * describeChange(before, after) // "primary 1 → 2; canary 2 @ 10 % → none"
 */
import type { Deployment } from './api-types.ts';
import { formatAgo, formatShare, formatTime } from './format.ts';
import { renderKeyValues } from './table.ts';

export function describeCanary(d: Pick<Deployment, 'canary'>): string {
  return d.canary ? `${d.canary.version} @ ${d.canary.percent} %` : 'none';
}

export function describeShadows(d: Pick<Deployment, 'shadows'>): string {
  return d.shadows.length ? d.shadows.map((s) => `${s.version} @ ${formatShare(s.sample_rate)}`).join(', ') : 'none';
}

export function renderDeployment(d: Deployment, nowMs: number): string {
  const ago = formatAgo(d.updated_at, nowMs);
  return renderKeyValues([
    ['primary', d.primary],
    ['canary', d.canary ? `${d.canary.version} (${d.canary.percent} % of routing keys)` : 'none'],
    ['shadows', d.shadows.length ? d.shadows.map((s) => `${s.version} (sample rate ${formatShare(s.sample_rate)})`).join(', ') : 'none'],
    ['sample rate', `${formatShare(d.sample_rate)} of primary traffic logged`],
    ['revision', String(d.revision)],
    ['updated', `${formatTime(d.updated_at)}${ago ? ` (${ago})` : ''} by ${d.updated_by}`],
  ]);
}

/** What an event changed: primary, canary, shadows and sample rate, before → after. */
export function describeChange(before: Deployment | null, after: Deployment): string {
  if (!before) {
    const parts = [`primary ${after.primary}`];
    if (after.canary) parts.push(`canary ${describeCanary(after)}`);
    if (after.shadows.length) parts.push(`shadows ${describeShadows(after)}`);
    return `created: ${parts.join(', ')}`;
  }
  const changes: string[] = [];
  if (before.primary !== after.primary) changes.push(`primary ${before.primary} → ${after.primary}`);
  if (describeCanary(before) !== describeCanary(after)) changes.push(`canary ${describeCanary(before)} → ${describeCanary(after)}`);
  if (describeShadows(before) !== describeShadows(after)) changes.push(`shadows ${describeShadows(before)} → ${describeShadows(after)}`);
  if (before.sample_rate !== after.sample_rate)
    changes.push(`sample rate ${formatShare(before.sample_rate)} → ${formatShare(after.sample_rate)}`);
  return changes.length ? changes.join('; ') : 'no change';
}
