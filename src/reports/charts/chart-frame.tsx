/**
 * The frame every dashboard chart shares: an accessible SVG (`role="img"` named by its <title> and
 * described by its <desc>), the y axis with grid lines and tick labels, the x tick labels, both axis labels
 * and an optional legend. Charts size themselves through the viewBox, so they scale with their container.
 */
import type { Child } from 'hono/jsx';
import { linearScale, textWidth, tickLabels, truncate } from './scale.ts';

export interface ChartText {
  /** Unique within the page: the ids of the title and description derive from it. */
  id: string;
  title: string;
  /** What the chart shows, for screen readers and as the chart's description. */
  description: string;
  xLabel: string;
  yLabel: string;
  /** Labels of the y-axis ticks, e.g. percentages (default: one notation for all ticks, see `tickLabels`). */
  tickFormat?: (value: number) => string;
}

export function yTickLabels(ticks: readonly number[], tickFormat?: (value: number) => string): string[] {
  return tickFormat ? ticks.map(tickFormat) : tickLabels(ticks);
}

export interface XTick {
  x: number;
  label: string;
}

export interface LegendItem {
  name: string;
  color: string;
  dashed?: boolean;
}

export interface PlotArea {
  left: number;
  right: number;
  top: number;
  bottom: number;
  /** Whether x tick labels are turned 40° to fit. */
  rotate: boolean;
}

/** Colours of chart series (blue and orange stay distinguishable with the common colour-vision deficiencies). */
export const SERIES_COLORS = ['#3b6fd8', '#e8890c', '#8a8f98', '#2f9e8f'] as const;

/**
 * The viewBox is narrow enough that text stays legible when a phone shrinks the chart to ~320 px; the
 * stylesheet caps the rendered width so text does not grow large on a desktop.
 */
export const CHART_WIDTH = 480;
export const CHART_HEIGHT = 280;
const FONT_SIZE = 14;
export const TICK_FONT_SIZE = 13;
/** Tick labels longer than this are shortened with an ellipsis (each bar's own <title> has the full label). */
export const MAX_TICK_LABEL = 14;
const LEGEND_ROW = 22;

export interface AreaOptions {
  /** x tick labels, one per slot (categories) or fewer (numeric axes). */
  xLabels: readonly string[];
  slots: number;
  /** Formatted y tick labels: the widest decides the left margin. */
  yLabels: readonly string[];
  legend?: readonly LegendItem[];
  /** 'never' keeps labels level (the caller thins them out instead). */
  rotate?: 'auto' | 'never';
}

/** Legend entries laid out left to right, wrapping onto more rows when they do not fit. */
export function legendLayout(items: readonly LegendItem[]): { item: LegendItem; x: number; row: number }[] {
  const out: { item: LegendItem; x: number; row: number }[] = [];
  let x = 8;
  let row = 0;
  for (const item of items) {
    const width = 26 + textWidth(item.name, FONT_SIZE) + 14;
    if (x > 8 && x + width > CHART_WIDTH) {
      row++;
      x = 8;
    }
    out.push({ item, x, row });
    x += width;
  }
  return out;
}

/** The plot area: room on the left for the y tick labels, below for the x labels, above for the legend. */
export function plotArea(options: AreaOptions): PlotArea {
  const widestY = Math.max(0, ...options.yLabels.map((l) => textWidth(l, TICK_FONT_SIZE)));
  const left = Math.round(24 + widestY + 8);
  const right = CHART_WIDTH - 12;
  const slot = (right - left) / Math.max(1, options.slots);
  const widestX = Math.max(0, ...options.xLabels.map((l) => textWidth(truncate(l, MAX_TICK_LABEL), TICK_FONT_SIZE)));
  const rotate = (options.rotate ?? 'auto') === 'auto' && widestX > slot - 6;
  const bottomSpace = rotate ? 46 + widestX * 0.64 : 56;
  const legendRows = options.legend?.length ? Math.max(...legendLayout(options.legend).map((l) => l.row)) + 1 : 0;
  return { left, right, top: 16 + legendRows * LEGEND_ROW, bottom: CHART_HEIGHT - bottomSpace, rotate };
}

/** Keeps every k-th of `count` labels so that labels `widest` px wide do not overlap in `width` px. */
export function labelStride(count: number, width: number, widest: number): number {
  if (count <= 1) return 1;
  const fits = Math.max(1, Math.floor(width / Math.max(widest + 8, 1)));
  return Math.max(1, Math.ceil(count / fits));
}

