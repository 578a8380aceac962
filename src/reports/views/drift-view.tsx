/**
 * Predictions and features against training: for each, the serving histogram of this window (normalised to
 * shares) beside the training distribution and the previous window, with the skew and drift statuses.
 */
import { groupedBarChart, type Series } from '../charts/grouped-bar-chart.tsx';
import { AttributionFigure } from './attribution-view.tsx';
import { Empty, Figure, StatusBadge, Table, Head, numeric } from './components.tsx';
import { binLabels, bySeverity, formatNumber, formatPercent, windowWords } from './format.ts';
import type { DriftFeature, DriftReport } from './types.ts';

export const PREDICTION_SUBJECT = 'prediction';

/** The histogram behind a feature's skew and drift numbers, read defensively (check details are untyped JSON). */
export interface FeatureHistogram {
  categories: string[] | undefined;
  /** Training shares per bin. */
  training: number[] | null;
  /** Serving counts per bin, this window and the previous one. */
  current: number[] | null;
  previous: number[] | null;
}

function numbers(value: unknown): number[] | null {
  return Array.isArray(value) && value.every((v) => typeof v === 'number') ? (value as number[]) : null;
}

export function featureHistogram(f: DriftFeature): FeatureHistogram {
  const h = f.histogram as Record<string, unknown>;
  const categories =
    Array.isArray(h.categories) && h.categories.every((c) => typeof c === 'string') ? (h.categories as string[]) : undefined;
  return { categories, training: numbers(h.training), current: numbers(h.current), previous: numbers(h.previous) };
}

function observations(f: DriftFeature): number {
  return typeof f.observations === 'number' ? f.observations : 0;
}

function shares(counts: readonly number[] | null): (number | null)[] | null {
  if (!counts) return null;
  const total = counts.reduce((a, b) => a + b, 0);
  return total > 0 ? counts.map((c) => c / total) : null;
}

/** Bin labels of a feature's histogram: its categories, or ranges between its training bin edges. */
export function histogramLabels(f: DriftFeature, h: FeatureHistogram, probability: boolean): string[] {
  const n = Math.max(h.training?.length ?? 0, h.current?.length ?? 0, h.previous?.length ?? 0);
  const base =
    h.categories ??
    binLabels(f.bin_edges ?? [], probability ? (v) => (Math.abs(v) < 0.01 && v !== 0 ? v.toPrecision(1) : v.toFixed(2)) : formatNumber);
  return Array.from({ length: n }, (_, i) => base[i] ?? `bin ${i + 1}`);
}

export function featureChart(f: DriftFeature, window: string, probability: boolean) {
  const h = featureHistogram(f);
  const series: Series[] = [];
  if (h.training) series.push({ name: 'training', values: h.training });
  const current = shares(h.current);
  if (current) series.push({ name: `serving (${window})`, values: current });
  const previous = shares(h.previous);
  if (previous) series.push({ name: 'previous window', values: previous });
  const subject = f.feature === PREDICTION_SUBJECT ? 'predictions' : `feature ${f.feature}`;
  return groupedBarChart({
    id: `drift-${f.feature.replace(/[^A-Za-z0-9_-]/g, '-')}`,
    title: `${f.feature === PREDICTION_SUBJECT ? 'Predictions' : f.feature}: serving vs training`,
    description:
      `Share of ${subject} per ${f.kind === 'categorical' ? 'category' : 'training bin'}: ` +
      `training distribution beside this window's serving traffic${previous ? ' and the previous window' : ''}. ` +
      `Skew ${f.skew.measure ?? ''} ${formatNumber(f.skew.value)} (${f.skew.status}).`,
    xLabel:
      f.kind === 'categorical'
        ? 'category'
        : f.feature === PREDICTION_SUBJECT
          ? probability
            ? 'positive-class probability'
            : 'predicted value'
          : `${f.feature} (training bins)`,
    yLabel: 'share',
    categories: histogramLabels(f, h, probability),
    series: current ? series : [],
    format: (v) => formatPercent(v, 1),
    tickFormat: (v) => formatPercent(v, 0),
    emptyMessage: `no serving traffic in this window for ${subject}`,
  });
}

export function DriftSection(props: { report: DriftReport; model: string; task: string; positiveLabel?: string }) {
  const { report, model } = props;
  const probability = props.task !== 'regression';
  const window = report.window.label;
  const prediction = report.features.find((f) => f.feature === PREDICTION_SUBJECT);
  const features = report.features.filter((f) => f.feature !== PREDICTION_SUBJECT);
  const observed = report.features.some((f) => observations(f) > 0);
  return (
    <section class="card" id="drift" aria-labelledby="drift-title">
      <h2 id="drift-title">Predictions and features vs training</h2>
      <p class="note">
        Skew compares this window's serving traffic with the training data (PSI for numbers, Jensen–Shannon for categories); drift compares
        it with the window before. Version {report.version}, {windowWords(window)}.
      </p>
      {!observed ? (
        <Empty>
          No predictions in this window. Send traffic to <code>/v1/models/{model}/predict</code> (or rehearse with{' '}
          <code>vigil replay &lt;csv&gt; --model {model}</code>).
        </Empty>
      ) : null}
      {prediction ? (
        <Figure
          caption={
            `Predictions of version ${report.version}: training share per bin vs this window. ` +
            `Skew ${formatNumber(prediction.skew.value)} (warn ${formatNumber(prediction.skew.warn as number | undefined)}, ` +
            `fail ${formatNumber(prediction.skew.fail)}).`
          }
        >
          {featureChart(prediction, window, probability)}
        </Figure>
      ) : null}
      <h3>What moved the predictions</h3>
      <AttributionFigure
        attribution={report.attribution}
        id="drift-attribution"
        scope={{ kind: 'drift', window, version: report.version }}
        positiveLabel={props.positiveLabel}
      />
      <Table caption="Skew against training and drift against the previous window, per feature (worst first)">
        <Head cols={['feature', 'skew', numeric('value'), 'drift', numeric('value'), 'kind', numeric('observations')]} />
        <tbody>
          {[...report.features]
            .sort((a, b) => bySeverity(a.skew, b.skew) || bySeverity(a.drift, b.drift))
            .map((f) => (
              <tr data-feature={f.feature}>
                <th scope="row">{f.feature}</th>
                <td>
                  <StatusBadge status={f.skew.status} />
                </td>
                <td class="num">{formatNumber(f.skew.value)}</td>
                <td>
                  <StatusBadge status={f.drift.status} />
                </td>
                <td class="num">{formatNumber(f.drift.value)}</td>
                <td>{f.kind}</td>
                <td class="num">{formatNumber(observations(f))}</td>
              </tr>
            ))}
        </tbody>
      </Table>
      <h3>Feature histograms</h3>
      {features.map((f) => (
        <details
          open={
            f.skew.status === 'warn' || f.skew.status === 'fail' || f.drift.status === 'warn' || f.drift.status === 'fail'
              ? true
              : undefined
          }
        >
          <summary>
            <strong>{f.feature}</strong> <StatusBadge status={f.skew.status} prefix="skew" />{' '}
            <StatusBadge status={f.drift.status} prefix="drift" />
          </summary>
          <div class="body">{featureChart(f, window, false)}</div>
        </details>
      ))}
    </section>
  );
}
