/**
 * Explaining one instance from the dashboard: the form on the model page (an instance as JSON and the version
 * to explain) and the page that answers it — the served prediction, how it is explained in words, the base
 * value, a bar chart of each feature's contribution beside the instance's value, and the check that the
 * contributions add up to the explained output.
 */
import type { ExplainerInfo, Explanation } from '../../explain/index.ts';
import type { Prediction } from '../../model/decode.ts';
import type { VersionSummary } from '../../registry/version-repository.ts';
import type { ExplainResult } from '../../serving/prediction-service.ts';
import { divergingBarChart, signedNumber } from '../charts/diverging-bar-chart.tsx';
import { foldBars, methodWords } from './attribution-view.tsx';
import { Badge, Stat, Table } from './components.tsx';
import { formatNumber } from './format.ts';
import { Layout } from './layout.tsx';

/** Features charted by name for one instance; the table below the chart lists every one. */
export const EXPLAIN_TOP = 20;

export interface ExplainFormProps {
  model: string;
  /** Versions that passed QA, newest first. */
  versions: readonly string[];
  primary: string | undefined;
  /** The version selected in the form (the primary unless the visitor chose another). */
  selected: string | undefined;
  /** The textarea's content: the instance posted, or an example. */
  instanceText: string;
}

/** The versions a prediction can be explained with: those that passed QA, newest first. */
export function explainableVersions(versions: readonly Pick<VersionSummary, 'version' | 'status'>[]): string[] {
  return versions
    .filter((v) => v.status === 'qa_passed')
    .map((v) => v.version)
    .sort((a, b) => Number(b) - Number(a));
}

export function ExplainForm(props: ExplainFormProps) {
  const lines = props.instanceText.split('\n').length;
  return (
    <form method="post" action={`/models/${encodeURIComponent(props.model)}/explain`} class="explain-form">
      <label for="explain-instance">Instance (JSON object of feature values)</label>
      <textarea
        id="explain-instance"
        name="instance"
        rows={Math.min(18, Math.max(6, lines + 1))}
        spellcheck={false}
        autocomplete="off"
        required
        aria-describedby="explain-help"
      >
        {props.instanceText}
      </textarea>
      <p class="note" id="explain-help">
        One instance, as in the <code>instances</code> of <code>POST /v1/models/{props.model}/predict</code>. Explaining logs nothing and
        mirrors nothing to shadows.
      </p>
      <label for="explain-version">Version</label>
      <select id="explain-version" name="version">
        {props.versions.map((v) => (
          <option value={v} selected={v === props.selected ? true : undefined}>
            v{v}
            {v === props.primary ? ' (primary)' : ''}
          </option>
        ))}
      </select>
      <button class="button" type="submit">
        Explain
      </button>
    </form>
  );
}

/** The model page's section: the form, filled with an example instance. */
export function ExplainSection(props: ExplainFormProps) {
  return (
    <section class="card" id="explain" aria-labelledby="explain-title">
      <h2 id="explain-title">Explain a prediction</h2>
      <p class="note">
        Which features push one prediction up or down: each feature's contribution, from the base value (the expected output) to this
        instance's output. The example is the package's first golden instance; paste any other.
      </p>
      {props.versions.length ? (
        <ExplainForm {...props} />
      ) : (
        <p class="empty">No version of this model passed QA, so none can be explained.</p>
      )}
    </section>
  );
}

/**
 * The output an instance's contributions are shown for: the positive label when the outputs have it, else the
 * predicted label, else the last output (a regression's 'value').
 */
export function explainedOutput(outputs: readonly string[], positiveLabel?: string, predictedLabel?: string): number {
  for (const label of [positiveLabel, predictedLabel]) {
    const k = label === undefined ? -1 : outputs.indexOf(label);
    if (k >= 0) return k;
  }
  return Math.max(0, outputs.length - 1);
}