export function ChartFrame(props: {
  text: ChartText;
  area: PlotArea;
  yTicks: readonly number[];
  xTicks: readonly XTick[];
  legend?: readonly LegendItem[];
  children?: Child;
}) {
  const { text, area, yTicks } = props;
  const labels = yTickLabels(yTicks, text.tickFormat);
  const y = linearScale(yTicks[0] ?? 0, yTicks[yTicks.length - 1] ?? 1, area.bottom, area.top);
  const titleId = `${text.id}-title`;
  const descId = `${text.id}-desc`;
  const middle = round((area.top + area.bottom) / 2);
  return (
    <svg
      xmlns="http://www.w3.org/2000/svg"
      class="chart"
      viewBox={`0 0 ${CHART_WIDTH} ${CHART_HEIGHT}`}
      role="img"
      aria-labelledby={`${titleId} ${descId}`}
      font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
      font-size={FONT_SIZE}
    >
      <title id={titleId}>{text.title}</title>
      <desc id={descId}>{text.description}</desc>
      <g class="y-axis" aria-hidden="true">
        {yTicks.map((t, i) => (
          <g>
            <line x1={area.left} x2={area.right} y1={round(y(t))} y2={round(y(t))} stroke="#e3e6ea" stroke-width="1" />
            <text x={area.left - 6} y={round(y(t)) + 4} text-anchor="end" fill="#4a5058" font-size={TICK_FONT_SIZE}>
              {labels[i]}
            </text>
          </g>
        ))}
        <line x1={area.left} x2={area.left} y1={area.top} y2={area.bottom} stroke="#9aa0a8" stroke-width="1" />
        <text class="axis-label" x={14} y={middle} transform={`rotate(-90 14 ${middle})`} text-anchor="middle" fill="#24292f">
          {text.yLabel}
        </text>
      </g>
      <g class="x-axis" aria-hidden="true">
        <line x1={area.left} x2={area.right} y1={area.bottom} y2={area.bottom} stroke="#9aa0a8" stroke-width="1" />
        {props.xTicks.map((t) =>
          area.rotate ? (
            <text
              x={round(t.x)}
              y={area.bottom + 14}
              text-anchor="end"
              transform={`rotate(-40 ${round(t.x)} ${area.bottom + 14})`}
              fill="#4a5058"
              font-size={TICK_FONT_SIZE}
            >
              {truncate(t.label, MAX_TICK_LABEL)}
            </text>
          ) : (
            <text x={round(t.x)} y={area.bottom + 19} text-anchor="middle" fill="#4a5058" font-size={TICK_FONT_SIZE}>
              {truncate(t.label, MAX_TICK_LABEL)}
            </text>
          ),
        )}
        <text class="axis-label" x={round((area.left + area.right) / 2)} y={CHART_HEIGHT - 8} text-anchor="middle" fill="#24292f">
          {text.xLabel}
        </text>
      </g>
      {props.legend && props.legend.length > 0 ? <Legend items={props.legend} /> : null}
      <g class="plot">{props.children}</g>
    </svg>
  );
}

function Legend(props: { items: readonly LegendItem[] }) {
  return (
    <g class="legend">
      {legendLayout(props.items).map(({ item, x, row }) => {
        const y = 14 + row * LEGEND_ROW;
        return (
          <g class="legend-item">
            {item.dashed ? (
              <line x1={x} x2={x + 20} y1={y} y2={y} stroke={item.color} stroke-width="2.5" stroke-dasharray="5 3" />
            ) : (
              <rect x={x} y={y - 6} width={20} height={12} rx={2} fill={item.color} />
            )}
            <text x={x + 26} y={y + 5} fill="#24292f">
              {item.name}
            </text>
          </g>
        );
      })}
    </g>
  );
}

/** Coordinates rounded to 0.1 px keep the markup short. */
export function round(v: number): number {
  return Math.round(v * 10) / 10;
}

/** An SVG saying there is nothing to draw, with the accessible name the chart would have had. */
export function EmptyChart(props: { text: ChartText; message: string }) {
  const titleId = `${props.text.id}-title`;
  const descId = `${props.text.id}-desc`;
  return (
    <svg
      xmlns="http://www.w3.org/2000/svg"
      class="chart chart-empty"
      viewBox={`0 0 ${CHART_WIDTH} 64`}
      role="img"
      aria-labelledby={`${titleId} ${descId}`}
      font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
      font-size={FONT_SIZE}
    >
      <title id={titleId}>{props.text.title}</title>
      <desc id={descId}>{props.message}</desc>
      <rect x={1} y={1} width={CHART_WIDTH - 2} height={62} rx={6} fill="#f6f8fa" stroke="#d0d7de" />
      <text x={CHART_WIDTH / 2} y={37} text-anchor="middle" fill="#57606a">
        {truncate(props.message, 64)}
      </text>
    </svg>
  );
}
