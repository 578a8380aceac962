/**
 * The ML Test Score card (Breck et al., 2017): the final score, each section's score, the tests blocking
 * promotion at the model's stage, and all 28 tests with their marks and evidence.
 */
import type { Mark } from '../score-card.ts';
import { Badge, Table, Head, numeric } from './components.tsx';
import type { Tone } from './format.ts';
import type { ScoreReport } from './types.ts';

const MARK_TONE: Record<Mark, Tone> = { automated_pass: 'pass', automated_fail: 'fail', declared: 'info', missing: 'na' };
export const MARK_TEXT: Record<Mark, string> = {
  automated_pass: 'automated · passing',
  automated_fail: 'automated · failing',
  declared: 'declared (manual)',
  missing: 'missing',
};

/** The paper's reading of a final score. */
export function scoreMeaning(score: number): string {
  if (score <= 0) return 'more of a research project than a productionized system';
  if (score <= 1) return 'not totally untested, but serious holes in reliability are likely';
  if (score <= 2) return "there's been a first pass at basic productionization, but additional investment may be needed";
  if (score <= 3) return 'reasonably tested, but more of those tests and procedures may be automated';
  if (score <= 5) return 'strong levels of automated testing and monitoring, appropriate for mission-critical systems';
  return 'exceptional levels of automated testing and monitoring';
}

function points(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

export function ScoreCardSection(props: { report: ScoreReport }) {
  const { report } = props;
  const total = report.sections.reduce((n, s) => n + s.tests.length, 0);
  return (
    <section class="card" id="score" aria-labelledby="score-title">
      <h2 id="score-title">ML Test Score</h2>
      <div class="score-head">
        <div>
          <div class="score-final" data-final-score={report.final_score}>
            {points(report.final_score)} <small>final score</small>
          </div>
          <p class="note">{scoreMeaning(report.final_score)} (the minimum of the four section scores).</p>
        </div>
        <div class="sections">
          {report.sections.map((s) => (
            <div class="stat" data-section={s.id}>
              <span class="label">{s.name}</span>
              <span class="value">
                {points(s.score)} <small class="muted">/ {s.tests.length}</small>
              </span>
              <div class="meter" aria-hidden="true">
                <span style={`width:${Math.round((s.score / Math.max(1, s.tests.length)) * 100)}%`}></span>
              </div>
            </div>
          ))}
        </div>
      </div>
      <p>
        Version {report.version}, stage <strong>{report.stage}</strong>: {total} tests.{' '}
        {report.promotion_blocked ? (
          <Badge tone="fail">promotion blocked</Badge>
        ) : (
          <Badge tone="pass">nothing blocks promotion at this stage</Badge>
        )}
      </p>
      {report.blocking.length > 0 ? (
        <>
          <h3>Blocking promotion at stage {report.stage}</h3>
          <ul class="blocking">
            {report.blocking.map((b) => (
              <li>
                <strong>
                  {b.id} · {b.title}
                </strong>{' '}
                — {b.evidence}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {report.failing.length > 0 ? (
        <>
          <h3>Automated tests currently failing</h3>
          <ul class="failing">
            {report.failing.map((f) => (
              <li>
                <strong>
                  {f.id} · {f.title}
                </strong>{' '}
                — {f.evidence}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {report.sections.map((s) => (
        <Table caption={`${s.name}: ${points(s.score)} of ${s.tests.length}`} class="score-table">
          <colgroup>
            <col class="test" />
            <col class="mark" />
            <col class="points" />
            <col class="evidence" />
          </colgroup>
          <Head cols={['test', 'mark', numeric('points'), 'evidence']} />
          <tbody>
            {s.tests.map((t) => (
              <tr class={t.blocks_promotion ? 'score-test blocking' : 'score-test'} data-test={t.id} data-mark={t.mark}>
                <td class="wrap">
                  <strong>{t.id}</strong> {t.title}
                </td>
                <td>
                  <Badge tone={MARK_TONE[t.mark]}>{MARK_TEXT[t.mark]}</Badge>
                  {t.blocks_promotion ? (
                    <div>
                      <Badge tone="fail">blocks promotion</Badge>
                    </div>
                  ) : null}
                </td>
                <td class="num">{points(t.points)}</td>
                <td class="wrap">{t.evidence}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      ))}
      <p class="note">{report.scoring}</p>
    </section>
  );
}
