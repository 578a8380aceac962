import { describe, expect, it } from 'vitest';
import { barChart, histogramChart } from '../../../src/reports/charts/bar-chart.tsx';
import { CHART_HEIGHT, CHART_WIDTH, legendLayout, plotArea } from '../../../src/reports/charts/chart-frame.tsx';
import { groupedBarChart } from '../../../src/reports/charts/grouped-bar-chart.tsx';
import { lineChart, lineRuns } from '../../../src/reports/charts/line-chart.tsx';

const text = { id: 'c', title: 'A chart', description: 'What it shows', xLabel: 'the x axis', yLabel: 'the y axis' };

/** Charts are hono/jsx nodes; their string form is the markup the dashboard serves. */
function render(node: unknown): string {
  const html = String(node);
  expect(html.startsWith('<svg')).toBe(true);
  return html;
}

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
  cls: string;
  title: string;
}

function rects(svg: string): Rect[] {
  return [
    ...svg.matchAll(
      /<rect class="([^"]*bar[^"]*)" x="([^"]+)" y="([^"]+)" width="([^"]+)" height="([^"]+)"[^>]*><title>([^<]*)<\/title><\/rect>/g,
    ),
  ].map((m) => ({
    cls: m[1]!,
    x: Number(m[2]),
    y: Number(m[3]),
    width: Number(m[4]),
    height: Number(m[5]),
    title: decode(m[6]!),
  }));
}

function decode(html: string): string {
  return html.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&amp;', '&');
}

function circles(svg: string): { cx: number; cy: number; title: string }[] {
  return [...svg.matchAll(/<circle class="point" cx="([^"]+)" cy="([^"]+)"[^>]*><title>([^<]*)<\/title><\/circle>/g)].map((m) => ({
    cx: Number(m[1]),
    cy: Number(m[2]),
    title: decode(m[3]!),
  }));
}

function expectAccessible(svg: string, id: string): void {
  expect(svg).toContain('role="img"');
  expect(svg).toContain(`aria-labelledby="${id}-title ${id}-desc"`);
  expect(svg).toMatch(new RegExp(`<title id="${id}-title">[^<]+</title>`));
  expect(svg).toMatch(new RegExp(`<desc id="${id}-desc">[^<]+</desc>`));
  expect(svg).toContain(`viewBox="0 0 ${CHART_WIDTH} `);
}

