import { describe, expect, it } from 'vitest';
import { CHART_WIDTH } from '../../../src/reports/charts/chart-frame.tsx';
import { divergingBarChart, divergingLayout, signedNumber } from '../../../src/reports/charts/diverging-bar-chart.tsx';
import { formatFull } from '../../../src/reports/charts/scale.ts';

const text = { id: 'why', title: 'Why it moved', description: 'What it shows', xLabel: 'Δ contribution', yLabel: 'feature' };

function render(node: unknown): string {
  const html = String(node);
  expect(html.startsWith('<svg')).toBe(true);
  return html;
}

function decode(html: string): string {
  return html.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&amp;', '&');
}

interface Bar {
  side: string;
  x: number;
  y: number;
  width: number;
  title: string;
}

function bars(svg: string): Bar[] {
  return [
    ...svg.matchAll(
      /<rect class="bar (positive|negative|aggregate)" x="([^"]+)" y="([^"]+)" width="([^"]+)"[^>]*><title>([^<]*)<\/title><\/rect>/g,
    ),
  ].map((m) => ({
    side: m[1]!,
    x: Number(m[2]),
    y: Number(m[3]),
    width: Number(m[4]),
    title: decode(m[5]!),
  }));
}

function zeroLine(svg: string): number {
  return Number(/<line class="zero" x1="([^"]+)"/.exec(svg)![1]);
}

describe('divergingBarChart', () => {
  it('draws positive values right of the zero line and negative ones left, lengths proportional to the values', () => {
    const svg = render(
      divergingBarChart({
        ...text,
        bars: [
          { label: 'a', value: 300 },
          { label: 'b', value: -150 },
          { label: 'c', value: 0 },
        ],
      }),
    );
    const [a, b, c] = bars(svg);
    const zero = zeroLine(svg);
    expect(a!.side).toBe('positive');
    expect(a!.x).toBeCloseTo(zero, 0);
    expect(b!.side).toBe('negative');
    expect(b!.x + b!.width).toBeCloseTo(zero, 0);
    expect(a!.width / b!.width).toBeCloseTo(2, 1);
    expect(c!.width).toBe(0);
    // Top to bottom in the order given.
    expect(a!.y).toBeLessThan(b!.y);
    expect(b!.y).toBeLessThan(c!.y);
  });

  it('writes the signed value of every row and keeps the full label and detail in each bar title', () => {
    const svg = render(
      divergingBarChart({
        ...text,
        bars: [
          { label: 'a_very_long_feature_name_indeed', detail: 'NEAR BAY AREA', value: 171983.4 },
          { label: 'b', value: -0.0264 },
        ],
      }),
    );
    expect(bars(svg).map((b) => b.title)).toEqual(['a_very_long_feature_name_indeed = NEAR BAY AREA: +171,983', 'b: −0.0264']);
    expect(svg).toContain('>+171,983</text>');
    expect(svg).toContain('>−0.0264</text>');
    expect(svg).toContain('a_very_long_feature…');
    expect(svg).toContain('<tspan fill="#6e7781"> = NEAR BAY …</tspan>');
  });

  it('is accessible: an image named by its title and described by its description, text escaped', () => {
    const svg = render(divergingBarChart({ ...text, description: '<b>moved</b> & more', bars: [{ label: '<script>', value: 1 }] }));
    expect(svg).toContain('role="img"');
    expect(svg).toContain('aria-labelledby="why-title why-desc"');
    expect(svg).toContain('<title id="why-title">Why it moved</title>');
    expect(svg).toContain('<desc id="why-desc">&lt;b&gt;moved&lt;/b&gt; &amp; more</desc>');
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('>Δ contribution</text>');
    expect(svg).toContain(`viewBox="0 0 ${CHART_WIDTH} `);
  });

  it('draws an aggregate bar in grey, whatever its sign', () => {
    const svg = render(
      divergingBarChart({
        ...text,
        bars: [
          { label: 'a', value: 2 },
          { label: '3 other features', value: -1, aggregate: true },
        ],
      }),
    );
    expect(bars(svg).map((b) => b.side)).toEqual(['positive', 'aggregate']);
  });

  it('grows taller with more rows and labels zero on the axis', () => {
    const height = (svg: string) => Number(/viewBox="0 0 \d+ (\d+)"/.exec(svg)![1]);
    const few = render(divergingBarChart({ ...text, bars: [{ label: 'a', value: 1 }] }));
    const many = render(divergingBarChart({ ...text, bars: Array.from({ length: 10 }, (_, i) => ({ label: `f${i}`, value: i - 5 })) }));
    expect(height(many)).toBeGreaterThan(height(few));
    expect(many).toMatch(/text-anchor="middle" fill="#4a5058" font-size="13">0<\/text>/);
  });

  it('leaves room for the labels on the left and the values on the right', () => {
    const layout = divergingLayout([{ label: 'median_income', detail: '8.33', value: 1 }], ['+7,900']);
    expect(layout.left).toBeGreaterThan(layout.labelRight);
    expect(layout.right).toBeLessThan(layout.valueRight - 40);
    expect(layout.right - layout.left).toBeGreaterThan(150);
  });

  it('says there is nothing to show instead of drawing empty axes', () => {
    const svg = render(divergingBarChart({ ...text, bars: [], emptyMessage: 'no features' }));
    expect(svg).toContain('chart-empty');
    expect(svg).toContain('no features');
    expect(bars(svg)).toHaveLength(0);
  });
});

describe('signed numbers', () => {
  it('writes whole numbers in full from 100 and keeps three significant digits below', () => {
    expect(signedNumber(7900.4)).toBe('+7,900');
    expect(signedNumber(-171983)).toBe('−171,983');
    expect(signedNumber(0.02641)).toBe('+0.0264');
    expect(signedNumber(0)).toBe('0');
    expect(formatFull(2.5e9)).toBe('2.5B');
  });
});
