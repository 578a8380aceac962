/**
 * Quality on labelled feedback: the primary metric over time against the offline metric, per slice, and the
 * bias metrics across protected attributes.
 */
import { groupedBarChart } from '../charts/grouped-bar-chart.tsx';
import { lineChart } from '../charts/line-chart.tsx';
import { Empty, Figure, Stat, StatusBadge, Table, Head, numeric } from './components.tsx';
import { bucketLabel, formatMetric, formatNumber, formatPercent, metricName } from './format.ts';
import type { QualityReport } from './types.ts';

const BUCKET_MS: Record<string, number> = { '10m': 600_000, '1h': 3_600_000, '1d': 86_400_000 };

/** Every bucket of the window, with the metric where labelled feedback exists and null elsewhere. */
export function qualitySeries(report: QualityReport): { labels: string[]; values: (number | null)[]; labelled: number[] } {
  const bucketMs = BUCKET_MS[report.over_time.bucket] ?? 3_600_000;
  const from = Math.floor(Date.parse(report.window.from) / bucketMs) * bucketMs;
  const to = Date.parse(report.window.to);
  const byStart = new Map(report.over_time.points.map((p) => [Date.parse(p.from), p]));
  const labels: string[] = [];
  const values: (number | null)[] = [];
  const labelled: number[] = [];
  if (!Number.isFinite(from) || !Number.isFinite(to)) return { labels, values, labelled };
  for (let t = from; t <= to && labels.length < 400; t += bucketMs) {
    const point = byStart.get(t);
    labels.push(bucketLabel(new Date(t).toISOString(), report.over_time.bucket));
    values.push(point?.value ?? null);
    labelled.push(point?.labelled ?? 0);
  }
  return { labels, values, labelled };
}

interface BiasGroup {
  group: string;
  n: number;
  predictedPositiveRate?: number | null;
  labelledPositives?: number | null;
  truePositiveRate?: number | null;
}