describe('barChart', () => {
  it('draws one bar per value, with heights proportional to the values from a zero baseline', () => {
    const svg = render(
      barChart({
        ...text,
        bars: [
          { label: 'a', value: 1 },
          { label: 'b', value: 3 },
          { label: 'c', value: 0 },
          { label: 'd', value: 2 },
        ],
      }),
    );
    const bars = rects(svg);
    expect(bars).toHaveLength(4);
    expect(bars[1]!.height / bars[0]!.height).toBeCloseTo(3, 1);
    expect(bars[3]!.height / bars[0]!.height).toBeCloseTo(2, 1);
    expect(bars[2]!.height).toBe(0);
    // All bars stand on the same baseline.
    const baselines = new Set(bars.map((b) => Math.round((b.y + b.height) * 10) / 10));
    expect(baselines.size).toBe(1);
    // Left to right in the order given.
    expect(bars.map((b) => b.x)).toEqual([...bars.map((b) => b.x)].sort((p, q) => p - q));
  });

  it('is labelled: title, description, both axis labels, category ticks and a value per bar', () => {
    const svg = render(
      barChart({
        ...text,
        bars: [
          { label: 'first', value: 10 },
          { label: 'second', value: 20 },
        ],
      }),
    );
    expectAccessible(svg, 'c');
    expect(svg).toContain('>the x axis</text>');
    expect(svg).toContain('>the y axis</text>');
    expect(svg).toContain('>first</text>');
    expect(svg).toContain('>second</text>');
    expect(rects(svg).map((r) => r.title)).toEqual(['first: 10', 'second: 20']);
    // y ticks from 0 to at least the largest value.
    expect(svg).toContain('>0</text>');
    expect(svg).toContain('>20</text>');
  });

  it('escapes labels, titles and descriptions', () => {
    const evil = '<script>alert("x")</script>';
    const svg = render(
      barChart({ id: 'e"x', title: evil, description: `${evil} & more`, xLabel: evil, yLabel: 'y', bars: [{ label: evil, value: 1 }] }),
    );
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;script&gt;');
    expect(svg).toContain('&amp; more');
    expect(svg).toContain('id="e&quot;x-title"');
  });

  it('says there is no data instead of drawing empty axes', () => {
    const svg = render(barChart({ ...text, bars: [], emptyMessage: 'nothing yet' }));
    expect(svg).toContain('chart-empty');
    expect(svg).toContain('nothing yet');
    expect(rects(svg)).toHaveLength(0);
    expectAccessible(svg, 'c');
  });

  it('turns long category labels and shortens them, keeping the full label in the bar title', () => {
    const bars = Array.from({ length: 12 }, (_, i) => ({ label: `a-rather-long-category-${i}`, value: i + 1 }));
    const svg = render(barChart({ ...text, bars }));
    expect(svg).toMatch(/transform="rotate\(-40 /);
    expect(svg).toContain('>a-rather-long…</text>');
    expect(rects(svg)[0]!.title).toBe('a-rather-long-category-0: 1');
  });
});

describe('histogramChart', () => {
  const bins = [
    { lower: 0, upper: 0.25, count: 40 },
    { lower: 0.25, upper: 0.5, count: 20 },
    { lower: 0.5, upper: 0.75, count: 10 },
    { lower: 0.75, upper: 1, count: 0 },
  ];

  it('draws contiguous bars of equal width for equal-width bins, scaled to the counts', () => {
    const bars = rects(render(histogramChart({ ...text, bins })));
    expect(bars).toHaveLength(4);
    const widths = new Set(bars.map((b) => Math.round(b.width)));
    expect(widths.size).toBe(1);
    for (let i = 1; i < bars.length; i++) expect(bars[i]!.x - bars[i - 1]!.x).toBeCloseTo(bars[0]!.width + 1, 0);
    expect(bars[0]!.height / bars[1]!.height).toBeCloseTo(2, 1);
    expect(bars[3]!.height).toBe(0);
    expect(bars[0]!.title).toBe('0 – 0.25: 40');
  });

  it('puts round values on the x axis', () => {
    const svg = render(histogramChart({ ...text, bins }));
    for (const label of ['0', '0.2', '0.4', '0.6', '0.8', '1']) expect(svg).toContain(`>${label}</text>`);
  });

  it('says there is no data when every bin is empty', () => {
    expect(render(histogramChart({ ...text, bins: bins.map((b) => ({ ...b, count: 0 })) }))).toContain('chart-empty');
  });
});

describe('groupedBarChart', () => {
  it('draws a bar per category and series, skipping missing values, with a legend', () => {
    const svg = render(
      groupedBarChart({
        ...text,
        categories: ['≤ 10', '10–20', '> 20'],
        series: [
          { name: 'training', values: [0.2, 0.5, 0.3] },
          { name: 'serving', values: [0.4, null, 0.6] },
        ],
      }),
    );
    const bars = rects(svg);
    expect(bars).toHaveLength(5);
    expect(bars.filter((b) => b.cls.includes('series-0'))).toHaveLength(3);
    expect(bars.filter((b) => b.cls.includes('series-1'))).toHaveLength(2);
    expect(svg).toContain('>training</text>');
    expect(svg).toContain('>serving</text>');
    // serving 0.6 is twice training 0.3 in the last group.
    const last = bars.filter((b) => b.title.startsWith('> 20'));
    expect(last[1]!.height / last[0]!.height).toBeCloseTo(2, 1);
    expect(last.map((b) => b.title)).toEqual(['> 20 — training: 0.3', '> 20 — serving: 0.6']);
    expect(svg).toContain('&gt; 20');
  });

  it('keeps each group within its slot, series side by side', () => {
    const bars = rects(
      render(
        groupedBarChart({
          ...text,
          categories: ['a', 'b'],
          series: [
            { name: 's0', values: [1, 1] },
            { name: 's1', values: [1, 1] },
          ],
        }),
      ),
    );
    expect(bars[0]!.x).toBeLessThan(bars[1]!.x);
    expect(bars[1]!.x + bars[1]!.width).toBeLessThan(bars[2]!.x);
  });

  it('uses the tick format for the y axis', () => {
    const svg = render(
      groupedBarChart({ ...text, categories: ['a'], series: [{ name: 's', values: [0.5] }], tickFormat: (v) => `${Math.round(v * 100)}%` }),
    );
    expect(svg).toContain('>50%</text>');
    expect(svg).toContain('>0%</text>');
  });

  it('says there is no data when every value is missing', () => {
    expect(render(groupedBarChart({ ...text, categories: ['a'], series: [{ name: 's', values: [null] }] }))).toContain('chart-empty');
  });
});

describe('lineChart', () => {
  it('draws a point per value and breaks the line where values are missing', () => {
    const svg = render(
      lineChart({ ...text, labels: ['1', '2', '3', '4', '5'], series: [{ name: 'auc', values: [0.9, 0.91, null, 0.88, 0.89] }] }),
    );
    const points = circles(svg);
    expect(points).toHaveLength(4);
    expect(svg.match(/<path class="line"/g)).toHaveLength(2);
    // Higher values sit higher (smaller y); x advances with the label index.
    expect(points[1]!.cy).toBeLessThan(points[0]!.cy);
    expect(points[2]!.cy).toBeGreaterThan(points[0]!.cy);
    expect(points[2]!.cx - points[1]!.cx).toBeCloseTo(2 * (points[1]!.cx - points[0]!.cx), 0);
    expect(points[0]!.title).toBe('1 — auc: 0.9');
  });

  it('draws reference lines with their legend entry', () => {
    const svg = render(
      lineChart({
        ...text,
        labels: ['a', 'b'],
        series: [{ name: 'online', values: [0.9, 0.92] }],
        references: [{ name: 'offline', value: 0.8 }],
      }),
    );
    expect(svg).toMatch(/<line class="reference"[^>]*stroke-dasharray/);
    expect(svg).toContain('>offline</text>');
    expect(svg).toContain('<title>offline: 0.8</title>');
    // The axis reaches down to the reference.
    const reference = Number(/<line class="reference" x1="[^"]+" x2="[^"]+" y1="([^"]+)"/.exec(svg)![1]);
    expect(reference).toBeGreaterThan(circles(svg)[0]!.cy);
    expect(reference).toBeLessThan(CHART_HEIGHT);
  });

  it('thins out time labels that would collide instead of turning them', () => {
    const labels = Array.from({ length: 25 }, (_, i) => `${String(i % 24).padStart(2, '0')}:00`);
    const svg = render(lineChart({ ...text, labels, series: [{ name: 's', values: labels.map((_, i) => i) }] }));
    expect(svg).not.toMatch(/rotate\(-40/);
    const shown = labels.filter((l) => svg.includes(`>${l}</text>`));
    expect(shown.length).toBeGreaterThan(3);
    expect(shown.length).toBeLessThan(labels.length);
    expect(circles(svg)).toHaveLength(25);
  });

  it('says there is no data without values', () => {
    expect(render(lineChart({ ...text, labels: ['a'], series: [{ name: 's', values: [null] }] }))).toContain('chart-empty');
  });
});

describe('lineRuns', () => {
  it('splits a series into runs of consecutive values', () => {
    expect(lineRuns([1, 2, null, 3, null, null, 4, 5])).toEqual([
      [
        { index: 0, value: 1 },
        { index: 1, value: 2 },
      ],
      [{ index: 3, value: 3 }],
      [
        { index: 6, value: 4 },
        { index: 7, value: 5 },
      ],
    ]);
    expect(lineRuns([null, Number.NaN])).toEqual([]);
  });
});

describe('layout', () => {
  it('wraps a legend that does not fit one row', () => {
    const items = Array.from({ length: 6 }, (_, i) => ({ name: `a series named ${i}`, color: '#000' }));
    const layout = legendLayout(items);
    expect(Math.max(...layout.map((l) => l.row))).toBeGreaterThan(0);
    expect(plotArea({ xLabels: [], slots: 1, yLabels: ['0'], legend: items }).top).toBeGreaterThan(
      plotArea({ xLabels: [], slots: 1, yLabels: ['0'], legend: items.slice(0, 1) }).top,
    );
  });

  it('leaves room on the left for wide y labels', () => {
    expect(plotArea({ xLabels: [], slots: 1, yLabels: ['1,000,000'] }).left).toBeGreaterThan(
      plotArea({ xLabels: [], slots: 1, yLabels: ['1'] }).left,
    );
  });
});
