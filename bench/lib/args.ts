/**
 * Command-line options of `npm run bench`. Pure; unit-tested.
 */

export interface BenchOptions {
  quick: boolean;
  /** Concurrent connections of every load run. */
  connections: number;
  /** Seconds each measured scenario runs. */
  durationSeconds: number;
  /** Seconds of load before each measured scenario (discarded). */
  warmupSeconds: number;
  /** Seconds of full-path load for the memory-growth figure (0: use the scenarios' own load). */
  soakSeconds: number;
  coldStartRepetitions: number;
  firstDeployRepetitions: number;
  /** Seconds of load while the workerd CPU profile is taken (0: skip). */
  profileSeconds: number;
  /** Milliseconds each micro-benchmark stage runs. */
  microBudgetMs: number;
  /** Replace the results section of BENCHMARKS.md with this run's table. */
  writeBenchmarks: boolean;
  /** Only these scenario groups (default all): vigil, limit, peer, cold, profile, micro, assets. */
  only: Set<string> | null;
  /** Also measure the full path behind Miniflare's simulated static-asset routing (default: full runs only). */
  assets: boolean;
}

export const SCENARIO_GROUPS = ['vigil', 'limit', 'peer', 'cold', 'profile', 'micro', 'assets'] as const;

export const USAGE = `usage: npm run bench [-- options]
  --quick                 short runs (under two minutes in all)
  --connections N         concurrent connections of every load run (default 16)
  --duration S            seconds per measured scenario (default 20; quick 5)
  --warmup S              seconds of discarded load before each scenario (default 5; quick 1)
  --soak S                seconds of full-path load for the memory figure (default 120; quick 0 = scenarios' own load)
  --cold-starts N         cold-start repetitions (default 10; quick 3)
  --profile S             seconds of load under the workerd CPU profiler (default 10; quick 3; 0 skips)
  --only a,b              run only these groups: ${SCENARIO_GROUPS.join(', ')}
                          (assets: the full path behind Miniflare's simulated asset routing; full runs include it)
  --write-benchmarks      replace the results section of BENCHMARKS.md with this run's table`;

function positive(name: string, value: string | undefined, allowZero = false): number {
  const n = Number(value);
  if (value === undefined || !Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) throw new Error(`${name} needs a ${allowZero ? 'non-negative' : 'positive'} number, got ${value ?? 'nothing'}`);
  return n;
}

export function parseArgs(argv: readonly string[]): BenchOptions {
  const quick = argv.includes('--quick');
  const options: BenchOptions = {
    quick,
    connections: 16,
    durationSeconds: quick ? 5 : 20,
    warmupSeconds: quick ? 1 : 5,
    soakSeconds: quick ? 0 : 120,
    coldStartRepetitions: quick ? 3 : 10,
    firstDeployRepetitions: quick ? 1 : 3,
    profileSeconds: quick ? 3 : 10,
    microBudgetMs: quick ? 150 : 500,
    writeBenchmarks: false,
    only: null,
    assets: !quick,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = () => argv[++i];
    switch (arg) {
      case '--quick':
        break;
      case '--connections':
        options.connections = Math.round(positive(arg, next()));
        break;
      case '--duration':
        options.durationSeconds = positive(arg, next());
        break;
      case '--warmup':
        options.warmupSeconds = positive(arg, next(), true);
        break;
      case '--soak':
        options.soakSeconds = positive(arg, next(), true);
        break;
      case '--cold-starts':
        options.coldStartRepetitions = Math.round(positive(arg, next(), true));
        break;
      case '--profile':
        options.profileSeconds = positive(arg, next(), true);
        break;
      case '--write-benchmarks':
        options.writeBenchmarks = true;
        break;
      case '--only': {
        const groups = (next() ?? '').split(',').map((g) => g.trim()).filter(Boolean);
        const unknown = groups.filter((g) => !(SCENARIO_GROUPS as readonly string[]).includes(g));
        if (groups.length === 0 || unknown.length) throw new Error(`--only takes a comma-separated list of ${SCENARIO_GROUPS.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`);
        options.only = new Set(groups);
        break;
      }
      case '--help':
      case '-h':
        throw new Error(USAGE);
      default:
        throw new Error(`unknown option ${arg}\n${USAGE}`);
    }
  }
  return options;
}

export function wants(options: BenchOptions, group: (typeof SCENARIO_GROUPS)[number]): boolean {
  if (group === 'assets') return options.only === null ? options.assets : options.only.has(group);
  return options.only === null || options.only.has(group);
}
