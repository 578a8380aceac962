/**
 * The canary comparison: traffic share, errors and quality of the canary against the primary on live
 * traffic, their prediction distributions, and the canary check's history.
 */
import { groupedBarChart } from '../charts/grouped-bar-chart.tsx';
import { Empty, Figure, Stat, StatusBadge, Table, Head, numeric } from './components.tsx';
import { binLabels, formatMetric, formatNumber, formatPercent, formatTime, metricName } from './format.ts';
import type { CanaryReport } from './types.ts';

function shares(counts: readonly number[]): (number | null)[] {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => (total > 0 ? c / total : null));
}

export function CanarySection(props: { report: CanaryReport; model: string; metric: string }) {
  const { report, model, metric } = props;
  return (
    <section class="card" id="canary" aria-labelledby="canary-title">
      <h2 id="canary-title">Canary</h2>
      {'traffic_share' in report && report.canary ? (
        <CanaryBody report={report} metric={metric} />
      ) : (
        <Empty>
          No canary is running. Send a share of traffic to a candidate with <code>vigil canary {model} &lt;version&gt; --percent 10</code>.
          A failing canary is rolled back automatically.
        </Empty>
      )}
      <History report={report} />
    </section>
  );
}

function CanaryBody(props: { report: Extract<CanaryReport, { traffic_share: unknown }>; metric: string }) {
  const { report: r, metric } = props;
  const dist = r.prediction_distribution;
  const isProbability = dist.measure !== 'prediction value';
  const labels = binLabels(dist.bin_edges, isProbability ? (v) => v.toFixed(2) : formatNumber);
  return (
    <>
      <p>
        Version {r.canary.version} receives {formatPercent(r.canary.percent / 100, 0)} of routing keys; version {r.primary_version} serves
        the rest.
      </p>
      <div class="stats">
        <Stat
          label="canary share served"
          value={formatPercent(r.traffic_share.canary, 1)}
          sub={`configured ${formatPercent(r.traffic_share.configured_canary_percent / 100, 0)}`}
        />
        <Stat
          label={`v${r.candidate.version} instances`}
          value={formatNumber(r.candidate.instances)}
          sub={`errors ${formatPercent(r.candidate.error_rate, 2)}`}
        />
        <Stat
          label={`v${r.primary.version} instances`}
          value={formatNumber(r.primary.instances)}
          sub={`errors ${formatPercent(r.primary.error_rate, 2)}`}
        />
        <Stat label="prediction PSI" value={formatNumber(dist.psi)} sub="canary vs primary" />
      </div>
      <Table caption={`Quality on labelled feedback (online) and offline; primary metric ${metricName(metric)}`}>
        <Head
          cols={[
            'version',
            'role',
            numeric('labelled'),
            numeric(`${metricName(metric)} online`),
            numeric(`${metricName(metric)} offline`),
            numeric('rejected'),
          ]}
        />
        <tbody>
          {[
            { side: r.primary, role: 'primary' },
            { side: r.candidate, role: 'canary' },
          ].map(({ side, role }) => (
            <tr>
              <th scope="row">v{side.version}</th>
              <td>{role}</td>
              <td class="num">{formatNumber(side.quality.n)}</td>
              <td class="num">{formatMetric(metric, side.quality.metrics[metric])}</td>
              <td class="num">{formatMetric(metric, side.offline_metrics[metric])}</td>
              <td class="num">{formatNumber(side.rejected)}</td>
            </tr>
          ))}
        </tbody>
      </Table>
      <Figure caption={`Share of each version's predictions per bin of the primary's training distribution (${dist.measure}).`}>
        {groupedBarChart({
          id: 'canary-distribution',
          title: `Prediction distribution, canary version ${r.canary.version} vs primary version ${r.primary_version}`,
          description: `Share of predictions per bin for both versions; PSI ${formatNumber(dist.psi)}.`,
          xLabel: dist.measure,
          yLabel: 'share of predictions',
          categories: labels,
          series: [
            { name: `v${r.primary_version} primary`, values: shares(dist.primary) },
            { name: `v${r.canary.version} canary`, values: shares(dist.canary) },
          ],
          format: (v) => formatPercent(v, 1),
          tickFormat: (v) => formatPercent(v, 0),
          emptyMessage: 'no canary predictions in this window yet',
        })}
      </Figure>
    </>
  );
}

function History(props: { report: CanaryReport }) {
  const history = props.report.health_history.slice(0, 12);
  if (history.length === 0) return null;
  return (
    <Table caption="Canary check history (newest first)">
      <Head cols={['checked', 'version', 'subject', 'status', numeric('value'), numeric('threshold')]} />
      <tbody>
        {history.map((h) => (
          <tr>
            <td>{formatTime(h.checked_at)}</td>
            <td>{h.version ?? '–'}</td>
            <td>{h.subject || 'model'}</td>
            <td>
              <StatusBadge status={h.status} />
            </td>
            <td class="num">{formatNumber(h.value)}</td>
            <td class="num">{formatNumber(h.threshold)}</td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
