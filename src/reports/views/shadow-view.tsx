/**
 * The shadow comparison: per shadow version, the verdict of the paired test on labelled requests, both
 * versions' quality on the same requests, how far the predictions differ (with the distribution), the label
 * confusion for classifiers and the differences by slice.
 */
import { histogramChart } from '../charts/bar-chart.tsx';
import type { Verdict } from '../paired-test.ts';
import { AttributionFigure, sentence } from './attribution-view.tsx';
import { Badge, Empty, Figure, Stat, Table, Head, numeric } from './components.tsx';
import { formatMetric, formatNumber, formatPercent, metricName, type Tone } from './format.ts';
import type { ShadowEntry, ShadowReport } from './types.ts';

const VERDICT_TONE: Record<Verdict, Tone> = {
  shadow_better: 'pass',
  shadow_worse: 'fail',
  no_significant_difference: 'info',
  insufficient_data: 'na',
};

export const VERDICT_TEXT: Record<Verdict, string> = {
  shadow_better: 'shadow better',
  shadow_worse: 'shadow worse',
  no_significant_difference: 'no significant difference',
  insufficient_data: 'insufficient data',
};

function headline(verdict: Verdict, shadow: string, primary: string): string {
  switch (verdict) {
    case 'shadow_better':
      return `Version ${shadow} is better than version ${primary} on the same requests`;
    case 'shadow_worse':
      return `Version ${shadow} is worse than version ${primary} on the same requests`;
    case 'no_significant_difference':
      return `No significant difference between version ${shadow} and version ${primary}`;
    case 'insufficient_data':
      return `Not enough labelled requests yet to compare version ${shadow} with version ${primary}`;
  }
}

function advice(verdict: Verdict): string {
  switch (verdict) {
    case 'shadow_better':
      return 'Consider a canary of the shadow version before promoting it.';
    case 'shadow_worse':
      return 'Keep the primary; investigate the shadow version before it serves traffic.';
    case 'no_significant_difference':
      return 'Wait for more labelled traffic, or decide on other grounds (latency, simplicity).';
    case 'insufficient_data':
      return 'Keep shadowing and posting feedback.';
  }
}

export function ShadowSection(props: { report: ShadowReport; model: string; positiveLabel?: string }) {
  const { report, model } = props;
  return (
    <section class="card" id="shadow" aria-labelledby="shadow-title">
      <h2 id="shadow-title">Shadow comparison</h2>
      {report.shadows.length === 0 ? (
        <Empty>
          This deployment has no shadow versions. Mirror requests to a candidate with{' '}
          <code>vigil shadow {model} &lt;version&gt; --sample-rate 0.1</code>.
        </Empty>
      ) : (
        report.shadows.map((s) => <ShadowVersion entry={s} report={report} model={model} positiveLabel={props.positiveLabel} />)
      )}
    </section>
  );
}

