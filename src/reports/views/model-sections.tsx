/**
 * The model page's deployment and versions section and its health-check table.
 */
import type { DeploymentEvent } from '../../traffic/deployment-store.ts';
import { Badge, Empty, StatusBadge, Table, Head, numeric } from './components.tsx';
import { DeploymentSummary } from './deployment-view.tsx';
import { bySeverity, formatMetric, formatNumber, formatTime, metricName } from './format.ts';
import { CHECK_TITLES, latestRun, summarizeChecks } from './health.ts';
import type { ModelPageData, StoredCheck } from './types.ts';

function roleOf(data: ModelPageData, version: string): string {
  const d = data.deployment;
  if (!d) return '';
  if (d.primary === version) return 'primary';
  if (d.canary?.version === version) return `canary ${d.canary.percent}%`;
  const shadow = d.shadows.find((s) => s.version === version);
  if (shadow) return `shadow ${Math.round(shadow.sample_rate * 1000) / 10}%`;
  return '';
}

export function DeploymentSection(props: { data: ModelPageData }) {
  const { data } = props;
  const versions = [...data.versions].sort((a, b) => Number(b.version) - Number(a.version));
  return (
    <section class="card" id="deployment" aria-labelledby="deployment-title">
      <h2 id="deployment-title">Deployment and versions</h2>
      <DeploymentSummary model={data.model} deployment={data.deployment} detailed />
      <Table caption="Registered versions (newest first)">
        <Head cols={['version', 'role', 'QA', 'engine', 'algorithm', numeric('offline metric'), 'trained', 'source']} />
        <tbody>
          {versions.map((v) => {
            const facts = data.versionFacts.get(v.version);
            const role = roleOf(data, v.version);
            return (
              <tr data-version={v.version}>
                <th scope="row">v{v.version}</th>
                <td>{role ? <strong>{role}</strong> : <span class="muted">idle</span>}</td>
                <td>
                  {v.status === 'qa_passed' ? (
                    <Badge tone="pass">QA passed</Badge>
                  ) : (
                    <Badge tone="fail" title={v.qaFailure}>
                      QA failed
                    </Badge>
                  )}
                  {v.status === 'qa_failed' && v.qaFailure ? <div class="note">{v.qaFailure}</div> : null}
                </td>
                <td
                  data-engine={v.status === 'qa_passed' ? v.engine : undefined}
                  title={v.status === 'qa_passed' ? v.engineReason : undefined}
                >
                  {v.status !== 'qa_passed' ? '–' : v.engine === 'compiled' ? 'compiled' : 'ONNX Runtime'}
                  {v.status === 'qa_passed' && v.engineOverride ? <span class="muted"> (forced)</span> : null}
                </td>
                <td>{facts?.algorithm ?? '–'}</td>
                <td class="num">
                  {facts && facts.value !== undefined ? `${metricName(facts.metric)} ${formatMetric(facts.metric, facts.value)}` : '–'}
                </td>
                <td>{facts?.trainedAt ? formatTime(facts.trainedAt) : '–'}</td>
                <td>{v.source}</td>
              </tr>
            );
          })}
        </tbody>
      </Table>
      <Events events={data.events} />
    </section>
  );
}

function Events(props: { events: readonly DeploymentEvent[] }) {
  if (props.events.length === 0) return null;
  return (
    <details>
      <summary>Recent deployment changes ({props.events.length})</summary>
      <div class="body">
        <Table caption="Audit trail (newest first)">
          <Head cols={['when', 'action', 'primary', 'by', 'reason']} />
          <tbody>
            {props.events.map((e) => (
              <tr>
                <td>{formatTime(e.created_at)}</td>
                <td>{e.action.replaceAll('_', ' ')}</td>
                <td>
                  {e.before && e.before.primary !== e.after.primary ? `v${e.before.primary} → ` : ''}v{e.after.primary}
                </td>
                <td>{e.actor}</td>
                <td class="wrap">{e.reason ?? '–'}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      </div>
    </details>
  );
}

function thresholdText(c: StoredCheck): string {
  const warn = typeof c.details.warn === 'number' ? c.details.warn : null;
  if (c.threshold === null) return '–';
  return warn === null ? formatNumber(c.threshold) : `${formatNumber(warn)} / ${formatNumber(c.threshold)}`;
}

export function HealthSection(props: { checks: readonly StoredCheck[] }) {
  const run = latestRun(props.checks).sort((a, b) => bySeverity(a, b));
  const summary = summarizeChecks(props.checks);
  return (
    <section class="card" id="health" aria-labelledby="health-title">
      <h2 id="health-title">Health checks</h2>
      {run.length === 0 ? (
        <Empty>
          No health checks have run yet. They run every 5 minutes; run them now with <code>POST /admin/checks/run</code>.
        </Empty>
      ) : (
        <>
          <p class="note">
            Latest run {formatTime(run[0]!.checked_at)}:{' '}
            {(['fail', 'warn', 'pass', 'insufficient_data'] as const)
              .map((s) => `${run.filter((r) => r.status === s).length} ${s.replace('_', ' ')}`)
              .join(', ')}
            .
          </p>
          <Table caption="Each check, by its worst subject" class="health-summary">
            <Head cols={['check', 'status · not passing', numeric('subjects')]} />
            <tbody>
              {summary.map((s) => (
                <tr data-check={s.check} data-status={s.status}>
                  <th scope="row">{CHECK_TITLES[s.check]}</th>
                  <td class="flagged">
                    <StatusBadge status={s.status} />
                    {s.flagged.length ? <div class="note">{s.flagged.join(', ')}</div> : null}
                  </td>
                  <td class="num">{s.subjects}</td>
                </tr>
              ))}
            </tbody>
          </Table>
          <details>
            <summary>All {run.length} results with values and thresholds</summary>
            <div class="body">
              <Table
                caption={'Latest result of every check subject (worst first); thresholds are warn / fail, each check uses its own window'}
              >
                <Head cols={['check', 'subject', 'status', numeric('value'), numeric('threshold'), 'version', 'window']} />
                <tbody>
                  {run.map((c) => (
                    <tr data-check={c.check} data-status={c.status}>
                      <th scope="row">{CHECK_TITLES[c.check] ?? c.check}</th>
                      <td>{c.subject || 'model'}</td>
                      <td>
                        <StatusBadge status={c.status} />
                      </td>
                      <td class="num">{formatNumber(c.value)}</td>
                      <td class="num">{thresholdText(c)}</td>
                      <td>{c.version ?? '–'}</td>
                      <td>{c.window}</td>
                    </tr>
                  ))}
                </tbody>
              </Table>
            </div>
          </details>
        </>
      )}
    </section>
  );
}
