/**
 * Dashboard home (`GET /`): every model with its deployment and the health of its latest check run.
 */
import { Badge, Empty, StatusBadge } from './components.tsx';
import { DeploymentSummary } from './deployment-view.tsx';
import { formatTime, worstStatus } from './format.ts';
import { CHECK_TITLES, latestRun, summarizeChecks } from './health.ts';
import { Layout } from './layout.tsx';
import type { ModelOverview } from './types.ts';

export function HomePage(props: { models: readonly ModelOverview[]; signedIn: boolean }) {
  const { models } = props;
  return (
    <Layout title="Models" signedIn={props.signedIn}>
      <div class="page-head">
        <div>
          <h1>Models</h1>
          <p class="lede">
            {models.length} model{models.length === 1 ? '' : 's'} served by this Vigil. Health is the latest check run (every 5 minutes, or
            now with <code>POST /admin/checks/run</code>).
          </p>
        </div>
      </div>
      {models.length === 0 ? (
        <Empty>
          No models yet. Push a package with <code>vigil push models/&lt;name&gt;/&lt;version&gt;</code>.
        </Empty>
      ) : (
        <div class="grid models">
          {models.map((m) => (
            <ModelCard overview={m} />
          ))}
        </div>
      )}
    </Layout>
  );
}

function ModelCard(props: { overview: ModelOverview }) {
  const { model, manifest, deployment, checks, versions } = props.overview;
  const run = latestRun(checks);
  const summary = summarizeChecks(checks);
  const overall = worstStatus(run.map((c) => c.status));
  const href = `/models/${encodeURIComponent(model)}`;
  const headingId = `model-${model.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  return (
    <section class="card model-card" aria-labelledby={headingId} data-model={model}>
      <h2 id={headingId}>
        <a href={href}>{model}</a>
        {run.length ? <StatusBadge status={overall} /> : <Badge tone="na">not checked yet</Badge>}
      </h2>
      <p class="muted">
        {manifest ? `${manifest.task.replaceAll('_', ' ')} · stage ${manifest.stage}` : 'no manifest'}
        {' · '}
        {versions.length} version{versions.length === 1 ? '' : 's'}
        {versions.some((v) => v.status === 'qa_failed') ? ` (${versions.filter((v) => v.status === 'qa_failed').length} failed QA)` : ''}
      </p>
      <DeploymentSummary model={model} deployment={deployment} />
      <h3>Health</h3>
      {summary.length === 0 ? (
        <Empty>
          No health checks have run yet. They run every 5 minutes; run them now with <code>POST /admin/checks/run</code>.
        </Empty>
      ) : (
        <>
          <ul class="checks" aria-label={`Health checks of ${model}`}>
            {summary.map((s) => (
              <li
                data-check={s.check}
                data-status={s.status}
                title={s.flagged.length ? `not passing: ${s.flagged.join(', ')}` : `${s.subjects} subject${s.subjects === 1 ? '' : 's'}`}
              >
                {CHECK_TITLES[s.check]} <StatusBadge status={s.status} />
              </li>
            ))}
          </ul>
          <p class="note">Checked {formatTime(run[0]?.checked_at)}</p>
        </>
      )}
      <p>
        <a href={href}>Open {model} →</a>
      </p>
    </section>
  );
}
