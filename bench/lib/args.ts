/**
 * Command-line options of `npm run bench`. Pure; unit-tested.
 */
import { MODEL_FAMILIES } from './families.ts';

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
  /** Seconds of full-path load before the memory figure's starting point (workerd's RSS settles first). */
  soakWarmupSeconds: number;
  coldStartRepetitions: number;
  firstDeployRepetitions: number;
  /** Seconds of load while the workerd CPU profile is taken (0: skip). */
  profileSeconds: number;
  /** Milliseconds each micro-benchmark stage runs. */
  microBudgetMs: number;
  /** Replace the results section of BENCHMARKS.md with this run's table. */
  writeBenchmarks: boolean;
  /** Only these groups (default all): servers, model families and the other phases (see SCENARIO_GROUPS). */
  only: Set<string> | null;
  /** Also measure the full path behind Miniflare's simulated static-asset routing (default: full runs only). */
  assets: boolean;
  /** Interleaved rounds on the primary family (bench/lib/paired.ts; 0: none), and seconds per slice. */
  pairedRounds: number;
  pairedSliceSeconds: number;
}

/** The servers load runs against: Vigil, the bare ORT Worker, the Node peer and the bare JSON Worker. */
export const SERVER_GROUPS = ['vigil', 'limit', 'peer', 'floor'] as const;
export type ServerGroup = (typeof SERVER_GROUPS)[number];
/** Phases that are not a load scenario of a server and a model. */
export const PHASE_GROUPS = ['cold', 'profile', 'micro', 'assets'] as const;
export type PhaseGroup = (typeof PHASE_GROUPS)[number];
export const MODEL_GROUPS: readonly string[] = MODEL_FAMILIES.map((f) => f.id);
export const SCENARIO_GROUPS: readonly string[] = [...SERVER_GROUPS, ...MODEL_GROUPS, ...PHASE_GROUPS];

export const USAGE = `usage: npm run bench [-- options]
  --quick                 short runs (under two minutes in all)
  --connections N         concurrent connections of every load run (default 16)
  --duration S            seconds per measured scenario (default 20; quick 5)
  --warmup S              seconds of discarded load before each scenario (default 5; quick 1)
  --soak S                seconds of full-path load for the memory figure (default 120; quick 0 = scenarios' own load)
  --soak-warmup S         seconds of full-path load before the memory figure starts (default 60; quick 3)
  --cold-starts N         cold-start repetitions (default 10; quick 3)
  --profile S             seconds of load under the workerd CPU profiler (default 10; quick 3; 0 skips)
  --only a,b              run only these groups: servers ${SERVER_GROUPS.join(', ')};
                          models ${MODEL_GROUPS.join(', ')}; phases ${PHASE_GROUPS.join(', ')}.
                          Load scenarios run for the named servers × the named models (all of either when
                          none is named); phases run when named (assets: the full path behind Miniflare's
                          simulated asset routing, in full runs by default)
  --paired N              interleaved rounds on the first model family: every named server up at once, each
                          serving a slice of single and of 100-instance requests per round, the order rotated;
                          the ratio targets are judged on the rounds' median (default 5; quick 0 = none)
  --paired-slice S        seconds per slice of the interleaved rounds (default 5)
  --write-benchmarks      replace the results section of BENCHMARKS.md with this run's table`;

/** The number an option was given, refused unless it is positive (or, with allowZero, non-negative). */
export function positive(name: string, value: string | undefined, allowZero = false): number {
  const n = Number(value);
  if (value === undefined || !Number.isFinite(n) || n < 0 || (!allowZero && n === 0))
    throw new Error(`${name} needs a ${allowZero ? 'non-negative' : 'positive'} number, got ${value ?? 'nothing'}`);
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
    soakWarmupSeconds: quick ? 3 : 60,
    coldStartRepetitions: quick ? 3 : 10,
    firstDeployRepetitions: quick ? 1 : 3,
    profileSeconds: quick ? 3 : 10,
    microBudgetMs: quick ? 150 : 500,
    writeBenchmarks: false,
    only: null,
    assets: !quick,
    pairedRounds: quick ? 0 : 5,
    pairedSliceSeconds: 5,
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
      case '--soak-warmup':
        options.soakWarmupSeconds = positive(arg, next(), true);
        break;
      case '--cold-starts':
        options.coldStartRepetitions = Math.round(positive(arg, next(), true));
        break;
      case '--profile':
        options.profileSeconds = positive(arg, next(), true);
        break;
      case '--paired':
        options.pairedRounds = Math.round(positive(arg, next(), true));
        break;
      case '--paired-slice':
        options.pairedSliceSeconds = positive(arg, next());
        break;
      case '--write-benchmarks':
        options.writeBenchmarks = true;
        break;
      case '--only': {
        const groups = (next() ?? '')
          .split(',')
          .map((g) => g.trim())
          .filter(Boolean);
        const unknown = groups.filter((g) => !SCENARIO_GROUPS.includes(g));
        if (groups.length === 0 || unknown.length)
          throw new Error(
            '--only takes a comma-separated list of ' +
              `${SCENARIO_GROUPS.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`,
          );
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

/** Whether a phase runs: named in --only, or no --only (assets: by default in full runs only). */
export function wants(options: BenchOptions, group: PhaseGroup): boolean {
  if (options.only === null) return group === 'assets' ? options.assets : true;
  return options.only.has(group);
}

/**
 * Whether the load scenarios of `server` on model family `model` run: with --only, the server must be named or
 * no server named, and the model must be named or no model named, and at least one server or model named.
 */
export function wantsLoad(options: BenchOptions, server: ServerGroup, model: string): boolean {
  const only = options.only;
  if (only === null) return true;
  const servers = SERVER_GROUPS.filter((g) => only.has(g));
  const models = MODEL_GROUPS.filter((g) => only.has(g));
  if (servers.length === 0 && models.length === 0) return false;
  return (servers.length === 0 || only.has(server)) && (models.length === 0 || only.has(model));
}

/** Whether any load scenario of `server` runs, on any model. */
export function wantsServer(options: BenchOptions, server: ServerGroup): boolean {
  return MODEL_GROUPS.some((model) => wantsLoad(options, server, model));
}
