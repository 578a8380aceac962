import { describe, expect, it } from 'vitest';
import { ExplainFormSchema, parseInstanceJson } from '../../../src/api/dashboard-schemas.ts';
import type { Explanation, ExplainerInfo } from '../../../src/explain/index.ts';
import type { Manifest } from '../../../src/model/manifest.ts';
import { renderPage } from '../../../src/reports/views/layout.tsx';
import {
  contributionRows,
  explainableVersions,
  ExplainPage,
  explainedOutput,
  instanceValue,
  methodSentence,
  preciseNumber,
  spaceSentence,
  sumCheck,
  transformSentence,
  valueText,
  type ExplainFormProps,
} from '../../../src/reports/views/explain-view.tsx';
import type { ExplainResult } from '../../../src/serving/prediction-service.ts';

const linearInfo: ExplainerInfo = {
  method: 'linear',
  space: 'margin',
  outputs: ['value'],
  transform: 'none',
  reference: 'training statistics',
  background_rows: 0,
};

const explanation: Explanation = {
  method: 'linear',
  space: 'margin',
  outputs: ['value'],
  prediction: [410354.2],
  base_value: [207295.1],
  contributions: { longitude: [70322.6], median_income: [171983.1], ocean_proximity: [-39246.6] },
};

const form: ExplainFormProps = {
  model: 'california-housing',
  versions: ['2', '1'],
  primary: '1',
  selected: '1',
  instanceText: '{"median_income": 8.3252}',
};

function result(overrides: Partial<ExplainResult> = {}): ExplainResult {
  return {
    model: 'california-housing',
    version: '1',
    requestId: 'req-1',
    manifest: { task: 'regression', output: {} } as unknown as Manifest,
    info: linearInfo,
    predictions: [{ value: 410355 }],
    explanations: [explanation],
    ...overrides,
  };
}

describe('the explained output of one instance', () => {
  it('is the positive label, else the predicted label, else the last output', () => {
    expect(explainedOutput(['<=50K', '>50K'], '>50K', '<=50K')).toBe(1);
    expect(explainedOutput(['a', 'b', 'c'], undefined, 'b')).toBe(1);
    expect(explainedOutput(['a', 'b', 'c'])).toBe(2);
    expect(explainedOutput(['value'])).toBe(0);
  });
});

describe('the versions offered', () => {
  it('are those that passed QA, newest first', () => {
    const versions = [
      { version: '2', status: 'qa_passed' },
      { version: '10', status: 'qa_passed' },
      { version: '3', status: 'qa_failed' },
      { version: '1', status: 'qa_passed' },
    ] as const;
    expect(explainableVersions(versions)).toEqual(['10', '2', '1']);
  });
});

describe('contribution rows', () => {
  it('pairs each contribution with the instance value, largest |contribution| first', () => {
    const rows = contributionRows(explanation, 0, { median_income: 8.3252, longitude: -122.23 });
    expect(rows.map((r) => [r.feature, r.value, r.contribution])).toEqual([
      ['median_income', 8.3252, 171983.1],
      ['longitude', -122.23, 70322.6],
      ['ocean_proximity', undefined, -39246.6],
    ]);
  });

  it('reads an instance given as an array in manifest order, and carries standard errors of sampling', () => {
    const sampled: Explanation = { ...explanation, error: { longitude: [12], median_income: [34], ocean_proximity: [5] } };
    const rows = contributionRows(sampled, 0, [-122.23, 8.3252, 'NEAR BAY']);
    expect(rows.find((r) => r.feature === 'ocean_proximity')).toEqual({
      feature: 'ocean_proximity',
      value: 'NEAR BAY',
      contribution: -39246.6,
      standardError: 5,
    });
    expect(instanceValue(42, 'x', 0)).toBeUndefined();
  });

  it('writes values short beside the feature name', () => {
    expect(valueText(8.3252)).toBe('8.33');
    expect(valueText('NEAR BAY')).toBe('NEAR BAY');
    expect(valueText(null)).toBe('null');
    expect(valueText(undefined)).toBe('absent');
    expect(valueText(true)).toBe('true');
  });
});

describe('the sum check', () => {
  it('passes when base value + Σ contributions is the explained output, and says by how much it is off otherwise', () => {
    expect(sumCheck(207295.1, [70322.6, 171983.1, -39246.6], 410354.2)).toMatchObject({ ok: true, sum: expect.closeTo(203059.1, 6) });
    const off = sumCheck(1, [2, 3], 6.5);
    expect(off.ok).toBe(false);
    expect(off.difference).toBeCloseTo(0.5, 12);
  });
});

