/**
 * Horizontal bars either side of zero as server-rendered SVG: one row per item (e.g. a feature's contribution
 * to a prediction, or the shift of its mean contribution), the label on the left, the signed value on the
 * right, bars to the right of the zero line for positive values and to the left for negative ones. The sign
 * is in the value's text and the bar's side as well as its colour. Every bar carries a <title> with its exact
 * value.
 *
 * @example
 * divergingBarChart({ id: 'why', title: 'Why', description: '…', xLabel: 'contribution', yLabel: 'feature',
 *   bars: [{ label: 'median_income', detail: '8.3', value: 7900 }, { label: 'latitude', value: -1200 }] })
 */
import { CHART_WIDTH, EmptyChart, SERIES_COLORS, TICK_FONT_SIZE, labelStride, round, yTickLabels, type ChartText } from './chart-frame.tsx';
import { formatFull, linearScale, niceTicks, textWidth, truncate } from './scale.ts';

export interface DivergingBar {
  label: string;
  /** Shown after the label in a lighter colour, e.g. the instance's value of the feature. */
  detail?: string;
  value: number;
  /** Drawn in grey: a bar that stands for several items (e.g. "4 other features"). */
  aggregate?: boolean;
}

export interface DivergingBarChartOptions extends ChartText {
  /** Drawn top to bottom in the order given. */
  bars: readonly DivergingBar[];
  /** The value column and each bar's title (default: `signedNumber`). */
  format?: (value: number) => string;
  emptyMessage?: string;
}

/** Colours: raising (orange) and lowering (blue) stay distinguishable with the common colour-vision deficiencies. */
export const POSITIVE_COLOR = SERIES_COLORS[1];
export const NEGATIVE_COLOR = SERIES_COLORS[0];
export const AGGREGATE_COLOR = SERIES_COLORS[2];

const FONT_SIZE = 14;
const ROW = 26;
const BAR = 16;
const HEADER = 24;
/** Room below the rows for the tick labels and the axis label. */
const FOOTER = 50;
export const MAX_LABEL = 20;
export const MAX_DETAIL = 10;

/** A number with its sign: "+7,900", "−171,983", "+0.0264", "0". */
export function signedNumber(value: number): string {
  const text = formatFull(value);
  return value > 0 && Number.isFinite(value) ? `+${text}` : text;
}

/** The row label as drawn: the label and its detail, each shortened (the bar's title has both in full). */
export function rowLabel(bar: DivergingBar): { label: string; detail: string | undefined } {
  return { label: truncate(bar.label, MAX_LABEL), detail: bar.detail === undefined ? undefined : truncate(bar.detail, MAX_DETAIL) };
}

/** The layout of the rows: the label column, the plot between, the value column; the height grows with the rows. */
export function divergingLayout(bars: readonly DivergingBar[], values: readonly string[]) {
  const labelWidth = Math.max(
    0,
    ...bars.map((b) => {
      const { label, detail } = rowLabel(b);
      return textWidth(detail === undefined ? label : `${label} = ${detail}`, TICK_FONT_SIZE);
    }),
  );
  const valueWidth = Math.max(0, ...values.map((v) => textWidth(v, TICK_FONT_SIZE)));
  const labelRight = Math.round(8 + Math.min(labelWidth, CHART_WIDTH * 0.45));
  const valueRight = CHART_WIDTH - 6;
  const left = labelRight + 10;
  const right = Math.round(valueRight - valueWidth - 12);
  const top = HEADER;
  const bottom = top + bars.length * ROW;
  return { labelRight, valueRight, left, right, top, bottom, height: bottom + FOOTER };
}

