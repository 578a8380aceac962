/**
 * Latency of the versions serving or shadowing traffic: p50, p95 and mean from the shadow comparisons
 * (primary and shadow timed on the same requests) and from the canary's logged samples.
 */
import { groupedBarChart, type Series } from '../charts/grouped-bar-chart.tsx';
import type { LatencySummary } from '../report-data.ts';
import { Empty, Figure, Table, Head, numeric } from './components.tsx';
import { formatNumber } from './format.ts';
import type { CanaryReport, ShadowReport } from './types.ts';

export interface LatencyRow {
  label: string;
  source: string;
  latency: LatencySummary;
  samples: number | null;
}

export function latencyRows(shadow: ShadowReport, canary: CanaryReport): LatencyRow[] {
  const rows: LatencyRow[] = [];
  for (const s of shadow.shadows) {
    if (s.requests === 0) continue;
    if (!rows.some((r) => r.label === `v${shadow.primary_version} primary`))
      rows.push({
        label: `v${shadow.primary_version} primary`,
        source: `shadowed requests (v${s.version})`,
        latency: s.latency_ms.primary,
        samples: s.requests,
      });
    rows.push({ label: `v${s.version} shadow`, source: 'shadowed requests', latency: s.latency_ms.shadow, samples: s.requests });
  }
  if ('traffic_share' in canary && canary.canary) {
    rows.push({
      label: `v${canary.primary.version} primary`,
      source: 'logged samples',
      latency: canary.primary.latency_ms,
      samples: canary.primary.latency_ms.samples,
    });
    rows.push({
      label: `v${canary.candidate.version} canary`,
      source: 'logged samples',
      latency: canary.candidate.latency_ms,
      samples: canary.candidate.latency_ms.samples,
    });
  }
  return rows.filter((r) => r.latency.p50_ms !== null || r.latency.mean_ms !== null);
}

const ms = (v: number) => `${formatNumber(v)} ms`;

export function LatencySection(props: { shadow: ShadowReport; canary: CanaryReport; budgetMs: number }) {
  const rows = latencyRows(props.shadow, props.canary);
  const series: Series[] = rows.map((r) => ({ name: r.label, values: [r.latency.p50_ms, r.latency.p95_ms, r.latency.mean_ms] }));
  return (
    <section class="card" id="latency" aria-labelledby="latency-title">
      <h2 id="latency-title">Latency</h2>
      {rows.length === 0 ? (
        <Empty>No timed requests in this window: latency is measured on shadowed requests and on the canary's logged samples.</Empty>
      ) : (
        <>
          <Figure
            caption={
              `Model time per request in milliseconds. Latency budget ${props.budgetMs} ms (manifest). ` +
              "In-Worker clocks advance only across I/O, so small values are coarse; use Workers' CPU-time metrics " +
              'for production latency.'
            }
          >
            {groupedBarChart({
              id: 'latency',
              title: 'Latency by version',
              description:
                'p50, p95 and mean model latency in milliseconds for ' +
                `${rows.map((r) => r.label).join(', ')}; budget ${props.budgetMs} ms.`,
              xLabel: 'statistic',
              yLabel: 'milliseconds',
              categories: ['p50', 'p95', 'mean'],
              series,
              format: ms,
            })}
          </Figure>
          <Table caption="Latency per version">
            <Head cols={['version', 'measured on', numeric('requests'), numeric('p50'), numeric('p95'), numeric('mean')]} />
            <tbody>
              {rows.map((r) => (
                <tr>
                  <th scope="row">{r.label}</th>
                  <td>{r.source}</td>
                  <td class="num">{formatNumber(r.samples)}</td>
                  <td class="num">{r.latency.p50_ms === null ? '–' : ms(r.latency.p50_ms)}</td>
                  <td class="num">{r.latency.p95_ms === null ? '–' : ms(r.latency.p95_ms)}</td>
                  <td class="num">{r.latency.mean_ms === null ? '–' : ms(r.latency.mean_ms)}</td>
                </tr>
              ))}
            </tbody>
          </Table>
        </>
      )}
    </section>
  );
}
