/**
 * Command-line options of `npm run chaos`. Pure.
 */
import { positive } from '../lib/args.ts';

export interface ChaosOptions {
  quick: boolean;
  /** Run the soak (full-path load, heap and per-isolate maps sampled) instead of the fault phases. */
  soak: boolean;
  /** Concurrent connections of every load run. */
  connections: number;
  /** Seconds of load in each fault phase. */
  phaseSeconds: number;
  /** Seconds of discarded load before the phases (sessions, caches and the deployment warm). */
  warmupSeconds: number;
  /** Longest wait for a phase's telemetry to reach D1 after the fault is lifted. */
  drainSeconds: number;
  /** Seconds each D1 call stalls in the d1-stalls phase, and each queue send in queue-stalls. */
  stallSeconds: number;
  /** Canary share (percent) in the failing-canary phase. */
  canaryPercent: number;
  /** Seconds of soak load, and between two heap samples. */
  soakSeconds: number;
  soakSampleSeconds: number;
  /** Only these phases (default all, in order). */
  only: Set<PhaseName> | null;
}

export const PHASES = [
  'baseline',
  'd1-errors',
  'd1-stalls',
  'queue-send-failures',
  'queue-stalls',
  'r2-errors',
  'ort-fails-for-shadow',
  'failing-canary-hanging-webhook',
] as const;
export type PhaseName = (typeof PHASES)[number];

export const USAGE = `usage: npm run chaos [-- options]
  Serves the real Worker on local workerd (Miniflare, as npm run bench does) with its bindings wrapped to fail
  on a schedule, drives load through each fault and reports, per fault, the predictions answered and their
  status codes, 5xx, telemetry sent vs stored vs counted as dropped, alerts and the canary state. Writes
  bench/results/chaos-<time>.json. Exit code 0 when the run completed (targets missed are marked MISSED).

  --quick                 shorter phases (about 3 minutes in all; with --soak a 1-minute soak)
  --soak                  run the soak instead of the fault phases: full-path load (shadow 10 %, sampling 1 %),
                          the isolate's V8 heap after a forced GC and /admin/health's per-isolate maps sampled
  --soak-duration S       seconds of soak load (default 600; quick 60)
  --soak-sample S         seconds between soak samples (default 30; quick 10)
  --connections N         concurrent connections of every load run (default 8)
  --duration S            seconds of load in each fault phase (default 20; quick 5)
  --warmup S              seconds of discarded load before the phases or the soak (default 10; quick 3)
  --drain S               longest wait for a phase's telemetry to reach D1 after recovery (default 120; quick 60)
  --stall S               seconds every D1 call stalls in d1-stalls, every queue send in queue-stalls (default 2)
  --canary-percent P      canary share in failing-canary-hanging-webhook (default 30)
  --only a,b              only these phases: ${PHASES.join(', ')}
  --help                  this text`;

export class UsageRequested extends Error {
  constructor() {
    super(USAGE);
    this.name = 'UsageRequested';
  }
}

export function parseChaosArgs(argv: readonly string[]): ChaosOptions {
  const quick = argv.includes('--quick');
  const options: ChaosOptions = {
    quick,
    soak: false,
    connections: 8,
    phaseSeconds: quick ? 5 : 20,
    warmupSeconds: quick ? 3 : 10,
    drainSeconds: quick ? 60 : 120,
    stallSeconds: 2,
    canaryPercent: 30,
    soakSeconds: quick ? 60 : 600,
    soakSampleSeconds: quick ? 10 : 30,
    only: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = () => argv[++i];
    switch (arg) {
      case '--quick':
        break;
      case '--soak':
        options.soak = true;
        break;
      case '--soak-duration':
        options.soakSeconds = positive(arg, next());
        break;
      case '--soak-sample':
        options.soakSampleSeconds = positive(arg, next());
        break;
      case '--connections':
        options.connections = Math.round(positive(arg, next()));
        break;
      case '--duration':
        options.phaseSeconds = positive(arg, next());
        break;
      case '--warmup':
        options.warmupSeconds = positive(arg, next(), true);
        break;
      case '--drain':
        options.drainSeconds = positive(arg, next());
        break;
      case '--stall':
        options.stallSeconds = positive(arg, next());
        break;
      case '--canary-percent': {
        const p = positive(arg, next());
        if (p > 100) throw new Error(`--canary-percent must be at most 100, got ${p}`);
        options.canaryPercent = p;
        break;
      }
      case '--only': {
        const phases = (next() ?? '')
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean);
        const unknown = phases.filter((p) => !(PHASES as readonly string[]).includes(p));
        if (phases.length === 0 || unknown.length)
          throw new Error(
            `--only takes a comma-separated list of ${PHASES.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`,
          );
        options.only = new Set(phases as PhaseName[]);
        break;
      }
      case '--help':
      case '-h':
        throw new UsageRequested();
      default:
        throw new Error(`unknown option ${arg}\n${USAGE}`);
    }
  }
  return options;
}
