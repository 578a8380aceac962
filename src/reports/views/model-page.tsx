/**
 * A model's page (`GET /models/{model}?window=24h`): deployment and versions, health checks, the shadow and
 * canary comparisons (with which features make a shadow predict differently), predictions and features against
 * training (with which features moved the predictions), quality, latency, the ML Test Score card and a form to
 * explain one prediction.
 */
import { CanarySection } from './canary-view.tsx';
import { Empty, StatusBadge } from './components.tsx';
import { DriftSection } from './drift-view.tsx';
import { ExplainSection, explainableVersions } from './explain-view.tsx';
import { formatTime, windowWords, worstStatus } from './format.ts';
import { latestRun } from './health.ts';
import { LatencySection } from './latency-view.tsx';
import { Layout } from './layout.tsx';
import { DeploymentSection, HealthSection } from './model-sections.tsx';
import { QualitySection } from './quality-view.tsx';
import { ScoreCardSection } from './score-card-view.tsx';
import { ShadowSection } from './shadow-view.tsx';
import { DASHBOARD_WINDOWS, type DashboardWindow, type ModelPageData } from './types.ts';

function WindowNav(props: { model: string; current: DashboardWindow }) {
  const base = `/models/${encodeURIComponent(props.model)}`;
  return (
    <nav class="window-nav" aria-label="Report window">
      <span class="muted">Window</span>
      <ul>
        {DASHBOARD_WINDOWS.map((w) => (
          <li>
            <a href={`${base}?window=${w}`} aria-current={w === props.current ? 'page' : undefined}>
              {w}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

const CONTENTS: readonly [string, string][] = [
  ['deployment', 'Deployment'],
  ['health', 'Health'],
  ['shadow', 'Shadow'],
  ['canary', 'Canary'],
  ['drift', 'Drift & skew'],
  ['quality', 'Quality'],
  ['latency', 'Latency'],
  ['score', 'Test score'],
  ['explain', 'Explain'],
];

export function ModelPage(props: { data: ModelPageData; signedIn: boolean }) {
  const { data } = props;
  const { model, manifest, reports } = data;
  const run = latestRun(data.checks);
  return (
    <Layout title={model} crumbs={[{ label: 'Models', href: '/' }, { label: model }]} signedIn={props.signedIn}>
      <div class="page-head">
        <div>
          <h1>
            {model} {run.length ? <StatusBadge status={worstStatus(run.map((c) => c.status))} /> : null}
          </h1>
          <p class="lede">
            {manifest ? `${manifest.task.replaceAll('_', ' ')} · stage ${manifest.stage}` : ''}
            {manifest?.description ? ` · ${manifest.description}` : ''}
          </p>
          {reports ? (
            <p class="note">
              Reports cover the {windowWords(data.window)} ({formatTime(reports.shadow.window.from)} –{' '}
              {formatTime(reports.shadow.window.to)}).
            </p>
          ) : null}
        </div>
        <WindowNav model={model} current={data.window} />
      </div>
      <nav aria-label="On this page">
        <ul class="toc">
          {CONTENTS.map(([id, label]) => (
            <li>
              <a href={`#${id}`}>{label}</a>
            </li>
          ))}
        </ul>
      </nav>
      <DeploymentSection data={data} />
      <HealthSection checks={data.checks} />
      {reports && manifest ? (
        <>
          <ShadowSection report={reports.shadow} model={model} positiveLabel={manifest.output.positive_label} />
          <CanarySection report={reports.canary} model={model} metric={manifest.training.metrics.primary} />
          <DriftSection report={reports.drift} model={model} task={manifest.task} positiveLabel={manifest.output.positive_label} />
          <QualitySection report={reports.quality} model={model} />
          <LatencySection shadow={reports.shadow} canary={reports.canary} budgetMs={manifest.monitoring.latency_budget_ms} />
          <ScoreCardSection report={reports.score} />
          <ExplainSection
            model={model}
            versions={explainableVersions(data.versions)}
            primary={data.deployment?.primary}
            selected={data.deployment?.primary}
            instanceText={JSON.stringify(manifest.golden[0]?.instance ?? {}, null, 2)}
          />
        </>
      ) : (
        <section class="card" id="reports">
          <h2>Reports</h2>
          <Empty>
            Reports need a deployment. Make a version the primary with <code>vigil promote {model} &lt;version&gt;</code>.
          </Empty>
        </section>
      )}
    </Layout>
  );
}
