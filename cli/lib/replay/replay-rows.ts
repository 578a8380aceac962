/**
 * Turns CSV records into prediction instances for a replay: model inputs typed from the model's metadata
 * (empty cell → null, numbers parsed, BYTES kept as strings, booleans read from true/false/1/0), columns that
 * are not inputs ignored, the label column held back for feedback, transforms applied before sending.
 *
 * @example
 * const planned = planReplay({ header, inputs, task: 'regression', labelColumn: 'median_house_value', transforms: [] });
 * if (planned.ok) buildRow(record, 0, 'ab12cd', planned.plan);
 * // { row: 1, requestId: 'replay-ab12cd-1', instance: { median_income: 8.3, … }, label: 452600 }
 */
import type { CsvRecord } from '../csv.ts';
import type { InputKind, ModelInput, ReplayTask } from './model-inputs.ts';
import { applyShift, type ColumnTransform } from './transforms.ts';

export type InstanceValue = number | string | boolean | null;

export interface ReplayPlanInput {
  header: readonly string[];
  inputs: readonly ModelInput[];
  task: ReplayTask;
  labelColumn?: string | undefined;
  routingKeyColumn?: string | undefined;
  transforms: readonly ColumnTransform[];
}

export interface ReplayPlan {
  /** Inputs sent: those in the CSV or set by a transform. */
  inputs: ModelInput[];
  labelColumn: string | undefined;
  /** Labels are numbers for regression, class names otherwise. */
  labelKind: 'number' | 'string';
  routingKeyColumn: string | undefined;
  transforms: Map<string, ColumnTransform>;
  /** CSV columns that are neither inputs, the label nor the routing key. */
  ignoredColumns: string[];
  /** Model inputs the CSV does not have (requests go without them). */
  missingInputs: string[];
}

export type PlanResult = { ok: true; plan: ReplayPlan } | { ok: false; message: string };

export interface ReplayRow {
  /** 1-based record number in the CSV (1 = the first row after the header). */
  row: number;
  requestId: string;
  instance: Record<string, InstanceValue>;
  label: string | number | null;
  routingKey: string | undefined;
}

export function planReplay(input: ReplayPlanInput): PlanResult {
  const header = new Set(input.header);
  const inputNames = new Map(input.inputs.map((i) => [i.name, i]));
  const inputList = () => input.inputs.map((i) => i.name).join(', ');
  const { labelColumn, routingKeyColumn } = input;
  const labelKind = input.task === 'regression' ? 'number' : 'string';

  if (labelColumn !== undefined) {
    if (!header.has(labelColumn))
      return fail(`--label-column "${labelColumn}" is not a column of the CSV; columns: ${input.header.join(', ')}`);
    if (inputNames.has(labelColumn))
      return fail(`--label-column "${labelColumn}" is a model input; the label must be a column the model does not see`);
  }
  if (routingKeyColumn !== undefined && !header.has(routingKeyColumn)) {
    return fail(`--routing-key-column "${routingKeyColumn}" is not a column of the CSV; columns: ${input.header.join(', ')}`);
  }

  const transforms = new Map<string, ColumnTransform>();
  for (const t of input.transforms) {
    const flag = t.kind === 'shift' ? '--shift' : '--set';
    if (transforms.has(t.column))
      return fail(
        `column "${t.column}" is transformed twice (${transforms.get(t.column)!.text} and ${t.text}); give one transform per column`,
      );
    const modelInput = inputNames.get(t.column);
    const isLabel = t.column === labelColumn;
    if (!modelInput && !isLabel) {
      const why = header.has(t.column) ? 'is not a model input (the replay does not send it)' : 'is neither a CSV column nor a model input';
      return fail(`${flag} ${t.text}: "${t.column}" ${why}; model inputs: ${inputList()}${labelColumn ? `, label: ${labelColumn}` : ''}`);
    }
    if (t.kind === 'shift') {
      const kind = modelInput?.kind ?? labelKind;
      if (kind !== 'number' && kind !== 'integer')
        return fail(`--shift ${t.text}: "${t.column}" is not numeric (${kind}); use --set to replace its values`);
      if (!header.has(t.column))
        return fail(`--shift ${t.text}: "${t.column}" is not a column of the CSV, so there is nothing to shift; use --set to add it`);
    }
    transforms.set(t.column, t);
  }

  const sent = input.inputs.filter((i) => header.has(i.name) || transforms.get(i.name)?.kind === 'set');
  return {
    ok: true,
    plan: {
      inputs: sent,
      labelColumn,
      labelKind,
      routingKeyColumn,
      transforms,
      ignoredColumns: input.header.filter((c) => !inputNames.has(c) && c !== labelColumn && c !== routingKeyColumn),
      missingInputs: input.inputs.filter((i) => !sent.includes(i)).map((i) => i.name),
    },
  };
}

export function buildRow(record: CsvRecord, index: number, runId: string, plan: ReplayPlan): ReplayRow {
  const instance: Record<string, InstanceValue> = {};
  for (const input of plan.inputs) instance[input.name] = transformed(record, input.name, input.kind, plan);
  let label: string | number | null = null;
  if (plan.labelColumn !== undefined) {
    const value = transformed(record, plan.labelColumn, plan.labelKind, plan);
    label = plan.labelKind === 'number' ? (typeof value === 'number' ? value : null) : value === null ? null : String(value);
  }
  const routingCell = plan.routingKeyColumn !== undefined ? record[plan.routingKeyColumn] : undefined;
  return {
    row: index + 1,
    requestId: `replay-${runId}-${index + 1}`,
    instance,
    label,
    routingKey: routingCell === null || routingCell === undefined || routingCell === '' ? undefined : routingCell,
  };
}

function transformed(record: CsvRecord, column: string, kind: InputKind, plan: ReplayPlan): InstanceValue {
  const transform = plan.transforms.get(column);
  if (transform?.kind === 'set') return convertCell(transform.value, kind);
  const value = convertCell(record[column] ?? null, kind);
  if (transform?.kind === 'shift' && typeof value === 'number') return applyShift(value, transform, kind);
  return value;
}

/**
 * A CSV cell as the value of an input of this kind. A cell that does not parse is sent as the text it is,
 * so the server's validation reports it as invalid data, as it would for a real caller.
 */
export function convertCell(cell: string | null, kind: InputKind): InstanceValue {
  if (cell === null) return null;
  switch (kind) {
    case 'string':
      return cell;
    case 'number':
    case 'integer': {
      const text = cell.trim();
      if (text === '') return null;
      const value = Number(text);
      return Number.isFinite(value) ? value : cell;
    }
    case 'boolean': {
      const text = cell.trim().toLowerCase();
      if (text === '') return null;
      if (text === 'true' || text === '1' || text === 'yes') return true;
      if (text === 'false' || text === '0' || text === 'no') return false;
      return cell;
    }
  }
}

function fail(message: string): PlanResult {
  return { ok: false, message };
}
