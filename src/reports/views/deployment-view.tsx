/**
 * A deployment in words: primary, canary with its traffic share, shadows with their sample rates.
 */
import type { Deployment } from '../../traffic/deployment.ts';
import { Empty } from './components.tsx';
import { formatPercent, formatTime } from './format.ts';

export function DeploymentSummary(props: { model: string; deployment: Deployment | null; detailed?: boolean }) {
  const d = props.deployment;
  if (!d) {
    return (
      <Empty>
        Nothing is deployed. Make a version the primary with <code>vigil promote {props.model} &lt;version&gt;</code>.
      </Empty>
    );
  }
  return (
    <dl class="kv deployment">
      <dt>Primary</dt>
      <dd>
        <strong>version {d.primary}</strong>
      </dd>
      <dt>Canary</dt>
      <dd>
        {d.canary
          ? `version ${d.canary.version} · ${formatPercent(d.canary.percent / 100, d.canary.percent % 1 === 0 ? 0 : 1)} of traffic`
          : 'none'}
      </dd>
      <dt>Shadows</dt>
      <dd>
        {d.shadows.length
          ? d.shadows
              .map(
                (s) =>
                  `version ${s.version} · ${formatPercent(s.sample_rate, (s.sample_rate * 100) % 1 === 0 ? 0 : 1)} of requests mirrored`,
              )
              .join('; ')
          : 'none'}
      </dd>
      {props.detailed ? (
        <>
          <dt>Logged sample</dt>
          <dd>{formatPercent(d.sample_rate, 1)} of primary requests</dd>
          <dt>Revision</dt>
          <dd>
            {d.revision} · {formatTime(d.updated_at)} by {d.updated_by}
          </dd>
        </>
      ) : null}
    </dl>
  );
}
