/**
 * Axis arithmetic for the dashboard's SVG charts: nice tick values, linear scales and short number labels.
 * Pure functions of their arguments.
 */

/** Maps `value` from [d0, d1] to [r0, r1]; a zero-width domain maps everything to the middle of the range. */
export function linearScale(d0: number, d1: number, r0: number, r1: number): (value: number) => number {
  if (d1 === d0) return () => (r0 + r1) / 2;
  const k = (r1 - r0) / (d1 - d0);
  return (value) => r0 + (value - d0) * k;
}

/** The 1-2-5 step (times a power of ten) that covers `span` in about `count` steps. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const unit = raw / power;
  // The tolerance keeps float noise (0.91 - 0.9 = 0.010000000000000009) from choosing the next step up.
  const nice = unit <= 1 + 1e-9 ? 1 : unit <= 2 + 1e-9 ? 2 : unit <= 5 + 1e-9 ? 5 : 10;
  return nice * power;
}

/**
 * Round tick values that enclose [min, max]: the first tick is <= min, the last >= max, steps of 1, 2 or 5
 * times a power of ten. A zero-width interval around v gets ticks around v.
 *
 * @example niceTicks(0, 87, 5) // [0, 20, 40, 60, 80, 100]
 */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (max < min) [min, max] = [max, min];
  if (max === min) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  const step = niceStep(max - min, count);
  const first = Math.floor(min / step + 1e-9) * step;
  const last = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  // Rounding to the step's precision keeps 0.30000000000000004 out of the labels.
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  for (let v = first, i = 0; v <= last + step / 2 && i < 100; v += step, i++) ticks.push(Number(v.toFixed(digits)));
  return ticks;
}

/**
 * A short label for a number: thousands separators for large integers, k/M suffixes from 100,000, three
 * significant digits for fractions.
 *
 * @example formatNumber(41025.6) // "41,026"; formatNumber(0.068428) // "0.0684"; formatNumber(2.5e6) // "2.5M"
 */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞';
  const abs = Math.abs(value);
  const sign = value < 0 ? '−' : '';
  if (abs === 0) return '0';
  if (abs >= 1e9) return `${sign}${trim((abs / 1e9).toPrecision(3))}B`;
  if (abs >= 1e6) return `${sign}${trim((abs / 1e6).toPrecision(3))}M`;
  if (abs >= 1e5) return `${sign}${trim((abs / 1e3).toPrecision(3))}k`;
  if (abs >= 100) return `${sign}${groupThousands(Math.round(abs))}`;
  if (abs >= 1e-3) return `${sign}${trim(abs.toPrecision(3))}`;
  return `${sign}${abs.toExponential(1)}`;
}

function trim(s: string): string {
  return s.includes('.') && !s.includes('e') ? s.replace(/\.?0+$/, '') : s;
}

function groupThousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * A number for reading beside others rather than on an axis: whole numbers with thousands separators from 100
 * up to a billion (no k/M suffix, so "+171,983" and "+70,323" compare at a glance), else as `formatNumber`.
 *
 * @example formatFull(171983.4) // "171,983"; formatFull(-0.02641) // "−0.0264"
 */
export function formatFull(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return formatNumber(value);
  const abs = Math.abs(value);
  if (abs < 100 || abs >= 1e9) return formatNumber(value);
  return `${value < 0 ? '−' : ''}${groupThousands(Math.round(abs))}`;
}

/**
 * Labels for a set of axis ticks in one notation, so an axis never mixes "50,000" with "150k": k or M for
 * large values, otherwise as many decimals as the step between ticks needs.
 *
 * @example tickLabels([0, 50000, 100000, 150000]) // ["0", "50k", "100k", "150k"]
 */
export function tickLabels(ticks: readonly number[]): string[] {
  const max = Math.max(0, ...ticks.map((t) => Math.abs(t)));
  const step = ticks.length > 1 ? Math.abs(ticks[1]! - ticks[0]!) : max || 1;
  const [unit, suffix] = max >= 1e9 ? [1e9, 'B'] : max >= 1e6 ? [1e6, 'M'] : max >= 1e5 ? [1e3, 'k'] : [1, ''];
  const digits = Math.min(10, Math.max(0, -Math.floor(Math.log10(step / unit) + 1e-9)));
  return ticks.map((t) => {
    if (t === 0) return '0';
    const text = (Math.abs(t) / unit).toFixed(digits);
    const grouped = unit === 1 && digits === 0 ? groupThousands(Number(text)) : text;
    return `${t < 0 ? '−' : ''}${grouped}${suffix}`;
  });
}

/** A share in [0, 1] as a percentage: 0.9356 → "93.6%". */
export function formatPercent(share: number | null | undefined, digits = 1): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return '–';
  const pct = share * 100;
  if (pct !== 0 && Math.abs(pct) < 10 ** -digits) return `${pct < 0 ? '−' : ''}<${(10 ** -digits).toFixed(digits)}%`;
  return `${pct.toFixed(digits).replace(/^-/, '−')}%`;
}

/** Shortens `text` to `max` characters with an ellipsis. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}…`;
}

/** Approximate rendered width of `text` in a sans-serif font of `fontSize` px (for layout decisions only). */
export function textWidth(text: string, fontSize: number): number {
  return text.length * fontSize * 0.6;
}