function biasGroups(value: unknown): BiasGroup[] {
  if (!Array.isArray(value)) return [];
  return value.filter((g): g is BiasGroup => typeof g === 'object' && g !== null && typeof (g as BiasGroup).group === 'string');
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function QualitySection(props: { report: QualityReport; model: string }) {
  const { report, model } = props;
  const { metric } = report;
  const name = metricName(metric);
  const offline = report.overall.offline[metric];
  const series = qualitySeries(report);
  const sliceFeatures = [...new Set(report.slices.map((s) => s.feature))];
  return (
    <section class="card" id="quality" aria-labelledby="quality-title">
      <h2 id="quality-title">
        Quality on labelled feedback <StatusBadge status={report.overall.status} />
      </h2>
      {report.overall.labelled === 0 ? (
        <Empty>
          No labelled feedback yet in this window — post it to <code>/v1/models/{model}/feedback</code> as{' '}
          <code>{'{"request_id": "…", "label": …}'}</code> using each prediction's request id.
        </Empty>
      ) : (
        <>
          <div class="stats">
            <Stat label="labelled predictions" value={formatNumber(report.overall.labelled)} />
            <Stat label={`${name} online`} value={formatMetric(metric, report.overall.serving[metric])} sub={`version ${report.version}`} />
            <Stat label={`${name} offline`} value={formatMetric(metric, offline)} sub="training holdout" />
            <Stat
              label="degradation"
              value={report.overall.degradation === null ? '–' : formatPercent(report.overall.degradation, 1)}
              sub={report.higher_is_better ? 'relative drop (positive = worse)' : 'relative rise (positive = worse)'}
            />
          </div>
          <Figure
            caption={
              `${name} of version ${report.version} per ${report.over_time.bucket} on labelled feedback; ` +
              `the dashed line is the offline ${name}. Gaps are periods without labels.`
            }
          >
            {lineChart({
              id: 'quality-over-time',
              title: `${name} over time`,
              description:
                `${name} per ${report.over_time.bucket} bucket on ${report.overall.labelled} labelled predictions, ` +
                `against the offline ${name} of ${formatMetric(metric, offline)}.`,
              xLabel: `time (UTC, ${report.over_time.bucket} buckets)`,
              yLabel: name,
              labels: series.labels,
              series: [{ name: `${name} online`, values: series.values }],
              references: offline === undefined ? [] : [{ name: `${name} offline`, value: offline }],
              format: (v) => formatMetric(metric, v),
            })}
          </Figure>
        </>
      )}
      {report.slices.length > 0 ? (
        <>
          <h3>By slice</h3>
          <div class="charts">
            {sliceFeatures.map((feature) => {
              const rows = report.slices.filter((s) => s.feature === feature);
              return (
                <Figure caption={`${name} per ${feature} slice: online vs offline.`}>
                  {groupedBarChart({
                    id: `quality-slice-${feature.replace(/[^A-Za-z0-9_-]/g, '-')}`,
                    title: `${name} by ${feature}`,
                    description: `${name} online and offline for each value of ${feature}.`,
                    xLabel: feature,
                    yLabel: name,
                    categories: rows.map((r) => r.slice),
                    series: [
                      { name: 'online', values: rows.map((r) => (r.labelled > 0 ? r.serving : null)) },
                      { name: 'offline', values: rows.map((r) => num(r.offline)) },
                    ],
                    format: (v) => formatMetric(metric, v),
                    emptyMessage: 'no labelled feedback in these slices yet',
                  })}
                </Figure>
              );
            })}
          </div>
          <Table caption={`${name} per slice, online vs offline`}>
            <Head cols={['slice', numeric('labelled'), numeric('online'), numeric('offline'), numeric('degradation'), 'status']} />
            <tbody>
              {report.slices.map((s) => (
                <tr>
                  <th scope="row">
                    {s.feature} = {s.slice}
                  </th>
                  <td class="num">{formatNumber(s.labelled)}</td>
                  <td class="num">{formatMetric(metric, s.serving)}</td>
                  <td class="num">{formatMetric(metric, num(s.offline))}</td>
                  <td class="num">{s.degradation === null ? '–' : formatPercent(s.degradation, 1)}</td>
                  <td>
                    <StatusBadge status={s.status} />
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
        </>
      ) : null}
      <h3>Bias across protected attributes</h3>
      {report.bias.length === 0 ? (
        <Empty>
          No protected attributes are declared. List them in the manifest's <code>monitoring.protected_attributes</code> to compare groups.
        </Empty>
      ) : (
        report.bias.map((b) => {
          const details = b as Record<string, unknown>;
          if (b.attribute === '') {
            // The check ran for the model as a whole: it says why there is nothing to compare.
            return (
              <Empty>
                No bias metrics: {typeof details.reason === 'string' ? details.reason : 'nothing to compare'}.
                {typeof details.reason === 'string' && details.reason.includes('protected attributes') ? (
                  <>
                    {' '}
                    Declare the attributes to compare in the manifest's <code>monitoring.protected_attributes</code>.
                  </>
                ) : null}
              </Empty>
            );
          }
          const groups = biasGroups(details.groups);
          return (
            <div class="bias" data-attribute={b.attribute}>
              <h4>
                {b.attribute} <StatusBadge status={b.status} />
              </h4>
              <p class="note">
                Gap in predicted positive rate between groups {formatPercent(num(details.positive_rate_gap), 1)} (training{' '}
                {formatPercent(num(details.training_positive_rate_gap), 1)}); gap in true positive rate{' '}
                {formatPercent(num(details.true_positive_rate_gap), 1)}
                {num(details.training_true_positive_rate_gap) === null
                  ? ''
                  : ` (training ${formatPercent(num(details.training_true_positive_rate_gap), 1)})`}
                . Increase over training: {formatNumber(b.gap_increase)}.
              </p>
              <Table caption={`Groups of ${b.attribute}`}>
                <Head
                  cols={[
                    b.attribute,
                    numeric('predictions'),
                    numeric('predicted positive rate'),
                    numeric('labelled positives'),
                    numeric('true positive rate'),
                  ]}
                />
                <tbody>
                  {groups.length === 0 ? (
                    <tr>
                      <td colspan={5}>no predictions for this attribute in the window</td>
                    </tr>
                  ) : (
                    groups.map((g) => (
                      <tr>
                        <th scope="row">{g.group}</th>
                        <td class="num">{formatNumber(g.n)}</td>
                        <td class="num">{formatPercent(g.predictedPositiveRate, 1)}</td>
                        <td class="num">{formatNumber(g.labelledPositives)}</td>
                        <td class="num">{formatPercent(g.truePositiveRate, 1)}</td>
                      </tr>
                    ))
                  )}
                </tbody>
              </Table>
            </div>
          );
        })
      )}
    </section>
  );
}