describe('numbers and words', () => {
  it('writes precise numbers with separators and a true minus sign', () => {
    expect(preciseNumber(206855.34)).toBe('206,855');
    expect(preciseNumber(-2.11480123)).toBe('−2.1148');
    expect(preciseNumber(0.0266123, 3)).toBe('0.0266');
    expect(preciseNumber(3.1e-9)).toBe('3.1e-9');
  });

  it('says how each method, space and transform works', () => {
    expect(methodSentence(linearInfo)).toMatch(/^Exact linear contributions/);
    expect(methodSentence({ ...linearInfo, method: 'tree_shap', cover: 'graph' })).toContain("node cover from the graph's own hit counts");
    const sampling = methodSentence(
      { ...linearInfo, method: 'sampling_shapley', fallback_reason: 'Softplus is not linear' },
      { ...explanation, budget: { permutations: 64, evaluations: 5000, background_rows: 100, stopped_by: 'time' } },
    );
    expect(sampling).toContain('64 permutations, 5,000 model runs, stopped by the time budget');
    expect(sampling).toContain('No exact method applies: Softplus is not linear.');
    expect(spaceSentence(linearInfo, true)).toContain("the predicted value's own units (no link follows)");
    expect(spaceSentence({ ...linearInfo, transform: 'Sigmoid → Sub → Concat' }, false)).toBe(
      "Margin: the linear model's scores before the link function.",
    );
    expect(transformSentence({ ...linearInfo, transform: 'NONE' })).toBe('None: the explained output is the served output.');
    expect(transformSentence({ ...linearInfo, transform: 'LOGISTIC' })).toBe('LOGISTIC turns the explained output into the served output.');
  });
});

describe('the explain form', () => {
  it('parses the instance as JSON, or says why not', () => {
    expect(parseInstanceJson('{"age": 39}')).toEqual({ ok: true, instance: { age: 39 } });
    const bad = parseInstanceJson('{"age": ');
    expect(bad.ok).toBe(false);
    expect(bad.ok ? '' : bad.message).toMatch(/^not valid JSON: /);
  });

  it('needs an instance and takes a version number', () => {
    expect(ExplainFormSchema.safeParse({ instance: '{}', version: '2' }).success).toBe(true);
    const empty = ExplainFormSchema.safeParse({ instance: '  ' });
    expect(empty.success ? [] : empty.error.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['instance', 'paste an instance: a JSON object of feature values'],
    ]);
    const version = ExplainFormSchema.safeParse({ instance: '{}', version: 'latest' });
    expect(version.success ? [] : version.error.issues.map((i) => i.path.join('.'))).toEqual(['version']);
  });
});

describe('ExplainPage', () => {
  it('shows the prediction, the words, the sum check, a bar per feature with its value, and the form again', () => {
    const html = renderPage(
      ExplainPage({
        form,
        outcome: { ok: true, result: result(), instance: { median_income: 8.3252, longitude: -122.23, ocean_proximity: 'NEAR BAY' } },
        signedIn: true,
      }),
    );
    expect(html).toContain('Version 1 predicts 410,355');
    expect(html).toContain('data-sum-check="ok"');
    expect(html).toContain('base value 207,295 + Σ contributions +203,059 = 410,354; explained 410,354');
    expect(html).toContain('<title>median_income = 8.33: +171,983</title>');
    expect(html).toContain('<title>ocean_proximity = NEAR BAY: −39,247</title>');
    expect(html).toContain(
      '<tr data-feature="median_income"><th scope="row">median_income</th><td>8.3252</td><td class="num">+171,983</td></tr>',
    );
    expect(html).toContain('None: the explained output is the served output.');
    expect(html).toMatch(/<option value="1" selected="">v1 \(primary\)<\/option>/);
    expect(html).toContain('{&quot;median_income&quot;: 8.3252}</textarea>');
    expect(html).not.toContain('<script');
  });

  it('shows a classification as the label and the probability of the positive label', () => {
    const classifier = result({
      manifest: { task: 'binary_classification', output: { positive_label: '>50K' } } as unknown as Manifest,
      info: { ...linearInfo, outputs: ['<=50K', '>50K'], transform: 'Sigmoid → Sub → Concat' },
      predictions: [{ label: '<=50K', probabilities: { '<=50K': 0.9734, '>50K': 0.0266 } }],
      explanations: [
        {
          ...explanation,
          outputs: ['<=50K', '>50K'],
          prediction: [3.6, -3.6],
          base_value: [2.1, -2.1],
          contributions: { age: [1.5, -1.5] },
        },
      ],
    });
    const html = renderPage(ExplainPage({ form, outcome: { ok: true, result: classifier, instance: { age: 38 } }, signedIn: true }));
    expect(html).toContain('Version 1 predicts “&lt;=50K” (probability of “&gt;50K” 0.0266)');
    expect(html).toContain('<title>age = 38: −1.5</title>');
    expect(html).toContain('data-sum-check="ok"');
  });

  it('lists the problems by field, escaped, when the instance was refused', () => {
    const outcome = {
      ok: false,
      heading: 'This instance is not valid for the model',
      message: 'Fix these fields and explain again:',
      problems: [{ field: 'median_income', message: 'must be a number, got "<b>lots</b>"' }],
    } as const;
    const html = renderPage(ExplainPage({ form, outcome, signedIn: false }));
    expect(html).toContain('role="alert"');
    expect(html).toContain(
      '<li data-field="median_income"><code>median_income</code>: must be a number, got &quot;&lt;b&gt;lots&lt;/b&gt;&quot;</li>',
    );
    expect(html).not.toContain('data-sum-check');
  });
});
