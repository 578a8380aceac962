/**
 * Which features moved the predictions (the `attribution` of the drift report and of each shadow): a diverging
 * bar chart of each feature's shift of its mean contribution, for the output that matters, the ten largest and
 * the rest summed, under a one-line caption in plain English.
 */
import type { Attribution } from '../attribution.ts';
import { divergingBarChart, signedNumber, type DivergingBar } from '../charts/diverging-bar-chart.tsx';
import { Empty } from './components.tsx';
import { formatFull, formatNumber, windowWords } from './format.ts';

export type OkAttribution = Extract<Attribution, { status: 'ok' }>;

/** What the attribution compares: a window with the one before (drift), or a shadow with the primary. */
export type AttributionScope = { kind: 'drift'; window: string; version: string } | { kind: 'shadow'; shadow: string; primary: string };

/** Features charted by name; the rest are summed into one bar. */
export const ATTRIBUTION_TOP = 10;

/**
 * The output a chart of contributions shows: the positive label when the outputs have it, else the last output
 * (a regression's only output, 'value'; a binary classifier's second label).
 */
export function chartedOutput(outputs: readonly string[], positiveLabel?: string): number {
  const positive = positiveLabel === undefined ? -1 : outputs.indexOf(positiveLabel);
  return positive >= 0 ? positive : Math.max(0, outputs.length - 1);
}

export interface ChartItem {
  label: string;
  value: number;
  detail?: string;
}

/** The `limit` items of largest |value| first, then the rest summed into one "N other features" bar. */
export function foldBars(items: readonly ChartItem[], limit = ATTRIBUTION_TOP): DivergingBar[] {
  const sorted = [...items].sort((a, b) => Math.abs(b.value) - Math.abs(a.value));
  const top: DivergingBar[] = sorted.slice(0, limit);
  const rest = sorted.slice(limit);
  if (rest.length === 0) return top;
  const label = rest.length === 1 ? '1 other feature' : `${rest.length} other features`;
  return [...top, { label, value: rest.reduce((s, r) => s + r.value, 0), aggregate: true }];
}

/** The thing whose mean moved, in words: "predictions", "predicted probability of “>50K”", … */
export function outputNoun(outputs: readonly string[], space: string, k: number): { noun: string; plural: boolean } {
  const label = outputs[k] ?? '';
  if (outputs.length === 1 && label === 'value') return { noun: 'predictions', plural: true };
  switch (space) {
    case 'probability':
      return { noun: `predicted probability of “${label}”`, plural: false };
    case 'margin':
      return { noun: `margin of “${label}” (before the link)`, plural: false };
    case 'raw':
      return { noun: `raw score of “${label}” (before the trees' transform)`, plural: false };
    default:
      return { noun: `predicted ${label}`, plural: false };
  }
}

/** "1h" → "the previous hour", "7d" → "the previous 7 days". */
export function previousWindowWords(window: string): string {
  return windowWords(window).replace(/^last/, 'the previous');
}

function capitalised(text: string): string {
  return text === '' ? text : `${text[0]!.toUpperCase()}${text.slice(1)}`;
}

/** The features by their shift of output k, largest |shift| first. */
export function shiftsOf(a: OkAttribution, k: number): ChartItem[] {
  return a.features.map((f) => ({ label: f.feature, value: f.shift[k] ?? 0 })).sort((x, y) => Math.abs(y.value) - Math.abs(x.value));
}

/** Shifts this small against the contributions' own size are float noise, not a change. */
function negligible(value: number, a: OkAttribution, k: number): boolean {
  const scale = a.features.reduce((s, f) => s + Math.abs(f.mean_abs.reference[k] ?? 0) + Math.abs(f.mean_abs.current[k] ?? 0), 0);
  return Math.abs(value) <= 1e-9 * Math.max(1, scale);
}

/**
 * One sentence: how the mean output moved and how much of it the largest feature shift explains.
 *
 * @example
 * attributionCaption(a, 0, { kind: 'drift', window: '1h', version: '1' })
 * // "Predictions rose by 8,120 on average since the previous hour; median_income explains +7,900 of it."
 */
export function attributionCaption(a: OkAttribution, k: number, scope: AttributionScope): string {
  const change = a.prediction_shift[k] ?? 0;
  const { noun, plural } = outputNoun(a.outputs, a.space, k);
  const still = negligible(change, a, k);
  const amount = formatFull(Math.abs(change));
  let first: string;
  if (scope.kind === 'drift') {
    const since = previousWindowWords(scope.window);
    first = still
      ? `${capitalised(noun)} did not change on average since ${since}`
      : `${capitalised(noun)} ${change > 0 ? 'rose' : 'fell'} by ${amount} on average since ${since}`;
  } else {
    const be = plural ? 'are' : 'is';
    const theirs = `version ${scope.primary}'s`;
    first = still
      ? `Version ${scope.shadow}'s ${noun} ${be} the same as ${theirs} on average on the same requests`
      : `Version ${scope.shadow}'s ${noun} ${be} ${amount} ${change > 0 ? 'higher' : 'lower'} ` +
        `than ${theirs} on average on the same requests`;
  }
  const top = shiftsOf(a, k)[0];
  let second: string;
  if (!top || negligible(top.value, a, k)) second = "no feature's mean contribution changed";
  else if (still) second = `the largest feature shift is ${top.label} (${signedNumber(top.value)})`;
  else if (Math.sign(top.value) === Math.sign(change))
    second = `${top.label} explains ${signedNumber(top.value)} of ${scope.kind === 'drift' ? 'it' : 'the difference'}`;
  else second = `the largest feature shift, ${top.label} (${signedNumber(top.value)}), goes the other way`;
  return `${first}; ${second}.`;
}

