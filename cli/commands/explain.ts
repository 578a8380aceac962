/**
 * `vigil explain <model> --instance <file.json>`: why the model predicts what it does for one or more instances —
 * per instance, the prediction, the base value and each feature's contribution, largest first. Posts the
 * instances to `POST /v1/models/{model}/explain` (or `/versions/{v}/explain` with --version).
 */
import { readFile } from 'node:fs/promises';
import { UsageError } from '../lib/cli-error.ts';
import { COMMON_HELP, parseCommandArgs } from '../lib/command-args.ts';
import { resolveConnection } from '../lib/connection.ts';
import { processIo, writeLine, type CliIo } from '../lib/io.ts';
import { printHelp, printJson, runCommand } from '../lib/run-command.ts';
import { renderTable } from '../lib/table.ts';
import { VigilClient } from '../lib/vigil-client.ts';

export const EXPLAIN_USAGE = `usage: vigil explain <model> --instance <file.json> [--version <v>] [--api-key <key>] [options]

Explains predictions: for each instance, the prediction, the base value (the model's expected output over
the training data) and one contribution per feature, which add up to the explained output minus the base
value. Tree ensembles are explained with exact TreeSHAP, linear and logistic models exactly (in margin space,
before the link), anything else with a sampling Shapley estimate and its standard errors.

  --instance <file>   a JSON instance ({"feature": value, …}), a list of them, or {"instances": [...]};
                      at most 100 instances
  --version <v>       explain this version instead of the one the deployment routes to
  --top <n>           show the n largest contributions per instance (default 10; 0 for all)
  --api-key <key>     API key for prediction routes when the server requires one (default $VIGIL_API_KEY)

${COMMON_HELP}`;

interface ExplainResponse {
  model: string;
  version: string;
  method: string;
  space: string;
  outputs: string[];
  transform: string;
  reference: string;
  explanations: {
    prediction: { value?: number; label?: string; probabilities?: Record<string, number> };
    explained: number[];
    base_value: number[];
    contributions: Record<string, number[]>;
    standard_error?: Record<string, number[]>;
  }[];
}

export function runExplain(args: string[], io: CliIo = processIo()): Promise<number> {
  return runCommand(io, async () => {
    const parsed = parseCommandArgs(
      'explain',
      args,
      { instance: { type: 'string' }, version: { type: 'string' }, top: { type: 'string' }, 'api-key': { type: 'string' } },
      { min: 1, max: 1 },
    );
    if (parsed.help) return printHelp(io, EXPLAIN_USAGE);
    const [model] = parsed.positionals as [string];
    const v = parsed.values;
    if (v.instance === undefined)
      throw new UsageError('--instance is required: a JSON file with the instance to explain (see vigil explain --help)');
    const top = v.top === undefined ? 10 : Number(v.top);
    if (!Number.isInteger(top) || top < 0) throw new UsageError('--top must be a whole number ≥ 0');
    const instances = await readInstances(v.instance);
    const apiKey = v['api-key'] ?? (io.env.VIGIL_API_KEY || undefined);
    const client = new VigilClient(resolveConnection(v, io));
    const path =
      `/v1/models/${encodeURIComponent(model)}` +
      (v.version !== undefined ? `/versions/${encodeURIComponent(v.version)}` : '') +
      '/explain';
    const result = await client.json<ExplainResponse>('POST', path, {
      body: { instances },
      ...(apiKey ? { headers: { authorization: `Bearer ${apiKey}` } } : {}),
    });
    if (v.json) {
      printJson(io, result);
      return 0;
    }
    writeLine(io.stdout, `${result.model} version ${result.version}: ${describeMethod(result)}`);
    result.explanations.forEach((e, i) => {
      writeLine(io.stdout);
      writeLine(io.stdout, `instance ${i}: ${describePrediction(e.prediction)}`);
      result.outputs.forEach((output, k) => {
        const label = result.outputs.length > 1 || output !== 'value' ? ` (${output})` : '';
        const space = identity(result.transform) ? 'value' : result.space;
        writeLine(io.stdout, `  ${space}${label}: ${format(e.explained[k]!)} = base ${format(e.base_value[k]!)} + contributions`);
        const rows = Object.entries(e.contributions)
          .map(([feature, c]) => ({ feature, value: c[k]!, error: e.standard_error?.[feature]?.[k] }))
          .sort((a, b) => Math.abs(b.value) - Math.abs(a.value));
        const shown = top === 0 ? rows : rows.slice(0, top);
        const table = renderTable(
          [
            { header: 'feature' },
            { header: 'value' },
            { header: 'contribution', align: 'right' },
            ...(e.standard_error ? [{ header: '± s.e.', align: 'right' as const }] : []),
          ],
          shown.map((r) => [
            r.feature,
            featureValue(instances[i], r.feature),
            signed(r.value),
            ...(e.standard_error ? [r.error === undefined ? '' : format(r.error)] : []),
          ]),
          '    ',
        );
        writeLine(io.stdout, table);
        if (shown.length < rows.length) {
          const rest = rows.slice(shown.length).reduce((s, r) => s + r.value, 0);
          writeLine(io.stdout, `    … ${rows.length - shown.length} more features, together ${signed(rest)}`);
        }
      });
    });
    return 0;
  });
}

async function readInstances(path: string): Promise<Record<string, unknown>[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`--instance ${path}: ${(error as Error).message}`);
  }
  const list = Array.isArray(parsed)
    ? parsed
    : typeof parsed === 'object' && parsed !== null && Array.isArray((parsed as { instances?: unknown }).instances)
      ? (parsed as { instances: unknown[] }).instances
      : [parsed];
  if (list.length === 0 || !list.every((x) => typeof x === 'object' && x !== null && !Array.isArray(x))) {
    throw new UsageError(`--instance ${path} must hold a JSON object of feature values, a list of them, or {"instances": [...]}`);
  }
  return list as Record<string, unknown>[];
}

function describeMethod(r: ExplainResponse): string {
  const method =
    r.method === 'tree_shap' ? 'exact TreeSHAP' : r.method === 'linear' ? 'exact linear contributions' : 'sampling Shapley estimate';
  const space =
    identity(r.transform) || (r.space !== 'raw' && r.space !== 'margin')
      ? ' of the served value'
      : ` in ${r.space} space (the served output is ${r.transform} of it)`;
  return `${method}${space}; base value over the ${r.reference}`;
}

/** Whether the explained space is the served output itself (a regression without a link). */
function identity(transform: string): boolean {
  return transform.toLowerCase() === 'none' || transform === 'served output';
}

function describePrediction(p: ExplainResponse['explanations'][number]['prediction']): string {
  if (p.value !== undefined) return `predicted ${format(p.value)}`;
  const probability = p.label !== undefined ? p.probabilities?.[p.label] : undefined;
  return `predicted ${p.label}${probability !== undefined ? ` (probability ${probability.toFixed(3)})` : ''}`;
}

function featureValue(instance: Record<string, unknown> | undefined, feature: string): string {
  const v = instance?.[feature];
  return v === undefined ? '(absent)' : v === null ? 'null' : String(v);
}

function format(x: number): string {
  return Math.abs(x) >= 1000 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(3) : x.toPrecision(3);
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : '−'}${format(Math.abs(x))}`;
}