export function divergingBarChart(options: DivergingBarChartOptions) {
  const bars = options.bars.filter((b) => Number.isFinite(b.value));
  if (bars.length === 0) return <EmptyChart text={options} message={options.emptyMessage ?? 'nothing to show'} />;
  const format = options.format ?? signedNumber;
  const values = bars.map((b) => format(b.value));
  const layout = divergingLayout(bars, values);
  const { left, right, top, bottom } = layout;
  const ticks = niceTicks(Math.min(0, ...bars.map((b) => b.value)), Math.max(0, ...bars.map((b) => b.value)), 4);
  const tickText = yTickLabels(ticks, options.tickFormat);
  const x = linearScale(ticks[0]!, ticks[ticks.length - 1]!, left, right);
  const zero = round(x(0));
  const stride = labelStride(ticks.length, right - left, Math.max(...tickText.map((t) => textWidth(t, TICK_FONT_SIZE))));
  // When labels must be thinned out, zero keeps its label.
  const zeroIndex = Math.max(0, ticks.indexOf(0));
  const titleId = `${options.id}-title`;
  const descId = `${options.id}-desc`;
  return (
    <svg
      xmlns="http://www.w3.org/2000/svg"
      class="chart chart-diverging"
      viewBox={`0 0 ${CHART_WIDTH} ${layout.height}`}
      role="img"
      aria-labelledby={`${titleId} ${descId}`}
      font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
      font-size={FONT_SIZE}
    >
      <title id={titleId}>{options.title}</title>
      <desc id={descId}>{options.description}</desc>
      <g class="x-axis" aria-hidden="true">
        {ticks.map((t, i) => (
          <g>
            <line x1={round(x(t))} x2={round(x(t))} y1={top} y2={bottom} stroke="#e3e6ea" stroke-width="1" />
            {(i - zeroIndex) % stride === 0 ? (
              <text x={round(x(t))} y={bottom + 18} text-anchor="middle" fill="#4a5058" font-size={TICK_FONT_SIZE}>
                {tickText[i]}
              </text>
            ) : null}
          </g>
        ))}
        <line x1={left} x2={right} y1={bottom} y2={bottom} stroke="#9aa0a8" stroke-width="1" />
        <text class="axis-label" x={round((left + right) / 2)} y={layout.height - 8} text-anchor="middle" fill="#24292f">
          {options.xLabel}
        </text>
        <text class="axis-label" x={layout.labelRight} y={16} text-anchor="end" fill="#24292f" font-size={TICK_FONT_SIZE}>
          {options.yLabel}
        </text>
      </g>
      <g class="plot">
        {bars.map((b, i) => {
          const { label, detail } = rowLabel(b);
          const middle = top + ROW * i + ROW / 2;
          const end = x(b.value);
          const color = b.aggregate ? AGGREGATE_COLOR : b.value >= 0 ? POSITIVE_COLOR : NEGATIVE_COLOR;
          const full = `${b.label}${b.detail === undefined ? '' : ` = ${b.detail}`}`;
          return (
            <g class="row">
              <text
                x={layout.labelRight}
                y={round(middle + 4.5)}
                text-anchor="end"
                fill="#24292f"
                font-size={TICK_FONT_SIZE}
                aria-hidden="true"
              >
                {label}
                {detail === undefined ? null : <tspan fill="#6e7781">{` = ${detail}`}</tspan>}
              </text>
              <rect
                class={`bar ${b.aggregate ? 'aggregate' : b.value >= 0 ? 'positive' : 'negative'}`}
                x={round(Math.min(zero, end))}
                y={round(middle - BAR / 2)}
                width={round(Math.abs(end - zero))}
                height={BAR}
                fill={color}
              >
                <title>{`${full}: ${format(b.value)}`}</title>
              </rect>
              <text
                x={layout.valueRight}
                y={round(middle + 4.5)}
                text-anchor="end"
                fill="#24292f"
                font-size={TICK_FONT_SIZE}
                aria-hidden="true"
              >
                {values[i]}
              </text>
            </g>
          );
        })}
        <line class="zero" x1={zero} x2={zero} y1={top - 4} y2={bottom} stroke="#57606a" stroke-width="1.5" />
      </g>
    </svg>
  );
}
