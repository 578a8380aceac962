/**
 * Grouped bars as server-rendered SVG: one group per category, one bar per series (e.g. the training share
 * beside the serving share of each histogram bin), with a legend. A null value draws no bar.
 *
 * @example
 * groupedBarChart({ id: 'age', title: 'age', description: '…', xLabel: 'bin', yLabel: 'share', categories: ['≤ 22', '> 22'],
 *   series: [{ name: 'training', values: [0.4, 0.6] }, { name: 'serving', values: [0.5, 0.5] }] })
 */
import { ChartFrame, EmptyChart, SERIES_COLORS, plotArea, round, yTickLabels, type ChartText } from './chart-frame.tsx';
import { barTicks, categoryTicks } from './bar-chart.tsx';
import { formatNumber, linearScale } from './scale.ts';

export interface Series {
  name: string;
  values: readonly (number | null)[];
  color?: string;
}

export interface GroupedBarChartOptions extends ChartText {
  categories: readonly string[];
  series: readonly Series[];
  format?: (value: number) => string;
  emptyMessage?: string;
}

export function groupedBarChart(options: GroupedBarChartOptions) {
  const { categories, series } = options;
  const values = series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  if (categories.length === 0 || series.length === 0 || values.length === 0) {
    return <EmptyChart text={options} message={options.emptyMessage ?? 'no data in this window'} />;
  }
  const format = options.format ?? formatNumber;
  const colors = series.map((s, i) => s.color ?? SERIES_COLORS[i % SERIES_COLORS.length]!);
  const legend = series.map((s, i) => ({ name: s.name, color: colors[i]! }));
  const ticks = barTicks(values);
  const area = plotArea({ xLabels: categories, slots: categories.length, yLabels: yTickLabels(ticks, options.tickFormat), legend });
  const y = linearScale(ticks[0]!, ticks[ticks.length - 1]!, area.bottom, area.top);
  const band = (area.right - area.left) / categories.length;
  const groupWidth = band * 0.82;
  const barWidth = groupWidth / series.length;
  return (
    <ChartFrame
      text={options}
      area={area}
      yTicks={ticks}
      xTicks={categoryTicks(categories, area.left, area.right, area.rotate)}
      legend={legend}
    >
      {categories.map((category, i) => (
        <g class="group">
          {series.map((s, j) => {
            const v = s.values[i];
            if (v === null || v === undefined || !Number.isFinite(v)) return null;
            const top = y(Math.max(0, v));
            const bottom = y(Math.min(0, v));
            return (
              <rect
                class={`bar series-${j}`}
                x={round(area.left + band * i + (band - groupWidth) / 2 + barWidth * j)}
                y={round(top)}
                width={round(Math.max(0.5, barWidth - 1))}
                height={round(Math.max(0, bottom - top))}
                fill={colors[j]}
              >
                <title>{`${category} — ${s.name}: ${format(v)}`}</title>
              </rect>
            );
          })}
        </g>
      ))}
    </ChartFrame>
  );
}
