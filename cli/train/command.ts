/**
 * `vigil train`: trains a model package from a CSV file and a training spec.
 *
 * @example
 * // npm run train -- --data ../shared/datasets/adult-income.csv --model adult-income --algo gbdt --version 2
 * process.exitCode = await runTrain(process.argv.slice(3));
 */
import { parseTrainArgs, TRAIN_USAGE } from './args.ts';
import { formatSummary } from './summary.ts';
import { trainPackage } from './train-package.ts';

/** Exit codes: 0 trained, 1 training failed (data, spec or export), 2 bad command line. */
export async function runTrain(args: string[]): Promise<number> {
  const parsed = parseTrainArgs(args);
  if (parsed.kind === 'help') {
    console.log(TRAIN_USAGE);
    return 0;
  }
  if (parsed.kind === 'error') {
    console.error(`vigil train: ${parsed.message}`);
    return 2;
  }
  const outcome = await trainPackage({ ...parsed.options, progress: (line) => console.log(line) });
  if (!outcome.ok) {
    for (const e of outcome.errors) console.error(`vigil train: ${e}`);
    return outcome.kind === 'usage' ? 2 : 1;
  }
  console.log(formatSummary(outcome.result));
  return 0;
}
