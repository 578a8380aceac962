/**
 * Bar charts as server-rendered SVG: `barChart` for labelled categories, `histogramChart` for contiguous
 * numeric bins (a numeric x axis under the bin edges). Every bar carries a <title> with its exact value.
 *
 * @example
 * barChart({ id: 'errors', title: 'Errors by version', description: '…', xLabel: 'version', yLabel: 'errors',
 *   bars: [{ label: 'v1', value: 3 }, { label: 'v2', value: 0 }] })
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
  type XTick,
} from './chart-frame.tsx';
import { formatNumber, linearScale, niceTicks, textWidth, truncate } from './scale.ts';

export interface Bar {
  label: string;
  value: number;
}

export interface BarChartOptions extends ChartText {
  bars: readonly Bar[];
  format?: (value: number) => string;
  color?: string;
  /** Shown instead of the chart when there are no bars. */
  emptyMessage?: string;
}

/** The y ticks of bars: always including zero, so bar heights compare honestly. */
export function barTicks(values: readonly number[]): number[] {
  const finite = values.filter((v) => Number.isFinite(v));
  return niceTicks(Math.min(0, ...finite), Math.max(0, ...finite), 5);
}

/** Tick labels of categories: all of them, or every k-th when even turned labels would collide. */
export function categoryTicks(labels: readonly string[], left: number, right: number, rotate: boolean): XTick[] {
  const band = (right - left) / Math.max(1, labels.length);
  const widest = Math.max(0, ...labels.map((l) => textWidth(truncate(l, MAX_TICK_LABEL), TICK_FONT_SIZE)));
  // A turned label takes about one line height of horizontal room.
  const stride = labelStride(labels.length, right - left, rotate ? TICK_FONT_SIZE + 4 : widest);
  return labels.flatMap((label, i) => (i % stride === 0 ? [{ x: left + band * (i + 0.5), label }] : []));
}

export function barChart(options: BarChartOptions) {
  const { bars } = options;
  if (bars.length === 0) return <EmptyChart text={options} message={options.emptyMessage ?? 'no data in this window'} />;
  const format = options.format ?? formatNumber;
  const ticks = barTicks(bars.map((b) => b.value));
  const area = plotArea({ xLabels: bars.map((b) => b.label), slots: bars.length, yLabels: yTickLabels(ticks, options.tickFormat) });
  const y = linearScale(ticks[0]!, ticks[ticks.length - 1]!, area.bottom, area.top);
  const band = (area.right - area.left) / bars.length;
  const width = Math.max(1, band * 0.8);
  const color = options.color ?? SERIES_COLORS[0];
  return (
    <ChartFrame
      text={options}
      area={area}
      yTicks={ticks}
      xTicks={categoryTicks(
        bars.map((b) => b.label),
        area.left,
        area.right,
        area.rotate,
      )}
    >
      {bars.map((b, i) => {
        const top = y(Math.max(0, b.value));
        const bottom = y(Math.min(0, b.value));
        return (
          <rect
            class="bar"
            x={round(area.left + band * i + (band - width) / 2)}
            y={round(top)}
            width={round(width)}
            height={round(Math.max(0, bottom - top))}
            fill={color}
          >
            <title>{`${b.label}: ${format(b.value)}`}</title>
          </rect>
        );
      })}
    </ChartFrame>
  );
}

export interface HistogramBin {
  lower: number;
  upper: number;
  count: number;
}

export interface HistogramOptions extends ChartText {
  bins: readonly HistogramBin[];
  /** Formats values on the x axis. */
  formatEdge?: (value: number) => string;
  color?: string;
  emptyMessage?: string;
}

export function histogramChart(options: HistogramOptions) {
  const { bins } = options;
  if (bins.length === 0 || bins.every((b) => b.count === 0))
    return <EmptyChart text={options} message={options.emptyMessage ?? 'no data in this window'} />;
  const formatEdge = options.formatEdge ?? formatNumber;
  const lo = bins[0]!.lower;
  const hi = bins[bins.length - 1]!.upper;
  const ticks = barTicks(bins.map((b) => b.count));
  const xValues = niceTicks(lo, hi, 5).filter((v) => v >= lo - 1e-9 && v <= hi + 1e-9);
  const area = plotArea({ xLabels: [], slots: bins.length, yLabels: yTickLabels(ticks, options.tickFormat), rotate: 'never' });
  const y = linearScale(ticks[0]!, ticks[ticks.length - 1]!, area.bottom, area.top);
  const x = linearScale(lo, hi, area.left, area.right);
  const xTicks: XTick[] = xValues.map((v) => ({ x: x(v), label: formatEdge(v) }));
  const color = options.color ?? SERIES_COLORS[0];
  return (
    <ChartFrame text={options} area={area} yTicks={ticks} xTicks={xTicks}>
      {bins.map((b) => {
        const left = x(b.lower);
        const right = x(b.upper);
        return (
          <rect
            class="bar"
            x={round(left + 0.5)}
            y={round(y(b.count))}
            width={round(Math.max(0.5, right - left - 1))}
            height={round(Math.max(0, area.bottom - y(b.count)))}
            fill={color}
          >
            <title>{`${formatEdge(b.lower)} – ${formatEdge(b.upper)}: ${formatNumber(b.count)}`}</title>
          </rect>
        );
      })}
    </ChartFrame>
  );
}