/** A number with up to `digits` significant digits and thousands separators: 206855.3 → "206,855", −0.25 → "−0.25". */
export function preciseNumber(value: number, digits = 6): string {
  if (!Number.isFinite(value)) return formatNumber(value);
  if (value !== 0 && Math.abs(value) < 1e-4)
    return value
      .toExponential(digits - 1)
      .replace(/\.?0+e/, 'e')
      .replace(/^-/, '−');
  return Number(value.toPrecision(digits)).toLocaleString('en-US', { maximumFractionDigits: 12 }).replace(/^-/, '−');
}

/** An instance's value of a feature, by name (an object) or position (an array in manifest order). */
export function instanceValue(instance: unknown, feature: string, index: number): unknown {
  if (Array.isArray(instance)) return instance[index];
  if (typeof instance === 'object' && instance !== null) return (instance as Record<string, unknown>)[feature];
  return undefined;
}

/** A feature value as shown beside its name: numbers short, strings as given, null and absence in words. */
export function valueText(value: unknown): string {
  if (value === undefined) return 'absent';
  if (value === null) return 'null';
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

export interface ContributionRow {
  feature: string;
  value: unknown;
  contribution: number;
  /** Sampling only. */
  standardError?: number;
}

/** Each feature's contribution to output k with the instance's value, largest |contribution| first. */
export function contributionRows(explanation: Explanation, k: number, instance: unknown): ContributionRow[] {
  return Object.entries(explanation.contributions)
    .map(([feature, values], index) => {
      const standardError = explanation.error?.[feature]?.[k];
      return {
        feature,
        value: instanceValue(instance, feature, index),
        contribution: values[k] ?? 0,
        ...(standardError === undefined ? {} : { standardError }),
      };
    })
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
}

export interface SumCheck {
  base: number;
  sum: number;
  explained: number;
  /** explained − (base + Σ). */
  difference: number;
  ok: boolean;
}

/** Whether base value + Σ contributions gives the explained output (to 1e-6 of the larger of them). */
export function sumCheck(base: number, contributions: readonly number[], explained: number): SumCheck {
  const sum = contributions.reduce((s, c) => s + c, 0);
  const difference = explained - (base + sum);
  const ok = Math.abs(difference) <= 1e-6 * Math.max(1, Math.abs(explained), Math.abs(base));
  return { base, sum, explained, difference, ok };
}

function identity(transform: string): boolean {
  return transform.trim() === '' || transform.toLowerCase() === 'none';
}

/** How the contributions were computed, in words. */
export function methodSentence(info: ExplainerInfo, explanation?: Explanation): string {
  switch (info.method) {
    case 'linear':
      return "Exact linear contributions: each encoded column's weight × (its value − its expected value), summed per original feature.";
    case 'tree_shap':
      return (
        'Exact TreeSHAP (path-dependent) over the tree ensemble' +
        `${info.cover ? `, with node cover from ${info.cover === 'graph' ? "the graph's own hit counts" : 'background rows'}` : ''}.`
      );
    case 'sampling_shapley': {
      const b = explanation?.budget;
      const budget = b
        ? ` (${formatNumber(b.permutations)} permutations, ` +
          `${formatNumber(b.evaluations)} model runs${b.stopped_by === 'time' ? ', stopped by the time budget' : ''})`
        : '';
      const fallback = info.fallback_reason ? ` No exact method applies: ${info.fallback_reason}.` : '';
      return (
        `Sampling Shapley estimate${budget}: the average change of the output as each feature joins random ` +
        `orderings of the features; each contribution has a standard error.${fallback}`
      );
    }
  }
}

/** What the contributions are in. */
export function spaceSentence(info: ExplainerInfo, regression: boolean): string {
  const served = regression ? "the predicted value's own units" : 'the served probability';
  switch (info.space) {
    case 'margin':
      return identity(info.transform)
        ? `Margin: the linear model's scores, which are ${served} (no link follows).`
        : "Margin: the linear model's scores before the link function.";
    case 'raw':
      return identity(info.transform)
        ? `Raw: the tree ensemble's summed leaf values, which are ${served} (no transform follows).`
        : "Raw: the tree ensemble's summed leaf values before its post-transform.";
    case 'probability':
      return 'Probability: the served probability itself.';
    case 'value':
      return "Value: the served prediction's own units.";
  }
}

/** What turns the explained output into the served one. */
export function transformSentence(info: ExplainerInfo): string {
  if (identity(info.transform)) return 'None: the explained output is the served output.';
  if (info.transform === 'served output') return 'None: sampling explains the served output directly.';
  return `${info.transform} turns the explained output into the served output.`;
}

/** What the base value is the expectation over. */
export function referenceSentence(info: ExplainerInfo): string {
  switch (info.reference) {
    case 'training statistics':
      return (
        "The expected output over the training data, from the package's training statistics" +
        `${info.background_rows ? ` (${formatNumber(info.background_rows)} rows drawn from them)` : ''}.`
      );
    case 'background rows':
      return `The expected output over ${formatNumber(info.background_rows)} background rows.`;
    case 'graph':
      return "The expected output under the tree ensemble's own training hit rates (the cover stored in the graph).";
  }
}

/** The served prediction in words: "206,855", or "“>50K” (probability of “>50K” 0.731)". */
export function predictionWords(prediction: Prediction | undefined, output: string): string {
  if (!prediction) return '–';
  if ('value' in prediction) return preciseNumber(prediction.value);
  const p = prediction.probabilities[output];
  return `“${prediction.label}”${p === undefined ? '' : ` (probability of “${output}” ${preciseNumber(p, 3)})`}`;
}

export type ExplainOutcome =
  | { ok: true; result: ExplainResult; instance: unknown }
  | { ok: false; heading: string; message: string; problems: readonly { field: string; message: string }[] };

export function ExplainPage(props: { form: ExplainFormProps; outcome: ExplainOutcome; signedIn: boolean }) {
  const { form, outcome } = props;
  return (
    <Layout
      title={`Explain · ${form.model}`}
      crumbs={[
        { label: 'Models', href: '/' },
        { label: form.model, href: `/models/${encodeURIComponent(form.model)}` },
        { label: 'Explain' },
      ]}
      signedIn={props.signedIn}
    >
      <section class="card" id="explanation" aria-labelledby="explanation-title">
        {outcome.ok ? <ExplanationView result={outcome.result} instance={outcome.instance} /> : <ExplainProblems outcome={outcome} />}
      </section>
      <section class="card" id="explain" aria-labelledby="explain-title">
        <h2 id="explain-title">{outcome.ok ? 'Explain another instance' : 'Try again'}</h2>
        <ExplainForm {...form} />
      </section>
    </Layout>
  );
}

function ExplainProblems(props: { outcome: Extract<ExplainOutcome, { ok: false }> }) {
  const { outcome } = props;
  return (
    <>
      <h1 id="explanation-title">{outcome.heading}</h1>
      <div class="alert" role="alert" id="explain-error">
        <p>{outcome.message}</p>
        {outcome.problems.length ? (
          <ul>
            {outcome.problems.map((p) => (
              <li data-field={p.field}>
                <code>{p.field}</code>: {p.message}
              </li>
            ))}
          </ul>
        ) : null}
      </div>
    </>
  );
}

function ExplanationView(props: { result: ExplainResult; instance: unknown }) {
  const { result } = props;
  const { info, manifest } = result;
  const explanation = result.explanations[0]!;
  const prediction = result.predictions[0];
  const regression = manifest.task === 'regression';
  const k = explainedOutput(
    info.outputs,
    manifest.output.positive_label,
    prediction && 'label' in prediction ? prediction.label : undefined,
  );
  const output = info.outputs[k] ?? '';
  const rows = contributionRows(explanation, k, props.instance);
  const check = sumCheck(
    explanation.base_value[k] ?? 0,
    rows.map((r) => r.contribution),
    explanation.prediction[k] ?? 0,
  );
  const sampled = rows.some((r) => r.standardError !== undefined);
  const of = regression ? '' : ` of “${output}”`;
  const bars = foldBars(
    rows.map((r) => ({ label: r.feature, detail: valueText(r.value), value: r.contribution })),
    EXPLAIN_TOP,
  );
  return (
    <>
      <h1 id="explanation-title">
        Version {result.version} predicts {predictionWords(prediction, output)}
      </h1>
      <p class="lede">
        {result.model} · {methodWords(info.method)}{' '}
        {identity(info.transform) ? "in the served output's units" : `in the ${info.space} space`}
        {of} · request <code>{result.requestId}</code>
      </p>
      <div class="stats">
        {prediction && 'label' in prediction ? (
          <Stat
            label="served prediction"
            value={`“${prediction.label}”`}
            sub={
              prediction.probabilities[output] === undefined
                ? undefined
                : `P(“${output}”) ${preciseNumber(prediction.probabilities[output], 3)}`
            }
          />
        ) : (
          <Stat label="served prediction" value={predictionWords(prediction, output)} />
        )}
        <Stat
          label={`explained (${info.space})`}
          value={preciseNumber(check.explained)}
          sub={regression ? undefined : `output “${output}”`}
        />
        <Stat label="base value" value={preciseNumber(check.base)} sub="the expected output" />
        <Stat label="Σ contributions" value={signedPrecise(check.sum)} sub={`${rows.length} features`} />
      </div>
      <dl class="kv">
        <dt>Method</dt>
        <dd>{methodSentence(info, explanation)}</dd>
        <dt>Space</dt>
        <dd>{spaceSentence(info, regression)}</dd>
        <dt>Transform</dt>
        <dd>{transformSentence(info)}</dd>
        <dt>Base value</dt>
        <dd>{referenceSentence(info)}</dd>
      </dl>
      <p class="sum-check" data-sum-check={check.ok ? 'ok' : 'off'}>
        <strong>Sum check:</strong> base value {preciseNumber(check.base)} + Σ contributions {signedPrecise(check.sum)} ={' '}
        {preciseNumber(check.base + check.sum)}; explained {preciseNumber(check.explained)}{' '}
        {check.ok ? <Badge tone="pass">adds up</Badge> : <Badge tone="fail">{`off by ${preciseNumber(check.difference, 3)}`}</Badge>}
      </p>
      <figure>
        <figcaption class="lead">
          Each feature's contribution{of}, from the base value {preciseNumber(check.base)} to {preciseNumber(check.explained)}; the
          instance's value beside each name.
        </figcaption>
        {divergingBarChart({
          id: 'explain-contributions',
          title: `Contributions to version ${result.version}'s prediction${of}`,
          description:
            `Contribution of each feature to the explained output (${info.space} space), largest first: ` +
            `${bars.map((b) => `${b.label}${b.detail === undefined ? '' : ` = ${b.detail}`} ${signedNumber(b.value)}`).join('; ')}.`,
          xLabel: `contribution (${info.space}${of})`,
          yLabel: 'feature = value',
          bars,
        })}
      </figure>
      <Table caption={`Every feature's contribution${of}, largest first${sampled ? ', with the standard error of each estimate' : ''}`}>
        <thead>
          <tr>
            <th scope="col">feature</th>
            <th scope="col">value</th>
            <th scope="col" class="num">
              contribution
            </th>
            {sampled ? (
              <th scope="col" class="num">
                ± standard error
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr data-feature={r.feature}>
              <th scope="row">{r.feature}</th>
              <td>{r.value === undefined ? <span class="muted">absent</span> : JSON.stringify(r.value)}</td>
              <td class="num">{signedPrecise(r.contribution)}</td>
              {sampled ? <td class="num">{r.standardError === undefined ? '–' : preciseNumber(r.standardError, 3)}</td> : null}
            </tr>
          ))}
        </tbody>
      </Table>
    </>
  );
}

function signedPrecise(value: number): string {
  const text = preciseNumber(value);
  return value > 0 ? `+${text}` : text;
}