const METHOD_WORDS: Record<string, string> = {
  linear: 'exact linear contributions',
  tree_shap: 'exact TreeSHAP',
  sampling_shapley: 'sampling Shapley estimates',
};

/** "linear → tree_shap" → "exact linear contributions → exact TreeSHAP". */
export function methodWords(method: string): string {
  return method
    .split(' → ')
    .map((m) => METHOD_WORDS[m] ?? m.replaceAll('_', ' '))
    .join(' → ');
}

/** The facts under the chart: method, rows compared, the additive check, skipped rows, hashed (PII) features. */
export function attributionNote(a: OkAttribution, k: number, scope: AttributionScope): string {
  const tidy = (value: number) => (negligible(value, a, k) ? 0 : value);
  const sum = tidy(a.features.reduce((s, f) => s + (f.shift[k] ?? 0), 0));
  const parts = [
    `Method: ${methodWords(a.method)} (${a.space} space)`,
    scope.kind === 'drift'
      ? `${formatNumber(a.rows.reference)} logged instances of the previous window against ${formatNumber(a.rows.current)} of this one`
      : `${formatNumber(a.rows.current)} logged requests both versions answered`,
    `feature shifts ${signedNumber(sum)} + base value shift ${signedNumber(tidy(a.base_shift[k] ?? 0))} ` +
      `= mean change ${signedNumber(tidy(a.prediction_shift[k] ?? 0))}`,
  ];
  if (a.skipped_rows > 0)
    parts.push(
      `${formatNumber(a.skipped_rows)} logged instance${a.skipped_rows === 1 ? '' : 's'} ` +
        `no longer validate${a.skipped_rows === 1 ? 's' : ''} and ${a.skipped_rows === 1 ? 'was' : 'were'} skipped`,
    );
  if (a.hashed_features.length > 0) {
    const one = a.hashed_features.length === 1;
    parts.push(
      `${a.hashed_features.join(', ')} ${one ? 'is' : 'are'} stored hashed (PII), so ${one ? 'it is' : 'they are'} ` +
        `explained as if absent and ${one ? 'its' : 'their'} shift says nothing about ${one ? 'its' : 'their'} real values`,
    );
  }
  return `${parts.join('; ')}.`;
}

const UNAVAILABLE: Record<string, string> = {
  insufficient_data: 'Not enough logged traffic to say which features moved the predictions',
  unavailable: 'Which features moved the predictions cannot be worked out',
};

/** "no logged instances…" → "No logged instances….": report prose as a sentence. */
export function sentence(text: string): string {
  const t = text.trim();
  if (t === '') return '';
  return `${t[0]!.toUpperCase()}${t.slice(1)}${/[.!?]$/.test(t) ? '' : '.'}`;
}

export function AttributionFigure(props: { attribution: Attribution; id: string; scope: AttributionScope; positiveLabel?: string }) {
  const { attribution: a, scope } = props;
  if (a.status !== 'ok') {
    return (
      <div class="attribution" data-attribution={a.status}>
        <Empty>
          {UNAVAILABLE[a.status] ?? 'No attribution'}: {sentence(a.reason)}
        </Empty>
      </div>
    );
  }
  const k = chartedOutput(a.outputs, props.positiveLabel);
  const { noun } = outputNoun(a.outputs, a.space, k);
  const bars = foldBars(shiftsOf(a, k));
  const caption = attributionCaption(a, k, scope);
  const compared =
    scope.kind === 'drift'
      ? 'this window against the previous one'
      : `version ${scope.shadow} against version ${scope.primary} on the same requests`;
  const listed = bars.map((b) => `${b.label} ${signedNumber(b.value)}`).join('; ');
  return (
    <div class="attribution" data-attribution="ok" data-output={a.outputs[k]}>
      <figure>
        <figcaption class="lead">{caption}</figcaption>
        {divergingBarChart({
          id: props.id,
          title:
            scope.kind === 'drift'
              ? `What moved the predictions of version ${scope.version}`
              : `What makes version ${scope.shadow} predict differently from version ${scope.primary}`,
          description: `Change of each feature's mean contribution to the ${noun}, ${compared}, largest first: ${listed}.`,
          xLabel:
            scope.kind === 'drift'
              ? 'Δ mean contribution (this window − previous)'
              : `Δ mean contribution (v${scope.shadow} − v${scope.primary})`,
          yLabel: 'feature',
          bars,
        })}
        <p class="note">{attributionNote(a, k, scope)}</p>
      </figure>
    </div>
  );
}