function ShadowVersion(props: { entry: ShadowEntry; report: ShadowReport; model: string; positiveLabel?: string }) {
  const { entry: s, report, model } = props;
  const q = s.quality;
  const verdict = q.verdict;
  const classification = report.task !== 'regression';
  const d = s.differences;
  const slug = `shadow-${s.version.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  return (
    <div class="shadow-version" data-shadow-version={s.version}>
      <h3>
        Version {s.version} (shadow, {formatPercent(s.sample_rate, 0)} mirrored) vs version {report.primary_version} (primary)
      </h3>
      <div class={`verdict ${VERDICT_TONE[verdict]}`} data-verdict={verdict}>
        <strong class="headline">
          <Badge tone={VERDICT_TONE[verdict]}>{VERDICT_TEXT[verdict]}</Badge> {headline(verdict, s.version, report.primary_version)}
        </strong>
        <p>
          {sentence(q.test.explanation)} {advice(verdict)}
        </p>
        <p class="note">
          Paired test: {q.test.test}; {formatNumber(q.test.n)} labelled requests served by both versions; significance level α ={' '}
          {q.test.alpha}
          {q.test.p_value !== null ? `; p ${q.test.p_value < 0.001 ? '< 0.001' : `= ${q.test.p_value.toFixed(3)}`}` : ''}
          {q.test.statistic !== null ? `; statistic ${formatNumber(q.test.statistic)}` : ''}. The verdict compares the versions on the same
          requests, so traffic mix cannot explain the difference.
        </p>
      </div>
      {q.labelled_requests === 0 ? (
        <Empty>
          No labelled feedback yet for the shadowed requests — post the true labels to <code>/v1/models/{model}/feedback</code> with each
          prediction's <code>request_id</code>.
        </Empty>
      ) : (
        <QualityComparison entry={s} primaryVersion={report.primary_version} />
      )}
      <h4>Prediction differences</h4>
      {s.requests === 0 ? (
        <Empty>
          No shadowed requests in this window. Send predictions to <code>/v1/models/{model}/predict</code>;{' '}
          {formatPercent(s.sample_rate, 0)} of them are mirrored to version {s.version}.
        </Empty>
      ) : (
        <>
          <div class="stats">
            <Stat label="compared requests" value={formatNumber(s.requests)} />
            <Stat
              label="shadow errors"
              value={formatNumber(s.errors)}
              sub={s.error_rate === null ? undefined : formatPercent(s.error_rate, 2)}
            />
            {'label_agreement' in d ? (
              <>
                <Stat label="label agreement" value={formatPercent(d.label_agreement, 1)} />
                <Stat
                  label="mean |Δ probability|"
                  value={formatNumber(d.mean_probability_difference)}
                  sub={`p95 ${formatNumber(d.p95_probability_difference)}`}
                />
                <Stat label="mean Δ (shadow − primary)" value={formatNumber(d.mean_signed_probability_difference)} />
              </>
            ) : (
              <>
                <Stat label="mean |Δ|" value={formatNumber(d.mean_abs_diff)} sub={`median ${formatNumber(d.median_abs_diff)}`} />
                <Stat label="p95 |Δ|" value={formatNumber(d.p95_abs_diff)} sub={`max ${formatNumber(d.max_abs_diff)}`} />
                <Stat label="mean Δ (shadow − primary)" value={formatNumber(d.mean_signed_diff)} />
              </>
            )}
          </div>
          <Figure
            caption={
              `Absolute difference of the ${d.measure} between version ${s.version} and version ` +
              `${report.primary_version}, per request, in ${s.difference_histogram.length} equal-width bins.`
            }
          >
            {histogramChart({
              id: `${slug}-diff`,
              title: `Shadow difference distribution, version ${s.version} vs ${report.primary_version}`,
              description: `Histogram of |shadow − primary| ${d.measure} over ${s.requests} compared requests.`,
              xLabel: `|shadow − primary| (${d.measure})`,
              yLabel: 'requests',
              bins: s.difference_histogram,
              emptyMessage: 'both versions predicted the same on every compared request',
            })}
          </Figure>
          <h4>What makes version {s.version} predict differently</h4>
          <AttributionFigure
            attribution={s.attribution}
            id={`${slug}-attribution`}
            scope={{ kind: 'shadow', shadow: s.version, primary: report.primary_version }}
            positiveLabel={props.positiveLabel}
          />
          {'confusion' in d && classification ? (
            <Confusion rows={d.confusion ?? []} primary={report.primary_version} shadow={s.version} />
          ) : null}
          <BySlice entry={s} classification={classification} />
        </>
      )}
    </div>
  );
}

function QualityComparison(props: { entry: ShadowEntry; primaryVersion: string }) {
  const { quality: q, version } = props.entry;
  const metrics = [...new Set([q.metric, ...Object.keys(q.primary), ...Object.keys(q.shadow)])];
  return (
    <Table
      caption={
        `Quality on the same ${formatNumber(q.labelled_requests)} labelled requests (online) and on the training holdout (offline); ` +
        `primary metric ${metricName(q.metric)}`
      }
    >
      <Head
        cols={[
          'metric',
          numeric(`v${props.primaryVersion} online`),
          numeric(`v${version} online`),
          numeric(`v${props.primaryVersion} offline`),
          numeric(`v${version} offline`),
        ]}
      />
      <tbody>
        {metrics.map((m) => (
          <tr>
            <th scope="row">{m === q.metric ? <strong>{metricName(m)}</strong> : metricName(m)}</th>
            <td class="num">{formatMetric(m, q.primary[m])}</td>
            <td class="num">{formatMetric(m, q.shadow[m])}</td>
            <td class="num">{formatMetric(m, q.offline.primary[m])}</td>
            <td class="num">{formatMetric(m, q.offline.shadow?.[m])}</td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

function Confusion(props: { rows: readonly { primary: string; shadow: string; count: number }[]; primary: string; shadow: string }) {
  const labels = [...new Set(props.rows.flatMap((r) => [r.primary, r.shadow]))].sort();
  const count = (p: string, s: string) => props.rows.find((r) => r.primary === p && r.shadow === s)?.count ?? 0;
  if (labels.length === 0) return null;
  return (
    <Table caption={`Labels of version ${props.primary} (rows) against version ${props.shadow} (columns) on the same requests`}>
      <thead>
        <tr>
          <th scope="col">
            v{props.primary} ↓ / v{props.shadow} →
          </th>
          {labels.map((l) => (
            <th scope="col" class="num">
              {l}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {labels.map((p) => (
          <tr>
            <th scope="row">{p}</th>
            {labels.map((s) => (
              <td class="num">{p === s ? <strong>{formatNumber(count(p, s))}</strong> : formatNumber(count(p, s))}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

function BySlice(props: { entry: ShadowEntry; classification: boolean }) {
  const slices = Object.entries(props.entry.by_slice) as [
    string,
    {
      slice: string | null;
      comparisons: number;
      mean_abs_diff: number | null;
      mean_signed_diff: number | null;
      label_agreement: number | null;
      errors: number;
    }[],
  ][];
  if (slices.length === 0) return null;
  return (
    <details>
      <summary>Differences by slice ({slices.map(([f]) => f).join(', ')})</summary>
      <div class="body">
        {slices.map(([feature, rows]) => (
          <Table caption={`by ${feature}`}>
            <thead>
              <tr>
                <th scope="col">{feature}</th>
                <th scope="col" class="num">
                  requests
                </th>
                {props.classification ? (
                  <th scope="col" class="num">
                    label agreement
                  </th>
                ) : null}
                <th scope="col" class="num">
                  mean |Δ|
                </th>
                <th scope="col" class="num">
                  mean Δ
                </th>
                <th scope="col" class="num">
                  errors
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr>
                  <th scope="row">{r.slice ?? '(missing)'}</th>
                  <td class="num">{formatNumber(r.comparisons)}</td>
                  {props.classification ? <td class="num">{formatPercent(r.label_agreement, 1)}</td> : null}
                  <td class="num">{formatNumber(r.mean_abs_diff)}</td>
                  <td class="num">{formatNumber(r.mean_signed_diff)}</td>
                  <td class="num">{formatNumber(r.errors)}</td>
                </tr>
              ))}
            </tbody>
          </Table>
        ))}
      </div>
    </details>
  );
}
