/**
 * Lines over evenly spaced x positions (time buckets) as server-rendered SVG, with a point per value, gaps
 * where a value is null, and optional dashed reference lines (e.g. the offline metric).
 *
 * @example
 * lineChart({ id: 'auc', title: 'AUC over time', description: '…', xLabel: 'hour', yLabel: 'AUC',
 *   labels: ['10:00', '11:00'], series: [{ name: 'serving', values: [0.91, 0.9] }], references: [{ name: 'offline', value: 0.9 }] })
 */
import {
  ChartFrame,
  EmptyChart,
  MAX_TICK_LABEL,
  SERIES_COLORS,
  TICK_FONT_SIZE,
  labelStride,
  plotArea,
  round,
  yTickLabels,
  type ChartText,
  type LegendItem,
  type XTick,
} from './chart-frame.tsx';
import type { Series } from './grouped-bar-chart.tsx';
import { formatNumber, linearScale, niceTicks, textWidth, truncate } from './scale.ts';

export interface Reference {
  name: string;
  value: number;
  color?: string;
}

export interface LineChartOptions extends ChartText {
  labels: readonly string[];
  series: readonly Series[];
  references?: readonly Reference[];
  format?: (value: number) => string;
  /** Start the y axis at zero (counts); otherwise it fits the values (metrics). */
  zeroBased?: boolean;
  emptyMessage?: string;
}

/** Splits values into runs of consecutive non-null points: each run is one path segment. */
export function lineRuns(values: readonly (number | null)[]): { index: number; value: number }[][] {
  const runs: { index: number; value: number }[][] = [];
  let run: { index: number; value: number }[] = [];
  values.forEach((value, index) => {
    if (value === null || !Number.isFinite(value)) {
      if (run.length) runs.push(run);
      run = [];
    } else run.push({ index, value });
  });
  if (run.length) runs.push(run);
  return runs;
}

export function lineChart(options: LineChartOptions) {
  const { labels, series } = options;
  const references = options.references ?? [];
  const values = series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  if (labels.length === 0 || values.length === 0)
    return <EmptyChart text={options} message={options.emptyMessage ?? 'no data in this window'} />;
  const format = options.format ?? formatNumber;
  const all = [...values, ...references.map((r) => r.value), ...(options.zeroBased ? [0] : [])];
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const pad = hi > lo ? (hi - lo) * 0.08 : Math.abs(hi) * 0.05 || 1;
  const ticks = niceTicks(options.zeroBased ? Math.min(0, lo) : lo - pad, hi + pad, 5);
  const colors = series.map((s, i) => s.color ?? SERIES_COLORS[i % SERIES_COLORS.length]!);
  const refColors = references.map((r, i) => r.color ?? SERIES_COLORS[(series.length + i + 1) % SERIES_COLORS.length]!);
  const legend: LegendItem[] = [
    ...series.map((s, i) => ({ name: s.name, color: colors[i]! })),
    ...references.map((r, i) => ({ name: r.name, color: refColors[i]!, dashed: true })),
  ];
  // Time labels stay level; when they do not all fit, every k-th is shown.
  const area = plotArea({ xLabels: [], slots: labels.length, yLabels: yTickLabels(ticks, options.tickFormat), legend, rotate: 'never' });
  const y = linearScale(ticks[0]!, ticks[ticks.length - 1]!, area.bottom, area.top);
  const step = (area.right - area.left) / labels.length;
  const xAt = (i: number) => area.left + step * (i + 0.5);
  const widest = Math.max(...labels.map((l) => textWidth(truncate(l, MAX_TICK_LABEL), TICK_FONT_SIZE)));
  const stride = labelStride(labels.length, area.right - area.left, widest);
  const xTicks: XTick[] = labels.flatMap((label, i) => (i % stride === 0 ? [{ x: xAt(i), label }] : []));
  return (
    <ChartFrame text={options} area={area} yTicks={ticks} xTicks={xTicks} legend={legend}>
      {references.map((r, i) => (
        <line
          class="reference"
          x1={area.left}
          x2={area.right}
          y1={round(y(r.value))}
          y2={round(y(r.value))}
          stroke={refColors[i]}
          stroke-width="2"
          stroke-dasharray="6 4"
        >
          <title>{`${r.name}: ${format(r.value)}`}</title>
        </line>
      ))}
      {series.map((s, j) => (
        <g class={`series series-${j}`}>
          {lineRuns(s.values).map((run) =>
            run.length > 1 ? (
              <path
                class="line"
                d={run.map((p, k) => `${k === 0 ? 'M' : 'L'}${round(xAt(p.index))},${round(y(p.value))}`).join(' ')}
                fill="none"
                stroke={colors[j]}
                stroke-width="2.5"
                stroke-linejoin="round"
              />
            ) : null,
          )}
          {s.values.map((v, i) =>
            v === null || !Number.isFinite(v) ? null : (
              <circle class="point" cx={round(xAt(i))} cy={round(y(v))} r={4} fill={colors[j]} stroke="#fff" stroke-width="1.5">
                <title>{`${labels[i] ?? ''} — ${s.name}: ${format(v)}`}</title>
              </circle>
            ),
          )}
        </g>
      ))}
    </ChartFrame>
  );
}
